"""Which ``facturahub worker`` processes are alive: each keeps a row of ``worker_heartbeats``
fresh (:func:`beat`, every :data:`INTERVAL_SECONDS`) and removes it when it stops (:func:`forget`);
``/health`` reads :func:`liveness` for its own queue. A worker killed without a chance to remove its row stops
counting after :data:`STALE_AFTER_SECONDS`; rows older than a day are pruned by the next beat.
The times are the database's (store/clock.py): a worker whose clock is behind is not stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from facturahub.store.models import WorkerHeartbeat

INTERVAL_SECONDS = 10.0
STALE_AFTER_SECONDS = 3 * INTERVAL_SECONDS
FORGOTTEN_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class WorkerIdentity:
    worker_id: str
    host: str
    pid: int
    queue: str
    started_at: datetime


def beat(session: Session, worker: WorkerIdentity, now: datetime) -> None:
    row = session.get(WorkerHeartbeat, worker.worker_id)
    if row is None:
        session.add(
            WorkerHeartbeat(
                worker_id=worker.worker_id,
                host=worker.host[:255],
                pid=worker.pid,
                queue=worker.queue[:255],
                started_at=worker.started_at,
                seen_at=now,
            )
        )
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGOTTEN_AFTER))
    else:
        row.seen_at = now


def forget(session: Session, worker_id: str) -> None:
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))


@dataclass(frozen=True)
class Liveness:
    """The workers of one queue (``Settings.jobs_queue_label``), and those alive on others."""

    queue: str
    alive: int
    last_seen: datetime | None
    elsewhere: dict[str, int]

    @property
    def status(self) -> str:
        """``ok`` (a worker of this queue beat recently), ``other_queue`` (none did, but workers
        of other queues are alive: a web node and its workers configured with different queues,
        so what this node enqueues is never delivered), ``stale`` (the last one went silent:
        killed, frozen, or its database writes fail) or ``none`` (no worker has run, or the last
        one stopped)."""
        if self.alive:
            return "ok"
        if self.elsewhere:
            return "other_queue"
        return "stale" if self.last_seen is not None else "none"

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "status": self.status,
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }
        if self.elsewhere:
            body["queue"] = self.queue
            body["other_queues"] = dict(self.elsewhere)
        return body


def liveness(session: Session, now: datetime, queue: str) -> Liveness:
    fresh = now - timedelta(seconds=STALE_AFTER_SECONDS)
    rows = session.execute(
        select(
            WorkerHeartbeat.queue,
            func.count().filter(WorkerHeartbeat.seen_at >= fresh),
            func.max(WorkerHeartbeat.seen_at),
        ).group_by(WorkerHeartbeat.queue)
    ).all()
    alive, last_seen, elsewhere = 0, None, {}
    for row_queue, row_alive, row_last_seen in rows:
        if row_queue == queue[:255]:
            alive, last_seen = int(row_alive or 0), row_last_seen
        elif row_alive:
            elsewhere[row_queue] = int(row_alive)
    return Liveness(queue=queue, alive=alive, last_seen=last_seen, elsewhere=dict(sorted(elsewhere.items())))
