"""One delivery attempt of one notification, in three steps so that no transaction is open while
talking to an SMTP server or an endpoint: claim (and render) in a unit of work → send → record
the outcome in another unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from facturahub.config import Settings
from facturahub.domain.local_time import DEFAULT_ZONE
from facturahub.jobs.mailer import Mailer
from facturahub.jobs.push import Pusher
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


@dataclass
class Delivery:
    database: Database
    mailer: Mailer
    pusher: Pusher
    policy: notifications.RetryPolicy
    language: str
    sender: str
    zone: tzinfo = DEFAULT_ZONE

    def attempt(self, notification_id: int) -> datetime | None:
        """Deliver if due and pending; returns when to try again after a failure (else ``None``)."""
        now = datetime.now(UTC)
        content: Mail | PushStatus
        with self.database.unit_of_work() as session:
            row = notifications.claim(session, notification_id, now, self.policy)
            if row is None:
                return None
            channel = row.channel
            if channel == notifications.MAIL:
                content = render_mail(session, row, self.language, self.zone)
            else:
                current = notifications.current_push_target(session, row)
                if current is None:
                    notifications.record_dropped(row)
                    log.info(
                        "notification %s (push to %s) dropped: push disabled", notification_id, row.target
                    )
                    return None
                row.target = current  # replaced since it was queued: the new address
                content = push_status(session, row)
            target = row.target
        try:
            if isinstance(content, Mail):
                self.mailer.send(content, message_id(notification_id, self.sender))
            else:
                self.pusher.push(target, content)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            with self.database.unit_of_work() as session:
                retry_at = notifications.record_failure(
                    session, notification_id, error, datetime.now(UTC), self.policy
                )
            log.warning(
                "notification %s (%s to %s) failed: %s; %s",
                notification_id,
                channel,
                target,
                error,
                f"next attempt at {retry_at.isoformat()}" if retry_at else "no attempts left",
            )
            return retry_at
        with self.database.unit_of_work() as session:
            notifications.record_sent(session, notification_id, datetime.now(UTC))
        log.info("notification %s (%s to %s) delivered", notification_id, channel, target)
        return None

    def due(self, grace_seconds: float = 0.0) -> list[int]:
        """Pending rows due at least ``grace_seconds`` ago (the sweeper's work)."""
        moment = datetime.now(UTC) - timedelta(seconds=grace_seconds)
        with self.database.unit_of_work() as session:
            return notifications.due_ids(session, moment)
