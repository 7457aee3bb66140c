"""The job queue (huey): a SQLite file in the data directory by default, Redis when
``FACTURAHUB_REDIS_URL`` is set. Both survive restarts; tasks take notification ids only.

* ``facturahub.deliver_notifications(ids)``: enqueued after a status change's transaction commits
  (one task per unit of work); delivers each id.
* ``facturahub.deliver_notification(id)``: the retry of one id, scheduled with back-off.
* ``facturahub.sweep_notifications``: every minute, re-queues pending rows that are due — a crash
  between commit and enqueue, a lost task or a restart loses nothing.

Producers (the web app, the CLI) only enqueue; the worker (``facturahub worker``) runs the
consumer with a :class:`facturahub.jobs.delivery.Delivery` attached.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.storage import SqliteStorage

from facturahub.config import Settings
from facturahub.errors import StorageUnavailable
from facturahub.i18n import register_messages
from facturahub.jobs.delivery import Delivery
from facturahub.services.notifications import JOB_QUEUE
from facturahub.store.database import Database

log = logging.getLogger("facturahub.jobs")

BATCH = 100
SWEEP_GRACE_SECONDS = 30.0
PROBE_KEY = "facturahub.write-probe"  # written and removed at start-up (huey's key-value area)


class _QueueStorage(SqliteStorage):  # type: ignore[misc]
    """huey's SQLite storage in WAL mode with ``synchronous=NORMAL``: never corrupted by a crash,
    and an enqueue costs no fsync of its own. Durability comes from the outbox: every
    notification is a row committed (``synchronous=FULL``) with its status change, and the
    sweeper re-queues any due row whose task a power cut took away. (huey's own ``fsync`` option
    offers only FULL or OFF, and OFF can corrupt the file.)"""

    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("pragma synchronous=1")
        return connection


class _QueueHuey(SqliteHuey):  # type: ignore[misc]
    storage_class = _QueueStorage


def make_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey(settings.jobs_queue, url=settings.redis_url, results=False, utc=True)
    settings.ensure_data_dir()
    return _QueueHuey(settings.jobs_queue, filename=str(settings.jobs_file), results=False, utc=True)


class Jobs:
    """The application's background jobs; implements :class:`facturahub.services.notifications.JobQueue`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.delivery: Delivery | None = None  # set in the worker process only
        self._huey: Huey | None = None
        self._tasks: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def huey(self) -> Huey:
        """Built on first use (request threads may race for it), so that importing costs nothing."""
        with self._lock:
            if self._huey is None:
                huey = make_huey(self.settings)
                self._register(huey)
                self._huey = huey
            return self._huey

    def _register(self, huey: Huey) -> None:
        @huey.task(name="facturahub.deliver_notifications")  # type: ignore[untyped-decorator]
        def deliver_notifications(ids: list[int]) -> None:
            for notification_id in ids:
                try:
                    self.attempt(notification_id)
                except Exception:  # one row's fault must not stop the others; the sweeper retries it
                    log.exception("notification %s: the delivery attempt failed", notification_id)

        @huey.task(name="facturahub.deliver_notification")  # type: ignore[untyped-decorator]
        def deliver_notification(notification_id: int) -> None:
            self.attempt(notification_id)

        @huey.periodic_task(crontab(minute="*"), name="facturahub.sweep_notifications")  # type: ignore[untyped-decorator]
        def sweep_notifications() -> None:
            self.sweep(SWEEP_GRACE_SECONDS)

        self._tasks = {"batch": deliver_notifications, "one": deliver_notification}

    # --- producing ------------------------------------------------------------------------------

    def deliver(self, notification_ids: Sequence[int]) -> None:
        ids = list(notification_ids)
        huey = self.huey
        for start in range(0, len(ids), BATCH):
            huey.enqueue(self._tasks["batch"].s(ids[start : start + BATCH]))

    # --- consuming (worker) ---------------------------------------------------------------------

    def attempt(self, notification_id: int) -> None:
        if self.delivery is None:
            raise RuntimeError("no delivery configured: tasks run only in `facturahub worker`")
        retry_in = self.delivery.attempt(notification_id)
        if retry_in is not None:  # a delay, not a time: huey compares times with this process's clock
            self._tasks["one"].schedule(args=(notification_id,), delay=max(retry_in.total_seconds(), 0.0))

    @contextmanager
    def reporting_failures(self) -> Iterator[None]:
        """A queue that cannot be used (Redis down or read-only, an unwritable SQLite file or
        directory) becomes one line naming the queue and why (``jobs.queue_unavailable``, exit 8)."""
        from redis.exceptions import RedisError

        try:
            yield
        except (RedisError, sqlite3.Error, OSError) as exc:
            backend = "redis" if self.settings.redis_url else str(self.settings.jobs_file)
            raise StorageUnavailable("jobs.queue_unavailable", queue=backend, reason=str(exc)[:300]) from None

    def check_reachable(self) -> None:
        """Start-up: the queue must take a write, not only answer a read — a SQLite file left by a
        process of another user, or a Redis replica, reads fine and then fails every enqueue and
        every dequeue, with a traceback per poll, while nothing is delivered."""
        with self.reporting_failures():
            storage = self.huey.storage
            storage.put_data(PROBE_KEY, b"probe")
            storage.pop_data(PROBE_KEY)

    def sweep(self, grace_seconds: float = 0.0) -> int:
        if self.delivery is None:
            raise RuntimeError("no delivery configured: tasks run only in `facturahub worker`")
        ids = self.delivery.due(grace_seconds)
        if ids:
            log.info("sweeper: re-queueing %d due notification(s)", len(ids))
            self.deliver(ids)
        return len(ids)


def attach_job_queue(database: Database, settings: Settings) -> Jobs:
    """Let the services of this database's units of work enqueue after commit."""
    jobs = Jobs(settings)
    database.session_info[JOB_QUEUE] = jobs
    return jobs


register_messages(
    {
        "jobs.queue_unavailable": {
            "es": "No se puede usar la cola de trabajos ({queue}): {reason}",
            "en": "Cannot use the job queue ({queue}): {reason}",
        },
    }
)
