"""``facturahub worker`` stops gracefully on SIGTERM — what systemd, ``docker stop`` and ``kill``
send — as on SIGINT (a terminal's Ctrl-C, the supervisor of ``serve --with-worker``): a delivery under way finishes and is recorded. huey's default made SIGTERM
immediate: the process left while the endpoint was answering, the notification stayed pending,
and after the restart the endpoint got the same push a second time. SQLite (huey on SQLite) and
PostgreSQL (huey on Redis)."""

from __future__ import annotations

import signal
import socket
import threading
from typing import Any

import pytest
from tests.functional.notify_hub import NotifyHub, _ok, notify_hub, wait_for
from tests.functional.push_servers import RawEndpoint

__all__ = ["notify_hub"]  # the module-scoped fixture


def _set_push(hub: NotifyHub, url: str, state: str) -> None:
    answer = hub.notifications_client().service.setNotificacion(
        {"codigo": "3", "estado": state, "value": url}
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion


def _push_row(hub: NotifyHub, number: str) -> dict[str, Any]:
    [row] = [row for row in hub.rows(number) if row["channel"] == "push"]
    return row


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_lets_the_running_delivery_finish_and_record_it(
    notify_hub: NotifyHub, stop: int
) -> None:
    release = threading.Event()

    def answer_when_released(client: socket.socket) -> None:
        assert release.wait(60)
        payload = _ok("0")
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(payload)}\r\n\r\n"
        client.sendall(head.encode() + payload)

    endpoint = RawEndpoint(answer_when_released)
    notify_hub.start_worker(FACTURAHUB_PUSH_TIMEOUT_SECONDS="60")
    worker = notify_hub.worker
    assert worker is not None
    try:
        _set_push(notify_hub, endpoint.url(), "enabled")
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
        row = _push_row(notify_hub, number)
        assert (row["state"], row["attempts"]) == ("sent", 1), row
        assert len(endpoint.connections_for(number)) == 1
    finally:
        release.set()
        notify_hub.stop_worker()
        endpoint.close()
        _set_push(notify_hub, "http://127.0.0.1:9/nowhere", "disabled")
