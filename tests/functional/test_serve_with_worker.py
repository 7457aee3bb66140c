"""``facturahub serve --with-worker`` (what ``make run`` starts) keeps its worker running, and
``/health`` says whether any worker is alive — through the installed command, real processes and
signals, on both engines.

Before: a worker that exited (Redis down at start, a kill) was never noticed — ``/health`` said
ok while nothing was delivered; SIGHUP made huey re-execute ``python -c worker`` (a NameError);
a SIGKILLed server left its worker running as an orphan."""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import BACKENDS
from tests.functional.hub_process import HubProcess, own_hub
from tests.functional.notify_hub import wait_for
from tests.functional.worker_process import WorkerProcess

from facturahub.config import load_settings
from facturahub.services import worker_heartbeats
from facturahub.services.worker_heartbeats import WorkerIdentity
from facturahub.store.database import Database


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
    except (FileNotFoundError, ProcessLookupError):
        return []


def _worker_child(hub: HubProcess) -> int | None:
    assert hub.server is not None
    for pid in _children(hub.server.pid):
        if _cmdline(pid)[-1:] == ["worker"]:
            return pid
    return None


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _worker_health(hub: HubProcess) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{hub.base_url}/health", timeout=10).json()
    return dict(body["worker"])


@pytest.fixture(params=BACKENDS)
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubProcess]:
    with own_hub(request.param, tmp_path, LANGUAGE="en", WORKERS="1") as hub:
        yield hub


def _start(hub: HubProcess) -> int:
    """Serve with its worker; the worker child's pid once its first heartbeat is in /health."""
    hub.start("--with-worker")
    wait_for(lambda: _worker_health(hub)["status"] == "ok", 30, f"the worker's first heartbeat: {hub.log()}")
    return int(wait_for(lambda: _worker_child(hub), 20, "the worker child"))


def test_a_worker_that_dies_is_started_again(hub: HubProcess) -> None:
    first = _start(hub)
    assert Path(_cmdline(first)[1]).name == "facturahub"  # the installed script, not `python -c`
    os.kill(first, signal.SIGKILL)
    second = wait_for(lambda: (pid := _worker_child(hub)) != first and pid, 20, "a new worker child")
    assert "the worker (facturahub worker) exited with code -9; restarting it in 1 s" in hub.log()
    wait_for(lambda: _worker_health(hub)["alive"] >= 1, 20, "the new worker's heartbeat")
    assert _alive(second)


def test_sighup_restarts_the_worker_in_place(hub: HubProcess) -> None:
    worker = _start(hub)
    seen = _worker_health(hub)["last_seen"]
    os.kill(worker, signal.SIGHUP)  # huey stops, then executes its own command line again
    wait_for(lambda: _worker_health(hub)["last_seen"] != seen, 30, "a heartbeat after the re-execution")
    time.sleep(1)
    assert _worker_child(hub) == worker and _alive(worker), hub.log()
    assert "NameError" not in hub.log() and "exited with code" not in hub.log()


def test_a_killed_server_takes_its_worker_with_it(hub: HubProcess) -> None:
    worker = _start(hub)
    hub.kill()  # SIGKILL to the server's process group; the worker has a session of its own
    wait_for(lambda: not _alive(worker), 30, "the orphaned worker's exit")


