"""The replay cache (security rule S2), in the database so that every node shares it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from facturahub.errors import SecurityError
from facturahub.store.models import SeenSignature
from facturahub.store.statements import PerDialect


def refuse_seen(session: Session, digest_hex: str, now: datetime, *, timestamped: bool) -> None:
    """Early, read-only check (before any expensive work); :func:`remember_signature` in the
    write transaction remains the authority. ``timestamped``: the request signed a Timestamp
    (without one, the refusal says how to make repeated requests distinct)."""
    seen_until = _seen_until(session, digest_hex)
    if seen_until is not None and seen_until > now:
        raise _replay(seen_until, timestamped)


def _replay(seen_until: datetime | None, timestamped: bool) -> SecurityError:
    """A Body-only signature (no signed Timestamp) is deterministic with RSA PKCS#1 v1.5: the
    same query sent twice carries the same signature, so the refusal tells how to avoid it."""
    key = "wss.replay" if timestamped else "wss.replay_untimed"
    return SecurityError(key, seen_until=seen_until.isoformat() if seen_until else "?")


def _remember(insert: Any) -> Any:
    statement = insert(SeenSignature)
    return statement.on_conflict_do_update(
        index_elements=["digest"],
        set_={"expires_at": statement.excluded.expires_at},
        where=SeenSignature.expires_at <= bindparam("now"),
    ).returning(SeenSignature.digest)


_REMEMBER = PerDialect(_remember)
_SEEN_UNTIL = select(SeenSignature.expires_at).where(SeenSignature.digest == bindparam("digest"))


def remember_signature(
    session: Session, digest_hex: str, expires_at: datetime, now: datetime, *, timestamped: bool
) -> None:
    """Record a request signature; refuse one already seen that has not expired.

    One upsert in the request's own unit of work: an expired row is reused, a live one is left
    alone and the request refused. The primary key makes two concurrent requests with the same
    signature collide in the database: the second one waits for the first and is refused."""
    parameters = {"digest": digest_hex, "expires_at": expires_at, "now": now}
    if session.connection().execute(_REMEMBER(session), parameters).scalar_one_or_none() is None:
        raise _replay(_seen_until(session, digest_hex), timestamped)


def _seen_until(session: Session, digest_hex: str) -> datetime | None:
    result: datetime | None = session.connection().scalar(_SEEN_UNTIL, {"digest": digest_hex})
    return result


def purge_expired(session: Session, now: datetime) -> int:
    expired = list(session.scalars(select(SeenSignature.digest).where(SeenSignature.expires_at <= now)))
    if expired:
        session.execute(delete(SeenSignature).where(SeenSignature.digest.in_(expired)))
    return len(expired)
