"""Shared test fixtures: paths to ../shared/data, and real databases (a SQLite file and a
PostgreSQL database created for this run on 127.0.0.1:5432).

PostgreSQL unreachable: the run fails loudly (always under CI=true). Only a developer who sets
FACTURAHUB_TEST_NO_POSTGRES=1 on a machine without PostgreSQL gets those tests skipped, with the
reason printed; CI never sets it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from facturahub.store.database import Database
from facturahub.store.migrate import upgrade
from facturahub.store.models import Base

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
POSTGRES_ADMIN_URL = os.environ.get(
    "FACTURAHUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ("sqlite", "postgres")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    assert SHARED_DATA.is_dir(), f"../shared/data is missing (looked in {SHARED_DATA})"
    return SHARED_DATA


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") or not os.environ.get(
        "FACTURAHUB_TEST_NO_POSTGRES"
    ):
        pytest.fail(f"PostgreSQL is required for the test suite and is unreachable: {reason}", pytrace=False)
    pytest.skip(f"FACTURAHUB_TEST_NO_POSTGRES is set and PostgreSQL is unreachable: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    name = f"facturahub_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def backend_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'facturahub.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL per backend, migrated once from empty by Alembic."""
    url = backend_url(request.param, request, tmp_path_factory)
    database = Database(url)
    upgrade(database)
    database.dispose()
    yield url


@pytest.fixture
def database(migrated_url: str) -> Iterator[Database]:
    """The migrated database, emptied before each test."""
    db = Database(migrated_url)
    with db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    yield db
    db.dispose()
