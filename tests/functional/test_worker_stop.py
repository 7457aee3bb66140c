"""``facturahub worker`` stops gracefully on SIGTERM — what systemd, ``docker stop`` and ``kill``
send — as on SIGINT (a terminal's Ctrl-C, the supervisor of ``serve --with-worker``): a delivery under way finishes and is recorded. huey's default made SIGTERM
immediate: the process left while the endpoint was answering, the notification stayed pending,
and after the restart the endpoint got the same push a second time. SQLite (huey on SQLite) and
PostgreSQL (huey on Redis)."""

from __future__ import annotations

import signal
import threading

import pytest
from tests.functional.notify_hub import NotifyHub, held_endpoint, notify_hub, wait_for

__all__ = ["notify_hub"]  # the module-scoped fixture


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_lets_the_running_delivery_finish_and_record_it(
    notify_hub: NotifyHub, stop: int
) -> None:
    release = threading.Event()

    endpoint = held_endpoint(release, 60)
    notify_hub.start_worker(FACTURAHUB_PUSH_TIMEOUT_SECONDS="60")
    assert notify_hub.worker is not None
    worker = notify_hub.worker.process
    try:
        notify_hub.set_push(endpoint.url(), "enabled")
        number = notify_hub.submit(notify_hub.suppliers_client(), correo="")
        wait_for(lambda: endpoint.connections_for(number), 60, "the push to reach the endpoint")
        worker.send_signal(stop)
        wait_for(
            lambda: "Shutting down gracefully" in notify_hub.worker_output(),
            30,
            "the worker to stop gracefully",
        )
        assert worker.poll() is None  # still there: waiting for the delivery
        release.set()
        assert worker.wait(timeout=60) == 0, notify_hub.worker_output()
        row = notify_hub.push_row(number)
        assert (row["state"], row["attempts"]) == ("sent", 1), row
        assert len(endpoint.connections_for(number)) == 1
    finally:
        release.set()
        notify_hub.stop_worker()
        endpoint.close()
        notify_hub.set_push("http://127.0.0.1:9/nowhere", "disabled")
