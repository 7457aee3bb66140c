"""``facturahub notify …`` (the notification outbox, for operators) and ``facturahub worker``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import select

from facturahub.cli.context import LIST_LIMIT, ROW_ID, THREADS, CLIContext, run_command
from facturahub.cli.output import emit, emit_table
from facturahub.errors import InvalidInput
from facturahub.services import notifications
from facturahub.store.models import Notification

COLUMNS = ["id", "registry_number", "channel", "target", "state", "attempts", "next_attempt_at", "last_error"]


def notification_view(row: Notification, registry_number: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "registry_number": registry_number,
        "event_id": row.event_id,
        "channel": row.channel,
        "target": row.target,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "sent_at": row.sent_at,
        "last_error": row.last_error,
    }


@click.group()
def notify() -> None:
    """Status-change notifications (mail and push): list and retry."""


@notify.command("list")
@click.option("--state", type=click.Choice(notifications.STATES), default=None, help="Only this state.")
@click.option("--limit", type=LIST_LIMIT, default=100, show_default=True)
@click.pass_obj
def notify_list(obj: CLIContext, state: str | None, limit: int) -> None:
    """The latest notifications, newest first."""

    def action() -> None:
        with obj.unit_of_work() as session:
            rows = [
                notification_view(row, number)
                for row, number in notifications.list_notifications(session, state, limit)
            ]
        emit_table(obj, rows, COLUMNS, empty="no notifications")

    run_command(obj, action)


@notify.command("retry")
@click.argument("notification_id", type=ROW_ID, required=False)
@click.option("--all-failed", is_flag=True, help="Re-queue every failed notification.")
@click.pass_obj
def notify_retry(obj: CLIContext, notification_id: int | None, all_failed: bool) -> None:
    """Re-queue a failed notification (or all of them) for delivery by the worker."""

    def action() -> None:
        if (notification_id is None) == (not all_failed):
            raise InvalidInput("notify.retry_target")
        with obj.unit_of_work() as session:
            rows = notifications.retry(
                session,
                obj.actor(session),
                datetime.now(UTC),
                notification_id,
                all_failed=all_failed,
            )
            views = [notification_view(row) for row in rows]
        emit(
            obj, {"requeued": [view["id"] for view in views]}, text=f"{len(views)} notification(s) re-queued"
        )

    run_command(obj, action)


@click.command()
@click.option("--threads", type=THREADS, default=None, help="Worker threads (FACTURAHUB_JOBS_THREADS).")
@click.pass_obj
def worker(obj: CLIContext, threads: int | None) -> None:
    """Run the background worker: delivers mail and push notifications (huey consumer)."""
    from facturahub.jobs.worker import run_worker

    def action() -> None:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = obj.settings()
        with obj.database().reading() as session:  # a database never migrated is one line, here
            session.execute(select(Notification.id).limit(1))
        backend = "redis" if settings.redis_url else "sqlite"
        click.echo(f"facturahub worker ({backend} queue {settings.jobs_queue!r})", err=True)
        run_worker(settings, threads)

    run_command(obj, action)
