"""The replay cache (security rule S2), in the database so that every node shares it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from facturahub.errors import SecurityError
from facturahub.store.models import SeenSignature


def remember_signature(session: Session, digest_hex: str, expires_at: datetime, now: datetime) -> None:
    """Record a request signature; refuse one already seen that has not expired.

    The row is written in the request's own unit of work. Its primary key makes two concurrent
    requests with the same signature collide in the database: one of them fails to commit."""
    seen = session.get(SeenSignature, digest_hex)
    if seen is not None:
        if seen.expires_at > now:
            raise SecurityError("wss.replay", seen_until=seen.expires_at.isoformat())
        seen.expires_at = expires_at
        return
    session.add(SeenSignature(digest=digest_hex, expires_at=expires_at))
    session.flush()


def purge_expired(session: Session, now: datetime) -> int:
    expired = list(session.scalars(select(SeenSignature.digest).where(SeenSignature.expires_at <= now)))
    if expired:
        session.execute(delete(SeenSignature).where(SeenSignature.digest.in_(expired)))
    return len(expired)
