"""What ``facturahub worker`` writes to its log when a part under it fails (PostgreSQL hub, huey on
Redis): the one line that says what is wrong, not a flood, and never a wrong story.

* Redis goes away (here: the TCP proxy between the worker and Redis stops): huey logged every
  failed poll of every thread, and the scheduler's every second, each with a traceback. Now the
  first failure is logged in full and the rest are counted (jobs/log_throttle.py); when Redis is
  back the worker delivers again.
* The push went out but the database refused to record it: the log said "the delivery attempt
  failed", sending the operator after an endpoint that had answered. Now it says it was delivered
  and not recorded (and will be delivered again)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from tests.functional.notify_hub import NotifyHub, held_endpoint, running_notify_hub, wait_for

pytestmark = pytest.mark.postgres

REDIS = ("127.0.0.1", 6379)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NotifyHub]:
    with running_notify_hub("postgres", "redis", tmp_path_factory.mktemp("worker-log")) as running:
        yield running


class RedisProxy:
    """A TCP proxy to the local Redis that can be cut (listener and connections closed) and
    resumed on the same port: a Redis outage for one process only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.port = 0
        self._listener = self._listen()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _listen(self) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(REDIS)
            with self._lock:
                self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                target.sendall(chunk)
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for end in sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def resume(self) -> None:
        self._listener = self._listen()


def _executed(output: str) -> str:
    return "\n".join(line for line in output.splitlines() if " executed in " in line)


def test_a_redis_outage_is_logged_once_and_the_worker_delivers_when_it_is_back(hub: NotifyHub) -> None:
    proxy = RedisProxy()
    hub.start_worker(FACTURAHUB_REDIS_URL=proxy.url, FACTURAHUB_JOBS_THREADS="4")
    try:
        # the consumer's first sweep (enqueued at its start) has run: a cut during it would log its
        # failure as well, a third report this test does not count on
        wait_for(lambda: "sweep_notifications" in _executed(hub.worker_output()), 60, "the first sweep")
        proxy.cut()
        wait_for(lambda: "Error reading from queue" in hub.worker_output(), 30, "the outage to be logged")
        time.sleep(5)  # 4 threads polling every 0.2 s: about a hundred failed polls
        output = hub.worker_output()
        assert output.count("Error reading from queue") == 1, output[-3000:]
        errors = [line for line in output.splitlines() if " ERROR " in line]
        # those reports, each once, nothing else (the periodic sweep, due at each minute, may fail too)
        reports = ("Error reading from queue", "Error reading schedule.", "Error enqueueing periodic task")
        assert all(sum(report in line for line in errors) <= 1 for report in reports), errors
        assert all(any(report in line for report in reports) for line in errors), errors
        assert "ConnectionError" in output  # the full report says why
        proxy.resume()
        number = hub.submit(hub.suppliers_client(), correo="outage@example.com")
        wait_for(lambda: hub.smtp.for_registry_number(number), 60, "the mail after the outage")
    finally:
        hub.stop_worker()
        proxy.cut()


def test_a_push_delivered_but_not_recorded_is_logged_as_such(hub: NotifyHub) -> None:
    release = threading.Event()
    endpoint = held_endpoint(release, 60)
    engine = create_engine(hub.env["FACTURAHUB_DATABASE_URL"])
    hub.start_worker()
    try:
        hub.set_push(endpoint.url())
        number = hub.submit(hub.suppliers_client(), correo="")
        wait_for(lambda: endpoint.connections_for(number), 60, "the push to reach the endpoint")
        with engine.begin() as connection:  # the database refuses the outcome, nothing else
            connection.execute(
                text(
                    "ALTER TABLE notifications ADD CONSTRAINT test_never_sent CHECK (state <> 'sent') NOT VALID"
                )
            )
        release.set()
        wait_for(
            lambda: "was delivered, but could not be recorded as sent" in hub.worker_output(),
            30,
            "the worker to log the unrecorded delivery",
        )
        output = hub.worker_output()
        assert "the delivery attempt failed" not in output, output[-3000:]
        assert "test_never_sent" in output  # the database's reason, in the traceback
        row = hub.push_row(number)
        assert (row["state"], row["attempts"]) == ("pending", 0), row
    finally:
        release.set()
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE notifications DROP CONSTRAINT IF EXISTS test_never_sent"))
        engine.dispose()
        hub.stop_worker()
        endpoint.close()
        hub.set_push("http://127.0.0.1:9/nowhere", "disabled")
