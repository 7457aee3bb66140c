"""Workers on machines whose clocks disagree share one PostgreSQL hub: leases and heartbeats go by
the database's clock, never a worker's own. A worker whose clock ran an hour ahead took the push
another worker was still delivering (its lease looked over) and delivered it a second time; one
whose clock ran an hour behind was reported stale by ``/health`` while it was working.

The skewed worker is the real ``facturahub worker`` run under libfaketime's ``LD_PRELOAD`` library
(the Python package ``libfaketime`` ships it), which shifts the time the process reads from the
system; the PostgreSQL server, the hub and the other worker keep the machine's clock. PostgreSQL
only: SQLite's processes all run on the machine of the file, on its one clock."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import libfaketime
import pytest
from tests.functional.notify_hub import NotifyHub, held_endpoint, running_notify_hub, wait_for
from tests.functional.worker_process import WorkerProcess

pytestmark = pytest.mark.postgres

LIBFAKETIME = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
HOUR = 3600


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotifyHub]:
    with running_notify_hub("postgres", "redis", tmp_path_factory.mktemp("clock-skew")) as running:
        yield running


def skewed_worker(hub: NotifyHub, offset_seconds: int, **settings: str) -> WorkerProcess:
    """``facturahub worker`` whose clock is ``offset_seconds`` off the machine's."""
    env = {
        **hub.env,
        **settings,
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": f"{offset_seconds:+d}",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # timeouts and sleeps keep their lengths
    }
    return WorkerProcess.start(env, hub.env_root / f"skewed-worker{offset_seconds:+d}.log")


def test_libfaketime_shifts_the_workers_clock(hub: NotifyHub) -> None:
    """The instrument: a process under the library reads a clock an hour ahead."""
    probe = "import time; print(int(time.time()))"
    env = {**os.environ, "LD_PRELOAD": str(LIBFAKETIME), "FAKETIME": f"+{HOUR}"}
    shifted = int(
        subprocess.run(["python3", "-c", probe], env=env, capture_output=True, text=True, check=True).stdout
    )
    plain = int(subprocess.run(["python3", "-c", probe], capture_output=True, text=True, check=True).stdout)
    assert HOUR - 60 < shifted - plain < HOUR + 60


def test_a_worker_an_hour_ahead_does_not_take_a_push_another_worker_is_delivering(hub: NotifyHub) -> None:
    release = threading.Event()

    endpoint = held_endpoint(release, 90)
    hub.start_worker(FACTURAHUB_PUSH_TIMEOUT_SECONDS="60")  # lease: 2 × 60 s + 30 s
    ahead: WorkerProcess | None = None
    try:
        hub.set_push(endpoint.url(), "enabled")
        number = hub.submit(hub.suppliers_client(), correo="")
        wait_for(
            lambda: endpoint.connections_for(number), 60, "the first worker's push to reach the endpoint"
        )
        ahead = skewed_worker(hub, +HOUR, FACTURAHUB_PUSH_TIMEOUT_SECONDS="60")
        started = wait_for(lambda: "due notification(s) re-queued" in ahead.output(), 60, "the second worker")
        assert started
        # its start-up sweep has run; a push it took would reach the endpoint within a few polls
        assert "1 due notification(s) re-queued" not in ahead.output(), ahead.output()
        _stays_false(lambda: len(endpoint.connections_for(number)) > 1, seconds=5)
        release.set()
        wait_for(lambda: hub.push_row(number)["state"] == "sent", 60, "the push to be recorded as sent")
        assert hub.push_row(number)["attempts"] == 1
        assert len(endpoint.connections_for(number)) == 1
    finally:
        release.set()
        if ahead is not None:
            ahead.stop()
        hub.stop_worker()
        endpoint.close()
        hub.set_push("http://127.0.0.1:9/nowhere", "disabled")


def test_a_worker_an_hour_behind_is_alive_for_health(hub: NotifyHub) -> None:
    behind = skewed_worker(hub, -HOUR)
    try:
        wait_for(lambda: "due notification(s) re-queued" in behind.output(), 60, "the worker to start")
        health = httpx.get(f"{hub.base_url}/health", timeout=10).json()
        assert (health["worker"]["status"], health["worker"]["alive"]) == ("ok", 1), health
    finally:
        behind.stop()
    wait_for(lambda: behind.process.poll() is not None, 30, "the worker to stop")
    health = httpx.get(f"{hub.base_url}/health", timeout=10).json()
    assert health["worker"]["status"] == "none", health  # a stopped worker removes its row


def _stays_false(condition: Callable[[], object], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert not condition()
        time.sleep(0.1)
