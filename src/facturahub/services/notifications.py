"""The notification outbox (security.md D3): every status change adds, in its own transaction, one
row per channel that applies — ``mail`` to the invoice's ``correo``, ``push`` to the submitting
platform's enabled endpoint — and, once that transaction has committed, hands the row ids to the
job queue. The worker claims a due row, delivers it outside any transaction, and records the
outcome: ``sent``, or a retry with exponential back-off, or ``failed`` after the last attempt.

A push goes to the platform's endpoint as it is when it is delivered: replaced meanwhile, the new
address; disabled, or the platform deleted, the row is ``dropped`` and nothing is sent.

A row is claimed by moving its ``next_attempt_at`` forward by a lease in one conditional UPDATE, so
two workers (or a scheduled retry and the sweeper) never deliver it at the same time; a worker that
dies mid-delivery leaves the row due again when the lease ends (at-least-once). A ``sent`` row is
never delivered again. The times compared are the database's (the worker reads them with
:func:`facturahub.store.clock.database_now`), never a worker's own clock. Each claim writes a fresh
``claim_token``: a worker whose lease ran out before its attempt ended (a stopped process) cannot
record a failure or give the row back over the claim of the worker that took it since
(:class:`ClaimLost`); a delivery that did go out is always recorded as sent.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from facturahub.errors import InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services import notification_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.services.actors import Actor, require_operator
from facturahub.store.database import after_commit
from facturahub.store.models import Invoice, Notification, Platform, PushEndpoint

MAIL = "mail"
PUSH = "push"
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
DROPPED = "dropped"  # a push whose platform disabled its endpoint (or was deleted) before delivery
STATES = (PENDING, SENT, FAILED, DROPPED)
JOB_QUEUE = "facturahub.job_queue"  # key of the job queue in ``Session.info`` (Database.session_info)
_OUTBOX = "facturahub.outbox"  # rows added in this unit of work, dispatched once after commit
_ENDPOINTS = "facturahub.push_endpoints"  # per-unit-of-work cache: platform id → endpoint URL
MAX_ERROR = 2000


class JobQueue(Protocol):
    """Where committed notification ids go to be delivered (huey in :mod:`facturahub.jobs`)."""

    def deliver(self, notification_ids: Sequence[int]) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay_seconds: float = 60.0
    max_delay_seconds: float = 3600.0
    lease_seconds: float = 300.0  # longer than any delivery may take (SMTP/HTTP timeouts)

    def delay(self, failures: int) -> timedelta:
        """Wait after the ``failures``-th failure: first, 2×first, 4×first… capped."""
        seconds = self.first_delay_seconds * (2 ** max(failures - 1, 0))
        return timedelta(seconds=min(seconds, self.max_delay_seconds))


# --- queueing (inside the status change's transaction) ------------------------------------------


class NotifiedInvoice(Protocol):
    """What the outbox reads of an invoice (an ORM ``Invoice`` or the row intake just wrote)."""

    @property
    def id(self) -> int: ...

    @property
    def issuer_tax_id(self) -> str: ...

    @property
    def email(self) -> str | None: ...

    @property
    def platform_id(self) -> int: ...


def queue_for_events(
    session: Session, events: Sequence[tuple[NotifiedInvoice, int]], at: datetime
) -> list[int]:
    """Add the notifications of status changes (invoice, event id) — one INSERT for all of them —
    and dispatch their ids once the transaction commits. Returns the new rows' ids."""
    values: list[dict[str, object]] = []
    for invoice, event_id in events:
        targets = [(MAIL, invoice.email), (PUSH, push_endpoint_url(session, invoice.platform_id))]
        values.extend(
            {
                "invoice_id": invoice.id,
                "event_id": event_id,
                "channel": channel,
                "target": target,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": at,
                "created_at": at,
            }
            for channel, target in targets
            if target
        )
    if not values:
        return []
    ids = list(session.connection().scalars(_INSERT_NOTIFICATIONS, values))
    dispatch_after_commit(session, ids)
    return ids


_INSERT_NOTIFICATIONS = insert(Notification).returning(Notification.id, sort_by_parameter_order=True)


# a deleted platform's endpoint is never called, whatever its own ``enabled`` says
_PUSH_URL = (
    select(PushEndpoint.url)
    .join(Platform, Platform.id == PushEndpoint.platform_id)
    .where(
        PushEndpoint.platform_id == bindparam("platform_id"),
        PushEndpoint.enabled.is_(True),
        Platform.deleted_at.is_(None),
    )
)


def push_endpoint_url(session: Session, platform_id: int) -> str | None:
    """The platform's enabled push endpoint, looked up once per unit of work."""
    cache: dict[int, str | None] = session.info.setdefault(_ENDPOINTS, {})
    if platform_id not in cache:
        cache[platform_id] = session.connection().scalar(_PUSH_URL, {"platform_id": platform_id})
    return cache[platform_id]


def forget_push_endpoints(session: Session) -> None:
    session.info.pop(_ENDPOINTS, None)


def dispatch_after_commit(session: Session, notification_ids: Sequence[int]) -> None:
    """Hand the ids to the job queue once the transaction commits — one dispatch per unit of work,
    however many status changes it made. Without a queue (a boundary that configured none) the
    rows wait for the worker's sweeper: nothing is lost either way."""
    queue: JobQueue | None = session.info.get(JOB_QUEUE)
    if queue is None or not notification_ids:
        return
    pending: list[int] | None = session.info.get(_OUTBOX)
    if pending is None:
        pending = session.info[_OUTBOX] = []
        collected = pending
        after_commit(session, lambda: queue.deliver(collected))
    pending.extend(notification_ids)


