"""Which ``facturahub worker`` processes are alive: each keeps a row of ``worker_heartbeats``
fresh (:func:`beat`, every :data:`INTERVAL_SECONDS`) and removes it when it stops (:func:`forget`);
``/health`` reads :func:`liveness`. A worker killed without a chance to remove its row stops
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
    alive: int
    last_seen: datetime | None

    @property
    def status(self) -> str:
        """``ok`` (a worker beat recently), ``stale`` (the last one went silent: killed, frozen, or
        its database writes fail) or ``none`` (no worker has run, or the last one stopped)."""
        if self.alive:
            return "ok"
        return "stale" if self.last_seen is not None else "none"

    def as_dict(self) -> dict[str, object]:
        return {
            "status": self.status,
            "alive": self.alive,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
        }


def liveness(session: Session, now: datetime) -> Liveness:
    fresh = now - timedelta(seconds=STALE_AFTER_SECONDS)
    alive, last_seen = session.execute(
        select(func.count().filter(WorkerHeartbeat.seen_at >= fresh), func.max(WorkerHeartbeat.seen_at))
    ).one()
    return Liveness(alive=int(alive or 0), last_seen=last_seen)
