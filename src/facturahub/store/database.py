"""Engine, sessions and the unit of work.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk before we answer),
foreign keys on and a busy timeout; PostgreSQL is used as configured. One unit of work per
request, CLI command or job: it commits on success and rolls back on any error. Services never
commit — except a full directory import, which writes in batches of short transactions (a
250,000-unit file in one transaction held SQLite's only writer for half a minute) under
:meth:`Database.exclusive`.

Work that must happen only once the transaction is durable (enqueueing background jobs) is
registered with :func:`after_commit`; it runs after a successful commit and never after a
rollback. ``Database.session_info`` holds collaborators the boundary hands to the services
(e.g. the job queue), copied into every session's ``info``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's busy timeout alone
    fcntl = None  # type: ignore[assignment]

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("facturahub.store")

AFTER_COMMIT = "facturahub.after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the unit of work holding ``session`` has committed (never on
    rollback). A failing callback is logged; the commit stands."""
    session.info.setdefault(AFTER_COMMIT, []).append(callback)


def driver_message(error: DBAPIError) -> str:
    """The database's own words (first line), without the statement or its parameters."""
    lines = str(error.orig).strip().splitlines()
    return (lines[0] if lines else type(error.orig).__name__)[:300]


def is_missing_table(error: DBAPIError) -> bool:
    """The statement named a table the database does not have: the schema was never migrated."""
    if getattr(error.orig, "sqlstate", None) == "42P01":  # PostgreSQL undefined_table
        return True
    return str(error.orig).startswith("no such table")  # SQLite


def safe_url(url: str) -> str:
    """The URL for messages and logs: without its password."""
    return make_url(url).render_as_string(hide_password=True)


class MissingDatabaseFile(sqlite3.OperationalError):
    """The SQLite file the URL names does not exist (and this engine may not create it)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"no such database file: {path}")
        self.path = path


def make_engine(url: str, create: bool = True, **kwargs: Any) -> Engine:
    """The engine for ``url``. ``create=False``: a SQLite file that does not exist is refused
    (:class:`MissingDatabaseFile`) instead of created empty — a mistyped path must not become a
    second, empty database beside the real one (only ``db upgrade`` creates it)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        database = engine.url.database
        if not create and database and database != ":memory:" and not engine.url.query.get("uri"):
            event.listen(engine, "do_connect", _refuse_missing_file(database))
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy own transaction begin so that BEGIN IMMEDIATE can be issued where needed.
        if fcntl is None or not database or database == ":memory:":
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        lock = WriterLock(Path(f"{database}-writer.lock"))
        event.listen(engine, "connect", lock.on_connect)
        event.listen(engine, "close", lock.on_close)
        event.listen(engine, "begin", lock.begin)
        event.listen(engine, "commit", lock.release)
        event.listen(engine, "rollback", lock.release)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _refuse_missing_file(database: str) -> Callable[..., None]:
    def check(*_args: Any) -> None:  # before sqlite3.connect, which would create the file
        if not os.path.exists(database):
            raise MissingDatabaseFile(database)

    return check


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


_thread_state = threading.local()  # the writer locks this thread holds (any engine)
_LOCK_FD = "facturahub.writer_lock_fd"
_LOCK_HELD = "facturahub.writer_lock_held"


class WriterLock:
    """SQLite admits one writer at a time, and a writer that finds the database locked polls:
    SQLite's busy handler sleeps 1, 2, 5, 10… ms between attempts, so under concurrent writes
    most waiting is sleeping after the lock was already free (long tails, idle cores). Writers
    of every process and thread therefore queue on an ``flock`` of ``<database>-writer.lock``
    first — the kernel hands it over the moment it is released — and take SQLite's lock (BEGIN
    IMMEDIATE) when it is theirs. Each pooled connection has its own descriptor (its own lock
    owner). Readers never take it. The busy timeout stays as the safety net (other programs)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = str(path.resolve())

    def on_connect(self, _dbapi_connection: Any, record: Any) -> None:
        record.info[_LOCK_FD] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)

    def on_close(self, _dbapi_connection: Any, record: Any) -> None:
        descriptor = record.info.pop(_LOCK_FD, None)
        if descriptor is not None:
            os.close(descriptor)  # closing the descriptor also drops a lock still held

    def begin(self, connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY, False):
            _sqlite_begin(connection)
            return
        info = connection.connection.info
        held: set[str] = _thread_state.__dict__.setdefault("writer_locks", set())
        if self.key not in held:  # a nested write (same thread): SQLite's busy timeout, never a hang
            assert fcntl is not None
            fcntl.flock(info[_LOCK_FD], fcntl.LOCK_EX)  # waits in the kernel, without the GIL
            info[_LOCK_HELD] = True
            held.add(self.key)
        try:
            _sqlite_begin(connection)
        except BaseException:
            self.release(connection)
            raise

    def release(self, connection: Any) -> None:
        info = connection.connection.info
        if info.pop(_LOCK_HELD, False):
            assert fcntl is not None
            fcntl.flock(info[_LOCK_FD], fcntl.LOCK_UN)
            _thread_state.__dict__.setdefault("writer_locks", set()).discard(self.key)


class Database:
    """The engine and the session factory of one database."""

    def __init__(self, url: str, create: bool = True, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, create, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.session_info: dict[str, Any] = {}
        # PostgreSQL: autocommit (no BEGIN/ROLLBACK round trips; each lookup sees committed data,
        # as in READ COMMITTED). SQLite: a deferred read transaction, which never waits for a writer.
        reader_options: dict[str, Any] = {READ_ONLY: True}
        if self.engine.dialect.name == "postgresql":
            reader_options["isolation_level"] = "AUTOCOMMIT"
        self._read_engine = self.engine.execution_options(**reader_options)
        self._readers = sessionmaker(self._read_engine)

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
        """Read-only lookups, always rolled back: for the lookups that come before a request's
        write transaction, so they never hold the write lock (see ``_readers``)."""
        session = self._readers()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A connection for read-only statements: on SQLite it never queues behind a writer (a
        long import must not make ``/health`` hang), on PostgreSQL it runs in autocommit."""
        with self._read_engine.connect() as connection:
            yield connection

    @contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold the lock ``name`` across several transactions, against every process using this
        database: one long job of a kind at a time. PostgreSQL: a session advisory lock on a
        connection of its own; SQLite: an ``flock`` of ``<database>-<name>.lock``. Either goes
        with the process that holds it: a crash never leaves it taken."""
        if self.dialect == "postgresql":
            with self.engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock_key(name)})
                try:
                    yield
                finally:
                    try:
                        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock_key(name)})
                        connection.commit()
                    except Exception:  # never hand the pool a connection that may still hold it
                        connection.invalidate()
            return
        database = self.engine.url.database
        if fcntl is None or not database or database == ":memory:":  # one process: nothing to share
            yield
            return
        descriptor = os.open(f"{database}-{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)  # drops the lock

    def ping(self) -> bool:
        try:
            with self.read_connection() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def lock_key(name: str) -> int:
    """The PostgreSQL advisory-lock key of a lock name (a signed 64-bit integer)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(AFTER_COMMIT, []):
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed (the transaction is committed)")
