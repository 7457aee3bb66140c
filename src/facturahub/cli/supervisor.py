"""``serve --with-worker``: one ``facturahub worker`` child, kept running for as long as the server
runs.

* A child that exits on its own (Redis down at start, a crash, a kill) is started again after a
  back-off (1 s, 2 s, 5 s… up to a minute; a child that ran a minute starts it over), and each exit
  is one line on stderr with its code — never a server answering while nothing is delivered.
* The child runs the installed ``facturahub`` script, so huey's restart on SIGHUP (which executes
  ``sys.argv`` again) starts the same worker.
* It has a session of its own (a terminal's Ctrl-C stops the server, which then stops the child
  once, gracefully: running deliveries finish) and, on Linux, it is sent the same graceful SIGINT
  when the server dies without a chance to stop it (SIGKILL, OOM): no orphan worker.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import click

from facturahub.i18n import register_messages, translate

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
STEADY_SECONDS = 60.0
STOP_GRACE_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


def worker_command() -> list[str]:
    script = Path(sys.executable).with_name("facturahub")
    if script.is_file():
        return [sys.executable, str(script), "worker"]
    return [sys.executable, "-m", "facturahub", "worker"]


def _die_with_parent() -> Callable[[], None] | None:
    """Runs in the child before ``exec``: ask Linux for SIGINT when the thread that started it
    dies, and leave at once if the server is already gone."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def arrange() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGINT)
        if os.getppid() != parent:
            os._exit(0)

    return arrange


class WorkerSupervisor:
    def __init__(
        self,
        command: list[str],
        environment: Mapping[str, str],
        *,
        language: str,
        delays: tuple[float, ...] = RESTART_DELAYS,
    ) -> None:
        self.command, self.environment = command, dict(environment)
        self.language, self.delays = language, delays
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._thread = threading.Thread(target=self._watch, name="facturahub-worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        with self._lock:  # never a new child once stop() has begun
            if self._stopping.is_set():
                return None
            self._child = subprocess.Popen(
                self.command, env=self.environment, start_new_session=True, preexec_fn=_die_with_parent()
            )
            return self._child

    def _watch(self) -> None:
        """The children are started from this thread, which lives until stop(): the death signal
        follows the thread that started the child, not the process."""
        failures = 0
        while True:
            child = self._spawn()
            if child is None:
                return
            began = time.monotonic()
            code = child.wait()
            if self._stopping.is_set():
                return
            failures = 0 if time.monotonic() - began >= STEADY_SECONDS else failures + 1
            delay = self.delays[min(max(failures - 1, 0), len(self.delays) - 1)]
            self._say("serve.worker_exited", code=code, seconds=f"{delay:g}")
            if self._stopping.wait(delay):
                return

    def _say(self, key: str, **values: object) -> None:
        click.echo(f"warning: {translate(key, self.language, **values)}", err=True)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            child = self._child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                child.terminate()
                child.wait(timeout=10)
        self._thread.join(timeout=5)


@contextmanager
def supervised_worker(environment: Mapping[str, str], *, language: str, enabled: bool) -> Iterator[None]:
    if not enabled:
        yield
        return
    supervisor = WorkerSupervisor(worker_command(), environment, language=language)
    supervisor.start()
    try:
        yield
    finally:
        supervisor.stop()


register_messages(
    {
        "serve.worker_exited": {
            "es": "el trabajador (facturahub worker) terminó con el código {code}; "
            "se reinicia en {seconds} s",
            "en": "the worker (facturahub worker) exited with code {code}; restarting it in {seconds} s",
        },
    }
)
