"""The database's clock: the one time every process of a hub agrees on.

Leases, retries and heartbeats are compared across processes, and across machines when the hub
runs on PostgreSQL: a worker whose clock runs ahead would take a row another worker is still
delivering (its lease looks over), one whose clock is behind would look dead to ``/health``. They
read the time from PostgreSQL (``clock_timestamp()``). SQLite has no server: every process sharing
the file runs on the one machine, whose clock is the database's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

_NOW = text("SELECT clock_timestamp()")


def database_now(session: Session) -> datetime:
    """Now, aware UTC, by the database's clock (one round trip on PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        moment: datetime = connection.scalar(_NOW)
        return moment.astimezone(UTC)
    return datetime.now(UTC)