# --- delivery (the worker) ----------------------------------------------------------------------


class ClaimLost(Exception):
    """The attempt's lease ran out and another worker claimed the row since: the outcome of the
    attempt under way is theirs to record."""

    def __init__(self, notification_id: int) -> None:
        super().__init__(f"notification {notification_id}: the lease ran out and another worker claimed it")
        self.notification_id = notification_id


def claim(session: Session, notification_id: int, now: datetime, policy: RetryPolicy) -> Notification | None:
    """Take a due pending row for delivery (lease it, with a fresh ``claim_token``); ``None`` when
    it is not ours to deliver now (unknown, already sent, failed, or leased/scheduled for later)."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.state == PENDING,
            Notification.next_attempt_at <= now,
        )
        .values(next_attempt_at=now + timedelta(seconds=policy.lease_seconds), claim_token=uuid.uuid4().hex)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.get(Notification, notification_id, populate_existing=True)


def current_push_target(session: Session, row: Notification) -> str | None:
    """Where a push goes *now*: the invoice's platform's enabled endpoint, which the supplier may
    have replaced or disabled (or an operator deleted the platform) since the row was queued.
    A row keeps no right to the address it was queued with: invoice data never goes to an
    endpoint its platform has withdrawn."""
    platform_id = session.scalar(select(Invoice.platform_id).where(Invoice.id == row.invoice_id))
    if platform_id is None:
        return None
    return session.connection().scalar(_PUSH_URL, {"platform_id": platform_id})


def record_dropped(row: Notification) -> None:
    """A push not to be delivered: its platform's endpoint is disabled, or the platform deleted."""
    row.state, row.last_error = (
        DROPPED,
        "not delivered: the platform's push endpoint was disabled or the platform deleted",
    )


def record_sent(session: Session, notification_id: int, now: datetime) -> None:
    """The notification went out: recorded whoever holds the claim now (it was delivered)."""
    row = session.get(Notification, notification_id)
    if row is None or row.state != PENDING:
        return
    row.state, row.sent_at, row.attempts, row.last_error = SENT, now, row.attempts + 1, None


def printable(text: str) -> str:
    """An error as it may be stored and shown: control characters (a NUL from an endpoint's
    header, which PostgreSQL cannot store in text) written as escapes, line breaks as spaces."""
    return "".join(_printable_char(char) for char in text)


def _printable_char(char: str) -> str:
    if char in "\r\n\t":
        return " "
    if unicodedata.category(char) in {"Cc", "Cs"}:
        return char.encode("unicode_escape").decode("ascii")
    return char


def record_failure(
    session: Session,
    notification_id: int,
    claim_token: str | None,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    not_before: datetime | None = None,
) -> timedelta | None:
    """Count the failed attempt of the claim ``claim_token``; returns how long from ``now`` to
    wait before trying again (the back-off, and not before ``not_before``), or ``None`` when the
    row is now failed (or no longer pending). :class:`ClaimLost` when another worker has claimed
    the row since."""
    row = session.get(Notification, notification_id, with_for_update=True)
    if row is None or row.state != PENDING:
        return None
    if row.claim_token != claim_token:
        raise ClaimLost(notification_id)
    row.attempts += 1
    row.last_error = printable(error)[:MAX_ERROR]
    if row.attempts >= policy.max_attempts:
        row.state = FAILED
        return None
    retry_at = now + policy.delay(row.attempts)
    row.next_attempt_at = retry_at if not_before is None else max(retry_at, not_before)
    return row.next_attempt_at - now


def release_claim(row: Notification, now: datetime) -> None:
    """Give back a claimed row without an attempt (its endpoint was busy): due again at once."""
    row.next_attempt_at = now


def due_ids(session: Session, now: datetime, limit: int = 1000) -> list[int]:
    """Pending rows whose time has come (the sweeper re-queues them: lost enqueues, restarts)."""
    statement = (
        select(Notification.id)
        .where(Notification.state == PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


# --- operators ----------------------------------------------------------------------------------


def list_notifications(
    session: Session, state: str | None = None, limit: int = 100
) -> list[tuple[Notification, str]]:
    """The latest notifications (newest first) with their invoice's registry number."""
    if state is not None and state not in STATES:
        raise InvalidInput("notify.state_unknown", state=state, states=", ".join(STATES))
    statement = select(Notification, Invoice.registry_number).join(
        Invoice, Invoice.id == Notification.invoice_id
    )
    if state is not None:
        statement = statement.where(Notification.state == state)
    rows = session.execute(statement.order_by(Notification.id.desc()).limit(limit))
    return [(notification, number) for notification, number in rows]


def retry(
    session: Session,
    actor: Actor,
    now: datetime,
    notification_id: int | None = None,
    *,
    all_failed: bool = False,
) -> list[Notification]:
    """Re-queue a failed notification (or every failed one): pending again, due now, with a fresh
    set of attempts; dispatched after commit. A sent or pending notification cannot be retried."""
    require_operator(actor)
    if all_failed:
        rows = list(session.scalars(select(Notification).where(Notification.state == FAILED)))
    else:
        row = session.get(Notification, notification_id) if notification_id is not None else None
        if row is None:
            raise NotFound("notify.not_found", id=notification_id)
        if row.state != FAILED:
            raise InvalidInput("notify.not_failed", id=row.id, state=row.state)
        rows = [row]
    for row in rows:
        row.state, row.attempts, row.next_attempt_at = PENDING, 0, now
        audit.record(session, actor, "notification.retried", target=f"notification:{row.id}")
    session.flush()
    dispatch_after_commit(session, [row.id for row in rows])
    return rows
