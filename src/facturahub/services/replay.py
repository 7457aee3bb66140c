"""The replay cache (security rule S2), in the database so that every node shares it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from facturahub.errors import SecurityError
from facturahub.store.models import SeenSignature


def refuse_seen(session: Session, digest_hex: str, now: datetime) -> None:
    """Early, read-only check (before any expensive work); :func:`remember_signature` in the
    write transaction remains the authority."""
    seen = session.get(SeenSignature, digest_hex)
    if seen is not None and seen.expires_at > now:
        raise SecurityError("wss.replay", seen_until=seen.expires_at.isoformat())


def remember_signature(session: Session, digest_hex: str, expires_at: datetime, now: datetime) -> None:
    """Record a request signature; refuse one already seen that has not expired.

    One upsert in the request's own unit of work: an expired row is reused, a live one is left
    alone and the request refused. The primary key makes two concurrent requests with the same
    signature collide in the database: the second one waits for the first and is refused."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SeenSignature).values(digest=digest_hex, expires_at=expires_at)
    statement = statement.on_conflict_do_update(
        index_elements=["digest"],
        set_={"expires_at": statement.excluded.expires_at},
        where=SeenSignature.expires_at <= now,
    )
    if session.execute(statement.returning(SeenSignature.digest)).scalar_one_or_none() is None:
        seen = session.get(SeenSignature, digest_hex)
        raise SecurityError("wss.replay", seen_until=seen.expires_at.isoformat() if seen else "?")


def purge_expired(session: Session, now: datetime) -> int:
    expired = list(session.scalars(select(SeenSignature.digest).where(SeenSignature.expires_at <= now)))
    if expired:
        session.execute(delete(SeenSignature).where(SeenSignature.digest.in_(expired)))
    return len(expired)
