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
    admitted: Admitted | None = None


def _log_failure(
    notification_id: int, channel: str, target: str, error: str, retry_at: datetime | None
) -> None:
    log.warning(
        "notification %s (%s to %s) failed: %s; %s",
        notification_id,
        channel,
        target,
        error,
        f"next attempt at {retry_at.isoformat()}" if retry_at else "no attempts left",
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

    def attempt(self, notification_id: int) -> datetime | None:
        """Deliver if due and pending; returns when to try again after a failure (else ``None``)."""
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
                return self._failed(notification_id, channel, target, f"{type(exc).__name__}: {exc}")
            with self.database.unit_of_work() as session:
                notifications.record_sent(session, notification_id, datetime.now(UTC))
            log.info("notification %s (%s to %s) delivered", notification_id, channel, target)
            return None
        finally:
            if admitted is not None:
                self.gate.leave(admitted, notification_id, silent=silent, now=datetime.now(UTC))

    def _prepare(self, session: Session, notification_id: int) -> _Ready | datetime | None:
        """Claim and render, in the claim's unit of work; what to send, or the attempt's end:
        not ours, dropped, parked behind a busy endpoint, or failed at once (a paused endpoint)."""
        now = datetime.now(UTC)
        row = notifications.claim(session, notification_id, now, self.policy)
        if row is None:
            return None
        if row.channel == notifications.MAIL:
            return _Ready(row.channel, row.target, render_mail(session, row, self.language, self.zone))
        current = notifications.current_push_target(session, row)
        if current is None:
            notifications.record_dropped(row)
            log.info("notification %s (push to %s) dropped: push disabled", notification_id, row.target)
            return None
        row.target = current  # replaced since it was queued: the new address
        admission = self.gate.enter(endpoint_of(current), notification_id, now)
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
            retry_at = notifications.record_failure(
                session, notification_id, error, now, self.policy, not_before=admission.until
            )
            _log_failure(notification_id, row.channel, current, error, retry_at)
            return retry_at
        try:
            return _Ready(row.channel, current, push_status(session, row), admission)
        except BaseException:
            self.gate.leave(admission, notification_id, silent=None, now=now)  # no call made
            raise

    def _failed(self, notification_id: int, channel: str, target: str, error: str) -> datetime | None:
        with self.database.unit_of_work() as session:
            retry_at = notifications.record_failure(
                session, notification_id, error, datetime.now(UTC), self.policy
            )
        _log_failure(notification_id, channel, target, error, retry_at)
        return retry_at

    def due(self, grace_seconds: float = 0.0) -> list[int]:
        """Pending rows due at least ``grace_seconds`` ago (the sweeper's work)."""
        moment = datetime.now(UTC) - timedelta(seconds=grace_seconds)
        with self.database.unit_of_work() as session:
            return notifications.due_ids(session, moment)
