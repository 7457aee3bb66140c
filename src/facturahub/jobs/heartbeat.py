"""The worker's heartbeat: a thread that keeps this process's ``worker_heartbeats`` row fresh, so
that ``/health`` can say whether any worker is alive (services/worker_heartbeats.py)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime

from facturahub.services import worker_heartbeats
from facturahub.services.worker_heartbeats import WorkerIdentity
from facturahub.store.clock import database_now
from facturahub.store.database import Database

log = logging.getLogger("facturahub.jobs")


class Heartbeat:
    def __init__(self, database: Database, queue: str, interval: float = worker_heartbeats.INTERVAL_SECONDS):
        self.database, self.interval = database, interval
        self.worker = WorkerIdentity(
            worker_id=uuid.uuid4().hex,
            host=socket.gethostname(),
            pid=os.getpid(),
            queue=queue,
            started_at=datetime.now(UTC),
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="facturahub-heartbeat", daemon=True)
        self._failing = False

    def start(self) -> None:
        self.beat()  # the first one before the consumer starts: /health sees the worker at once
        self._thread.start()

    def beat(self) -> None:
        """One beat; a failure is logged once until a beat succeeds again (no flood while the
        database is down: /health then reports the worker as stale, which is the truth)."""
        try:
            with self.database.unit_of_work() as session:
                worker_heartbeats.beat(session, self.worker, database_now(session))
        except Exception:
            if not self._failing:
                log.exception("worker heartbeat: could not record that this worker is alive")
            self._failing = True
        else:
            if self._failing:
                log.info("worker heartbeat: recorded again")
            self._failing = False

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        """The worker is stopping: no more beats, and its row goes (a stopped worker is not a
        stale one)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.interval + 5)
        try:
            with self.database.unit_of_work() as session:
                worker_heartbeats.forget(session, self.worker.worker_id)
        except Exception:
            log.warning("worker heartbeat: could not remove this worker's row", exc_info=True)
