"""One supplier's endpoint must not hold up everybody's notifications: a real hub and worker (two
threads) on SQLite (huey on SQLite) and on PostgreSQL (huey on Redis), real endpoints at the byte
level.

- an endpoint that never answers gets one call at a time: another supplier's push goes out while
  that call hangs, the silent endpoint's other pushes wait unattempted, then fail at once, without
  a call, for the pause that follows the unanswered call; after the pause one call probes it, and
  once it answers everything queued for it is delivered;
- a slow endpoint that does answer is called once at a time, and its waiting pushes cost no
  attempt.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from tests.functional.face_hub import register_sender
from tests.functional.notify_hub import NotifyHub, _ok, notify_hub, wait_for
from tests.functional.push_servers import RawEndpoint, _peer_closed
from tests.functional.soap_client import zeep_client

from facturahub.signatures.certgen import issue

__all__ = ["notify_hub"]  # the module-scoped fixture

TIMEOUT, PAUSE = 6, 8


@pytest.fixture(scope="module")
def worker(notify_hub: NotifyHub) -> Iterator[NotifyHub]:
    notify_hub.start_worker(
        FACTURAHUB_PUSH_TIMEOUT_SECONDS=str(TIMEOUT),
        FACTURAHUB_PUSH_PAUSE_SECONDS=str(PAUSE),
        FACTURAHUB_JOBS_THREADS="2",
    )
    try:
        yield notify_hub
    finally:
        notify_hub.stop_worker()


class Peer:
    """An endpoint's behaviour, switchable while the test runs: ``silent`` holds each call open
    until the caller hangs up; otherwise it answers ``resultado 0`` after ``delay`` seconds.
    Counts the calls being answered at once (the count drops before the answer is written, so a
    caller that waits for the answer never overlaps the next call with this one)."""

    def __init__(self, silent: bool = False, delay: float = 0.0) -> None:
        self.silent, self.delay = silent, delay
        self.active = self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, client: socket.socket) -> None:
        with self._lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        try:
            if self.silent:
                for _ in range(1200):  # a minute at most
                    if _peer_closed(client):
                        raise ConnectionResetError("the hub hung up")
                    time.sleep(0.05)
            time.sleep(self.delay)
        finally:
            with self._lock:
                self.active -= 1
        payload = _ok("0")
        client.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nConnection: close\r\n"
            + f"Content-Length: {len(payload)}\r\n\r\n".encode()
            + payload
        )


def _push_to(client: Any, url: str) -> None:
    answer = client.service.setNotificacion({"codigo": "3", "estado": "enabled", "value": url})
    assert answer.resultado.codigo == "0", answer.resultado.descripcion


@pytest.fixture(scope="module")
def other_supplier(worker: NotifyHub) -> tuple[Any, Any]:
    """A second supplier platform (its suppliers' and notifications' clients)."""
    identity = issue("otra plataforma de envio")
    register_sender(worker.env, worker.env_root, "B00000026", "Otro proveedor", identity)
    return (
        zeep_client(worker.suppliers_wsdl, identity, worker.hub_cert_pem),
        zeep_client(worker.notifications_wsdl, identity, worker.hub_cert_pem),
    )


def test_a_silent_endpoint_holds_one_thread_then_pauses(
    worker: NotifyHub, other_supplier: tuple[Any, Any]
) -> None:
    peer = Peer(silent=True)
    tarpit, healthy = RawEndpoint(peer), RawEndpoint(Peer())
    other_sender, other_notifications = other_supplier
    try:
        _push_to(worker.notifications_client(), tarpit.url())
        _push_to(other_notifications, healthy.url())
        client = worker.suppliers_client()
        slow = [worker.submit(client, correo="") for _ in range(4)]
        fast = worker.submit(other_sender, correo="")

        wait_for(lambda: worker.push_row(fast)["state"] == "sent", timeout=20, what="the other push")
        # while the first call hung, nothing else went to the silent endpoint, and the other
        # supplier's push did not wait for it (two threads: both used to hang there)
        assert len(tarpit.connections) == 1
        assert tarpit.connections_for(slow[0])
        assert [worker.push_row(number)["attempts"] for number in slow[1:]] == [0, 0, 0]

        first = wait_for(
            lambda: worker.push_row(slow[0])["last_error"],
            timeout=TIMEOUT + 10,
            what="the first call's end",
        )
        assert f"no complete answer from {tarpit.url()} within {TIMEOUT} s" in first
        silent_id = worker.push_row(slow[0])["id"]
        paused = (
            f"not attempted: 127.0.0.1:{tarpit.port} left the call of notification {silent_id} unanswered"
        )
        for number in slow[1:]:
            row = wait_for(
                lambda number=number: worker.push_row(number)["last_error"], timeout=10, what="fail at once"
            )
            assert paused in row, row
        assert len(tarpit.connections) == 1  # failed without a call

        peer.silent = False  # the endpoint recovers; after the pause, one call probes it
        for number in slow:
            wait_for(lambda number=number: worker.push_row(number)["state"] == "sent", timeout=PAUSE + 20)
        assert [len(tarpit.connections_for(number)) for number in slow] == [2, 1, 1, 1]
        assert peer.most_at_once == 1
    finally:
        tarpit.close()
        healthy.close()


def test_a_slow_endpoint_is_called_once_at_a_time_and_waiting_costs_no_attempt(worker: NotifyHub) -> None:
    peer = Peer(delay=1.0)
    slow = RawEndpoint(peer)
    try:
        _push_to(worker.notifications_client(), slow.url())
        client = worker.suppliers_client()
        numbers = [worker.submit(client, correo="") for _ in range(4)]
        for number in numbers:
            wait_for(lambda number=number: worker.push_row(number)["state"] == "sent", timeout=40)
        assert peer.most_at_once == 1
        assert [worker.push_row(number)["attempts"] for number in numbers] == [1, 1, 1, 1]
        assert [len(slow.connections_for(number)) for number in numbers] == [1, 1, 1, 1]
        assert f"waits: 1 call(s) to 127.0.0.1:{slow.port} in progress" in worker.worker_output()
    finally:
        slow.close()
