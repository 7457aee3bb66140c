"""An operator's configuration mistakes, through the installed `facturahub` entry point: each one
ends in one line on stderr saying what to fix, with its key and a distinct exit code (7
configuration, 8 a database or queue that cannot be used) — never a traceback.

The databases are real: an unreachable PostgreSQL port, a PostgreSQL database and a SQLite file
that were never migrated, Redis on a port where nothing listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL

FACTURAHUB = str(Path(sys.executable).parent / "facturahub")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FACTURAHUB_")}
    env.update({"FACTURAHUB_DATA_DIR": str(tmp_path / "var"), "FACTURAHUB_LANGUAGE": "en"})
    env.update({f"FACTURAHUB_{name.upper()}": value for name, value in values.items()})
    return env


def _fails(env: dict[str, str], *args: str, exit_code: int, key: str) -> str:
    """Run a command that must fail with one line; return that line."""
    result = subprocess.run(
        [FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == exit_code, result.stderr
    assert "Traceback" not in result.stderr and lines, result.stderr
    assert lines[-1].startswith("error: ") and lines[-1].endswith(f"[{key}]"), result.stderr
    return lines[-1]


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("garbage", "database_url: not a database URL (e.g. postgresql+psycopg://"),
        ("mysql://root@127.0.0.1/facturas", "database_url: unsupported database 'mysql'"),
        ("postgresql+asyncpg://u@127.0.0.1/db", "database_url: unsupported database 'postgresql+asyncpg'"),
    ],
)
def test_a_database_url_we_cannot_use_is_named(tmp_path: Path, url: str, says: str) -> None:
    line = _fails(_env(tmp_path, database_url=url), "integrator", "list", exit_code=7, key="config.invalid")
    assert says in line


def test_an_unreachable_postgresql_is_one_line_without_the_password(tmp_path: Path) -> None:
    port = _free_port()
    url = f"postgresql+psycopg://facturahub:s3cr3t@127.0.0.1:{port}/registry"
    line = _fails(
        _env(tmp_path, database_url=url), "integrator", "list", exit_code=8, key="cli.database_unavailable"
    )
    assert f"Cannot use the database postgresql+psycopg://facturahub:***@127.0.0.1:{port}/registry" in line
    assert "s3cr3t" not in line and "Connection refused" in line


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database facturahub can reach that was never migrated."""
    if request.param == "sqlite":
        (tmp_path / "empty.db").touch()  # an empty file is an empty SQLite database
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"facturahub_empty_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_database_never_migrated_says_to_run_db_upgrade(tmp_path: Path, empty_url: str) -> None:
    env = _env(tmp_path, database_url=empty_url)
    line = _fails(env, "integrator", "list", exit_code=7, key="cli.database_no_schema")
    assert "has no facturahub schema: run `facturahub db upgrade`" in line
    line = _fails(env, "worker", exit_code=7, key="cli.database_no_schema")  # before it starts
    assert "facturahub db upgrade" in line
    # and once it is done, the same command works; PostgreSQL also as a bare postgresql:// URL
    bare = empty_url.replace("postgresql+psycopg://", "postgresql://")
    env = _env(tmp_path, database_url=bare)
    upgraded = subprocess.run(
        [FACTURAHUB, "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )
    assert upgraded.returncode == 0, upgraded.stderr
    listed = subprocess.run(
        [FACTURAHUB, "integrator", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr


def test_a_sqlite_file_that_does_not_exist_is_named_and_not_created(tmp_path: Path) -> None:
    """A mistyped path used to become a second, empty database beside the real one (and the
    advice to run `db upgrade` on it); only `db upgrade` creates the file now."""
    path = tmp_path / "var" / "facturahub-typo.db"
    env = _env(tmp_path, database_url=f"sqlite:///{path}")
    for command in (("integrator", "list"), ("worker",), ("sandbox", "init", "--out", str(tmp_path / "c"))):
        line = _fails(env, *command, exit_code=7, key="cli.database_missing")
        assert f"The database sqlite:///{path} does not exist: there is no file {path}." in line
        assert "`facturahub db upgrade` creates a new database" in line
    port = _free_port()
    served = subprocess.Popen(
        [FACTURAHUB, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:  # the hub starts degraded, saying why, and leaves the path alone
        health = _health(port)
        assert health["status"] == "degraded" and health["database"]["status"] == "unreachable", health
    finally:
        served.terminate()
        output = served.communicate(timeout=60)[0].decode()
    assert f"there is no file {path}" in output, output
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name)) == []
    _upgraded(env)
    assert path.is_file()
    listed = subprocess.run(
        [FACTURAHUB, "integrator", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr


def test_a_configuration_file_that_cannot_be_read(tmp_path: Path) -> None:
    line = _fails(
        _env(tmp_path),
        "--config",
        str(tmp_path),
        "integrator",
        "list",
        exit_code=7,
        key="config.file_unreadable",
    )
    assert f"No se puede leer el fichero de configuración {tmp_path}: Es un directorio" in line
    binary = tmp_path / "settings.toml"
    binary.write_bytes(b"\xff\xfe language = 'en'")
    line = _fails(
        _env(tmp_path), "--config", str(binary), "integrator", "list", exit_code=7, key="config.file_invalid"
    )
    assert "utf-8" in line


def test_a_data_directory_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "var").write_text("not a directory")
    env = _env(tmp_path)
    for command in (("integrator", "list"), ("serve",), ("worker",)):
        line = _fails(env, *command, exit_code=7, key="config.data_dir_unusable")
        assert f"Cannot use {tmp_path / 'var'} as the data directory: Not a directory" in line


def test_a_blob_directory_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "blobs").write_text("not a directory")
    env = _env(tmp_path, blob_dir=str(tmp_path / "blobs"))
    _upgraded(env)
    for command in (("blobs", "collect"), ("serve",)):
        line = _fails(env, *command, exit_code=7, key="config.blob_dir_unusable")
        assert f"Cannot use {tmp_path / 'blobs'} as the blob directory: Not a directory" in line


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("notaurl", "redis_url: not a Redis URL (e.g. redis://127.0.0.1:6379/0)"),
        ("redis://127.0.0.1:99999/0", "redis_url: the Redis URL's port is not a number from 0 to 65535"),
        ("redis://127.0.0.1:6379/queue", "redis_url: the Redis URL's database must be a number"),
        ("unix://", "redis_url: a unix:// Redis URL needs the socket's path"),
    ],
)
def test_a_redis_url_we_cannot_use_is_named(tmp_path: Path, url: str, says: str) -> None:
    for command in (("worker",), ("integrator", "list")):
        line = _fails(_env(tmp_path, redis_url=url), *command, exit_code=7, key="config.invalid")
        assert says in line


def test_a_queue_name_huey_would_change_on_redis_is_refused(tmp_path: Path) -> None:
    """huey keeps only letters, digits and '_' of a Redis queue's name: ``hub-a`` and ``huba``
    would be one queue, each hub's worker taking the other's jobs. Before: accepted silently.
    On the SQLite queue the name is kept as given, so it is accepted there."""
    env = _env(tmp_path, redis_url="redis://127.0.0.1:6379/0", jobs_queue="hub-a.prod")
    for command in (("worker",), ("serve",), ("integrator", "list")):
        line = _fails(env, *command, exit_code=7, key="config.invalid")
        assert "jobs_queue: on Redis a queue's name may hold only letters A-Z a-z, digits and '_'" in line
        assert "huey would use 'hubaprod' for 'hub-a.prod'" in line
    sqlite_env = _upgraded(_env(tmp_path, jobs_queue="hub-a.prod"))
    result = subprocess.run(
        [FACTURAHUB, "integrator", "list"], env=sqlite_env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_worker_stops_at_once_when_redis_cannot_be_reached(tmp_path: Path) -> None:
    port = _free_port()
    env = _env(tmp_path, redis_url=f"redis://:hunter2@127.0.0.1:{port}/0")
    _upgraded(env)
    line = _fails(env, "worker", exit_code=8, key="jobs.queue_unavailable")
    assert f"Cannot use the job queue (redis): Error 111 connecting to 127.0.0.1:{port}" in line
    assert "hunter2" not in line


def _health(port: int) -> Any:
    """The hub's /health once it answers."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _upgraded(env: dict[str, str]) -> dict[str, str]:
    result = subprocess.run([FACTURAHUB, "db", "upgrade"], env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return env


def test_a_redis_queue_that_only_reads_stops_the_worker(tmp_path: Path) -> None:
    """An ACL that lets the worker read but not write (a replica behaves the same): every enqueue
    and dequeue would fail, so the start-up check writes, and stops the worker with one line."""
    import redis

    admin = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    user, password = f"fh-read-only-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    admin.execute_command(
        "ACL", "SETUSER", user, "on", f">{password}", "~*", "&*", "+@read", "+ping", "+info"
    )
    try:
        env = _upgraded(
            _env(
                tmp_path,
                redis_url=f"redis://{user}:{password}@127.0.0.1:6379/0",
                jobs_queue=f"probe{uuid.uuid4().hex[:8]}",
            )
        )
        line = _fails(env, "worker", exit_code=8, key="jobs.queue_unavailable")
        assert "Cannot use the job queue (redis):" in line and "no permissions" in line, line
        assert password not in line
    finally:
        admin.execute_command("ACL", "DELUSER", user)


def _without_file_privileges() -> list[str]:
    """As root, drop the capabilities that let root write another user's files (what a worker run
    as another user meets); as anyone else, nothing is needed."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def test_a_queue_file_of_another_user_stops_the_worker(tmp_path: Path) -> None:
    """The SQLite queue file was created by a process of another user (a web app run as www-data)
    in the worker's data directory: the worker can read it, not write it. Before, it started, then logged a traceback per poll."""
    from facturahub.signatures.certgen import issue

    own = tmp_path / "own"  # what belongs to the worker's user: database, hub identity
    own.mkdir()
    hub = issue("facturahub worker test hub")
    (own / "hub-cert.pem").write_bytes(hub.certificate_pem)
    (own / "hub-key.pem").write_bytes(hub.private_key_pem)
    env = _upgraded(
        _env(
            tmp_path,
            database_url=f"sqlite:///{own / 'facturahub.db'}",
            hub_cert_file=str(own / "hub-cert.pem"),
            hub_key_file=str(own / "hub-key.pem"),
        )
    )
    queue = tmp_path / "var" / "jobs.db"
    from huey import SqliteHuey

    SqliteHuey("facturahub", filename=str(queue)).storage.close()  # the other user's queue, complete
    other = 65534
    os.chown(queue, other, other)
    os.chmod(queue, 0o644)
    result = subprocess.run(
        [*_without_file_privileges(), FACTURAHUB, "worker"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 8, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert lines[-1].startswith(f"error: Cannot use the job queue ({queue}): "), result.stderr
    assert lines[-1].endswith("[jobs.queue_unavailable]") and "readonly" in lines[-1], result.stderr


def test_a_database_the_driver_refuses_to_open_is_one_line(tmp_path: Path) -> None:
    """A SQLite URL naming a file that is not a database, a PostgreSQL URL with an option psycopg
    does not know: exit 8 with the driver's reason, not a traceback."""
    not_a_database = tmp_path / "notes.db"
    not_a_database.write_bytes(b"these are notes, not a database" * 100)
    env = _env(tmp_path, database_url=f"sqlite:///{not_a_database}")
    line = _fails(env, "integrator", "list", exit_code=8, key="cli.database_unavailable")
    assert "file is not a database" in line
    url = make_url(POSTGRES_ADMIN_URL).set(query={"foo": "bar"}).render_as_string(hide_password=False)
    line = _fails(
        _env(tmp_path, database_url=url), "integrator", "list", exit_code=8, key="cli.database_unavailable"
    )
    assert "foo" in line


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("language", "xx", "language: unsupported language 'xx' (es, en)"),
        ("smtp_timeout_seconds", "inf", "smtp_timeout_seconds:"),
        ("push_timeout_seconds", "1e308", "push_timeout_seconds:"),
        ("notify_retry_seconds", "nan", "notify_retry_seconds:"),
    ],
)
def test_settings_out_of_their_range_are_named(tmp_path: Path, setting: str, value: str, says: str) -> None:
    line = _fails(_env(tmp_path, **{setting: value}), "integrator", "list", exit_code=7, key="config.invalid")
    assert says in line


def test_arguments_that_are_not_utf8_or_not_ascii_numbers(tmp_path: Path) -> None:
    """Bytes that are not UTF-8 (a Latin-1 terminal) are one line naming the argument, before
    any command runs; numbers must be ASCII digits (``int()`` reads "１"); ``--lang`` must be a
    language we speak."""
    env = _env(tmp_path)
    done = subprocess.run(
        [FACTURAHUB.encode(), b"user", b"create", b"--nif", b"11111111H", b"--name", b"Mu\xf1oz"],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3 and b"Traceback" not in done.stderr, done.stderr
    assert (
        done.stderr.decode().strip() == "error: The argument 'Mu\\xf1oz' is not UTF-8 [cli.argument_not_utf8]"
    )
    for args in (["notice", "withdraw", "\uff11"], ["serve", "--port", "\uff18\uff10\uff18\uff10"]):
        done = subprocess.run([FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and "is not a number written in ASCII digits" in done.stderr, done.stderr
    done = subprocess.run(
        [FACTURAHUB, "--lang", "xx", "notice", "list"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "unsupported language 'xx'" in done.stderr, done.stderr


def test_empty_paths_are_refused_not_the_current_directory(tmp_path: Path) -> None:
    """An unset shell variable gives an empty path, which ``Path("")`` reads as the current
    directory: the hub must not put its database, blobs or sandbox keys wherever it was started."""
    work = tmp_path / "cwd"
    work.mkdir()
    for setting in ("data_dir", "blob_dir", "trust_store", "hub_p12_file"):
        env = _env(tmp_path, **{setting: ""})
        done = subprocess.run(
            [FACTURAHUB, "db", "upgrade"], env=env, cwd=work, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 7 and done.stderr.strip().endswith("[config.invalid]"), done.stderr
        assert f"{setting}: an empty path; leave the setting out to use its default" in done.stderr
    env = _env(tmp_path)
    for args in (["sandbox", "init", "--out", ""], ["dir3", "import", " "], ["sign-invoice", ""]):
        done = subprocess.run(
            [FACTURAHUB, *args], env=env, cwd=work, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2 and "an empty path names no file" in done.stderr, done.stderr
    assert list(work.iterdir()) == []  # nothing was written where the command was started


def test_serve_on_an_address_it_cannot_listen_on_is_one_line(tmp_path: Path) -> None:
    """A busy port, an address the machine does not have, a host name nobody knows: one line naming
    host and port, before any worker starts, not the server's log and a traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = _fails(_env(tmp_path), "serve", "--port", str(port), exit_code=7, key="cli.address_unusable")
        assert line.startswith(f"error: Cannot listen on 127.0.0.1:{port}: ") and "in use" in line
    line = _fails(
        _env(tmp_path, host="no-such-host.invalid"),
        "serve",
        "--workers",
        "2",
        exit_code=7,
        key="cli.address_unusable",
    )
    assert "no-such-host.invalid:8080" in line
