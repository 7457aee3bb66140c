"""One delivery attempt of one notification, in three steps so that no transaction is open while
talking to an SMTP server or an endpoint: claim (and render) in a unit of work → send → record
the outcome in another unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from facturahub.config import Settings
from facturahub.domain.local_time import DEFAULT_ZONE
from facturahub.jobs.endpoint_gate import Admitted, EndpointGate, Parked, Paused, endpoint_of
from facturahub.jobs.mailer import Mailer
from facturahub.jobs.push import EndpointSilent, Pusher
from facturahub.services import notifications
from facturahub.services.notification_content import Mail, PushStatus, push_status, render_mail
from facturahub.store.clock import database_now
from facturahub.store.database import Database

log = logging.getLogger("facturahub.jobs")


def retry_policy(settings: Settings) -> notifications.RetryPolicy:
    longest = max(settings.smtp_timeout_seconds, settings.push_timeout_seconds)
    return notifications.RetryPolicy(
        max_attempts=settings.notify_max_attempts,
        first_delay_seconds=settings.notify_retry_seconds,
        max_delay_seconds=settings.notify_retry_max_seconds,
        lease_seconds=2 * longest + 30,
    )


def message_id(notification_id: int, sender: str) -> str:
    """Stable per notification: a repeated delivery is recognisably the same message."""
    domain = sender.rpartition("@")[2] or "facturahub.invalid"
    return f"<facturahub-notification-{notification_id}@{domain}>"


@dataclass(frozen=True)
class _Ready:
    """A claimed notification to send; ``admitted``: its push call's place at the endpoint."""

    channel: str
    target: str
    content: Mail | PushStatus
    claim_token: str | None
    admitted: Admitted | None = None


def _log_failure(
    notification_id: int, channel: str, target: str, error: str, retry_in: timedelta | None
) -> None:
    log.warning(
        "notification %s (%s to %s) failed: %s; %s",
        notification_id,
        channel,
        target,
        error,
        f"next attempt in {retry_in.total_seconds():.0f} s" if retry_in is not None else "no attempts left",
    )


def _log_claim_lost(lost: notifications.ClaimLost, channel: str, target: str) -> None:
    log.warning(
        "notification %s (%s to %s): this attempt outlived its lease and another worker has claimed "
        "the notification since; its outcome is not recorded here",
        lost.notification_id,
        channel,
        target,
    )


@dataclass
class Delivery:
    database: Database
    mailer: Mailer
    pusher: Pusher
    policy: notifications.RetryPolicy
    language: str
    sender: str
    gate: EndpointGate  # pushes: per-endpoint limit and pause (jobs/endpoint_gate.py)
    zone: tzinfo = DEFAULT_ZONE

    def attempt(self, notification_id: int) -> timedelta | None:
        """Deliver if due and pending; after a failure, how long to wait before the next attempt
        (else ``None``). Every time compared or stored is the database's (store/clock.py); the
        endpoint gate, private to this process, keeps the process's own clock."""
        admitted: Admitted | None = None
        silent = False
        try:
            with self.database.unit_of_work() as session:
                prepared = self._prepare(session, notification_id)
                if not isinstance(prepared, _Ready):
                    return prepared
                admitted = prepared.admitted
            channel, target, content = prepared.channel, prepared.target, prepared.content
            try:
                if isinstance(content, Mail):
                    self.mailer.send(content, message_id(notification_id, self.sender))
                else:
                    self.pusher.push(target, content)
            except Exception as exc:
                silent = isinstance(exc, EndpointSilent)
                return self._failed(prepared, notification_id, f"{type(exc).__name__}: {exc}")
            try:
                with self.database.unit_of_work() as session:
                    notifications.record_sent(session, notification_id, database_now(session))
            except Exception:
                log.exception(
                    "notification %s (%s to %s) was delivered, but could not be recorded as sent; "
                    "it stays pending and will be delivered again once its lease ends",
                    notification_id,
                    channel,
                    target,
                )
                return None
            log.info("notification %s (%s to %s) delivered", notification_id, channel, target)
            return None
        finally:
            if admitted is not None:
                self.gate.leave(admitted, notification_id, silent=silent, now=datetime.now(UTC))

    def _prepare(self, session: Session, notification_id: int) -> _Ready | timedelta | None:
        """Claim and render, in the claim's unit of work; what to send, or the attempt's end:
        not ours, dropped, parked behind a busy endpoint, or failed at once (a paused endpoint)."""
        now = database_now(session)
        row = notifications.claim(session, notification_id, now, self.policy)
        if row is None:
            return None
        token = row.claim_token
        if row.channel == notifications.MAIL:
            return _Ready(row.channel, row.target, render_mail(session, row, self.language, self.zone), token)
        current = notifications.current_push_target(session, row)
        if current is None:
            notifications.record_dropped(row)
            log.info("notification %s (push to %s) dropped: push disabled", notification_id, row.target)
            return None
        row.target = current  # replaced since it was queued: the new address
        local_now = datetime.now(UTC)
        admission = self.gate.enter(endpoint_of(current), notification_id, local_now)
        if isinstance(admission, Parked):
            notifications.release_claim(row, now)
            log.info(
                "notification %s (push to %s) waits: %d call(s) to %s in progress",
                notification_id,
                current,
                admission.in_flight,
                admission.endpoint,
            )
            return None
        if isinstance(admission, Paused):
            error = admission.reason()
            not_before = now + (admission.until - local_now)  # the pause, on the database's clock
            retry_in = notifications.record_failure(
                session, notification_id, token, error, now, self.policy, not_before=not_before
            )
            _log_failure(notification_id, row.channel, current, error, retry_in)
            return retry_in
        try:
            return _Ready(row.channel, current, push_status(session, row), token, admission)
        except BaseException:
            self.gate.leave(admission, notification_id, silent=None, now=local_now)  # no call made
            raise

    def _failed(self, ready: _Ready, notification_id: int, error: str) -> timedelta | None:
        try:
            with self.database.unit_of_work() as session:
                retry_in = notifications.record_failure(
                    session, notification_id, ready.claim_token, error, database_now(session), self.policy
                )
        except notifications.ClaimLost as lost:
            _log_claim_lost(lost, ready.channel, ready.target)
            return None
        _log_failure(notification_id, ready.channel, ready.target, error, retry_in)
        return retry_in

    def due(self, grace_seconds: float = 0.0) -> list[int]:
        """Pending rows due at least ``grace_seconds`` ago, by the database's clock (the sweeper's
        work)."""
        with self.database.unit_of_work() as session:
            moment = database_now(session) - timedelta(seconds=grace_seconds)
            return notifications.due_ids(session, moment)
