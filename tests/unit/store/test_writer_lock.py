"""SQLite writers queue on ``<database>-writer.lock`` (an flock) before BEGIN IMMEDIATE."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text

from facturahub.store.database import Database


def _lock_is_free(path: Path) -> bool:
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)  # also releases the probe's own lock
    return True


@pytest.fixture
def database(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    with database.unit_of_work() as session:
        session.execute(text("CREATE TABLE t (v INTEGER)"))
    return database


def test_a_write_transaction_holds_the_writer_lock_until_it_ends(database: Database, tmp_path: Path) -> None:
    lock = tmp_path / "hub.db-writer.lock"
    assert _lock_is_free(lock)
    with database.unit_of_work() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        assert not _lock_is_free(lock)
    assert _lock_is_free(lock)  # released by the commit
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        session.execute(text("INSERT INTO t VALUES (2)"))
        assert not _lock_is_free(lock)
        raise RuntimeError("boom")
    assert _lock_is_free(lock)  # released by the rollback
    with database.reading() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 1
        assert _lock_is_free(lock)  # readers never take it
    database.dispose()


def test_a_second_writer_waits_for_the_first_then_proceeds(database: Database) -> None:
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []

    def first() -> None:
        with database.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            entered.set()
            release.wait(30)
            order.append("first commits")

    def second() -> None:
        entered.wait(30)
        with database.unit_of_work() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second writes")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    entered.wait(30)
    release.set()
    for thread in threads:
        thread.join(30)
    assert order == ["first commits", "second writes"]
    with database.reading() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 2
    database.dispose()


def test_a_nested_write_in_the_same_thread_does_not_wait_on_itself(database: Database) -> None:
    """A thread already writing on one connection that opens a second write does not block on its
    own flock (it would hang forever); SQLite's busy timeout applies, as without the lock."""
    short = Database(database.url)
    event.listen(
        short.engine, "connect", lambda connection, _record: connection.execute("PRAGMA busy_timeout=200")
    )
    with database.unit_of_work() as session:
        session.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(Exception, match="locked"), short.unit_of_work() as inner:
            inner.execute(text("INSERT INTO t VALUES (2)"))
    short.dispose()
    database.dispose()
