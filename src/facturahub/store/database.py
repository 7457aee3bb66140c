"""Engine, sessions and the unit of work.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk before we answer),
foreign keys on and a busy timeout; PostgreSQL is used as configured. One unit of work per
request, CLI command or job: it commits on success and rolls back on any error. Services never
commit.

Work that must happen only once the transaction is durable (enqueueing background jobs) is
registered with :func:`after_commit`; it runs after a successful commit and never after a
rollback. ``Database.session_info`` holds collaborators the boundary hands to the services
(e.g. the job queue), copied into every session's ``info``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("facturahub.store")

AFTER_COMMIT = "facturahub.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the unit of work holding ``session`` has committed (never on
    rollback). A failing callback is logged; the commit stands."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy own transaction begin so that BEGIN IMMEDIATE can be issued where needed.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # autocommit at the driver; we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


READ_ONLY = "facturahub_read_only"


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock at the start: no deadlock-prone lock upgrades between
    # concurrent writers, and serialisable behaviour for read-then-write units of work. Read-only
    # units of work take a plain (deferred) BEGIN: under WAL they never wait for a writer.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """The engine and the session factory of one database."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.session_info: dict[str, Any] = {}
        self._readers = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        session = self._sessions(info=dict(self.session_info))
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        else:
            _run_after_commit(session)
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot), always rolled back: for the lookups
        that come before a request's write transaction, so they never hold the write lock."""
        session = self._readers()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed (the transaction is committed)")