def test_a_worker_that_cannot_start_is_retried_and_reported(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with own_hub(
        "sqlite", tmp_path, LANGUAGE="en", WORKERS="1", REDIS_URL=f"redis://127.0.0.1:{port}/0"
    ) as hub:
        hub.start("--with-worker")
        wait_for(lambda: "restarting it in 2 s" in hub.log(), 30, f"a second restart: {hub.log()}")
        assert "exited with code 8; restarting it in 1 s" in hub.log()
        assert "[jobs.queue_unavailable]" in hub.log()
        assert _worker_health(hub) == {"status": "none", "alive": 0, "last_seen": None}
        assert httpx.get(f"{hub.base_url}/health", timeout=10).status_code == 200  # the web node is fine


@pytest.mark.parametrize("backend", BACKENDS)
def test_health_tells_a_stopped_worker_from_a_silent_one(backend: str, tmp_path: Path) -> None:
    """A worker that stops removes its row (none); one that went silent (killed, frozen) is
    reported stale once its last beat is older than the limit."""
    with own_hub(backend, tmp_path, LANGUAGE="en", WORKERS="1") as hub:
        hub.start()
        assert _worker_health(hub) == {"status": "none", "alive": 0, "last_seen": None}
        database = Database(hub.database_url)
        try:
            silent_since = datetime.now(UTC) - timedelta(seconds=worker_heartbeats.STALE_AFTER_SECONDS + 5)
            queue = load_settings(environ=hub.env).jobs_queue_label
            worker = WorkerIdentity("a" * 32, "elsewhere", 4242, queue, silent_since)
            with database.unit_of_work() as session:
                worker_heartbeats.beat(session, worker, silent_since)
            health = _worker_health(hub)
            assert health["status"] == "stale" and health["alive"] == 0
            assert datetime.fromisoformat(health["last_seen"]) == silent_since
            with database.unit_of_work() as session:
                worker_heartbeats.beat(session, worker, datetime.now(UTC))
            assert _worker_health(hub)["status"] == "ok"
        finally:
            database.dispose()
        worker_process = _start_standalone_worker(hub)
        wait_for(lambda: _worker_health(hub)["alive"] == 2, 30, "the standalone worker's heartbeat")
        assert worker_process.stop(timeout=60) == 0  # graceful stop: its row goes
        assert _worker_health(hub)["alive"] == 1  # only the row written above remains


def _start_standalone_worker(hub: HubProcess, log_name: str = "worker.log", **env: str) -> WorkerProcess:
    return WorkerProcess.start({**hub.env, **env}, hub.root / log_name)


@pytest.mark.parametrize(
    ("backend", "queue"), [("sqlite", "sqlite"), ("postgresql", "redis")], ids=["sqlite", "postgresql-redis"]
)
def test_health_tells_workers_of_another_queue(backend: str, queue: str, tmp_path: Path) -> None:
    """A web node and its workers configured with different queues (another name, another data
    directory's queue file, another Redis database): what the node enqueues is never delivered.
    ``/health`` says ``other_queue`` and names both queues instead of ``ok``.

    Before: ``ok`` with ``alive: 1`` (any worker of any queue counted)."""
    settings = {"JOBS_QUEUE": f"ours_{uuid.uuid4().hex[:8]}"}
    if queue == "redis":
        settings["REDIS_URL"] = "redis://127.0.0.1:6379/5"
    with own_hub(backend, tmp_path, LANGUAGE="en", WORKERS="1", **settings) as hub:
        hub.start()
        ours = load_settings(environ=hub.env).jobs_queue_label
        name = f"other_{uuid.uuid4().hex[:8]}"
        if queue == "redis":
            theirs = {"FACTURAHUB_REDIS_URL": "redis://127.0.0.1:6379/6", "FACTURAHUB_JOBS_QUEUE": name}
        else:
            theirs = {"FACTURAHUB_DATA_DIR": str(tmp_path / "other-data"), "FACTURAHUB_JOBS_QUEUE": name}
        other = _start_standalone_worker(hub, "other-worker.log", **theirs)
        try:
            wait_for(lambda: _worker_health(hub)["status"] != "none", 30, "the other worker's heartbeat")
            other_label = load_settings(environ={**hub.env, **theirs}).jobs_queue_label
            assert ours != other_label
            assert _worker_health(hub) == {
                "status": "other_queue",
                "alive": 0,
                "last_seen": None,
                "queue": ours,
                "other_queues": {other_label: 1},
            }
            assert httpx.get(f"{hub.base_url}/health", timeout=10).status_code == 200  # informative
            assert str(tmp_path) not in httpx.get(f"{hub.base_url}/health", timeout=10).text  # no paths
            assert f"(in /health: {other_label!r})" in other.output()  # the worker's start-up line
            right = _start_standalone_worker(hub)
            try:
                wait_for(lambda: _worker_health(hub)["status"] == "ok", 30, "our worker's heartbeat")
                health = _worker_health(hub)
                assert health["alive"] == 1 and health["other_queues"] == {other_label: 1}  # still named
            finally:
                right.stop()
        finally:
            other.stop()
        assert _worker_health(hub) == {"status": "none", "alive": 0, "last_seen": None}
