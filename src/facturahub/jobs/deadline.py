"""A deadline for a whole network exchange (a push call, an SMTP session).

A socket timeout bounds each read or write, not the exchange: a peer that answers one byte per
second never trips it, and would hold a worker thread for as long as it likes — past the
notification's lease, so that the sweeper hands the same notification to another thread and it
is delivered twice. :func:`deadline` shuts the exchange's socket down when the time is up; the
blocked call then fails at once, and :attr:`Expiry.expired` tells the caller why.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_POLL_SECONDS = 0.05  # while no socket is open yet (connecting), look again this often


@dataclass
class Expiry:
    expired: bool = False


@contextmanager
def deadline(seconds: float, current_socket: Callable[[], socket.socket | None]) -> Iterator[Expiry]:
    """Run the block for at most ``seconds``; ``current_socket`` returns the exchange's socket as
    it is at that moment (``None`` before it connects)."""
    expiry = Expiry()
    done = threading.Event()

    def watch() -> None:
        if done.wait(seconds):
            return
        expiry.expired = True
        while not done.is_set():  # the socket may not exist yet, or be replaced (STARTTLS, tunnel)
            sock = current_socket()
            if sock is not None:
                with contextlib.suppress(OSError):  # already closed
                    sock.shutdown(socket.SHUT_RDWR)
            done.wait(_POLL_SECONDS)

    watcher = threading.Thread(target=watch, name="facturahub-deadline", daemon=True)
    watcher.start()
    try:
        yield expiry
    finally:
        done.set()
        watcher.join()
