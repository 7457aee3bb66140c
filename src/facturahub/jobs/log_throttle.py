"""A queue outage in the worker's log: one full report, then one line a minute.

huey logs every failed poll of its queue with a traceback — each worker thread at every poll
(``huey.consumer.Worker``: "Error reading from queue") and the scheduler every second
(``huey.consumer.Scheduler``: "Error reading schedule."), and each minute the periodic sweep it
could not enqueue ("Error enqueueing periodic task …"). A Redis outage of ten minutes wrote
thousands of tracebacks, burying the one line that said what was wrong and filling the disk of
the very machine the operator is trying to save. Each of those messages is now logged in full the
first time, then at most once per :data:`WINDOW_SECONDS`, as one line counting the failures left
out and naming the latest error. When the queue works again huey logs nothing; a failure after
:data:`QUIET_WINDOWS` windows without one starts a new outage, reported in full again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0
QUIET_WINDOWS = 2  # a once-a-minute failure (the periodic sweep) still belongs to the same outage
REPEATED_FAILURES = {
    "huey.consumer.Worker": ("Error reading from queue",),
    "huey.consumer.Scheduler": (
        "Error reading schedule.",
        "Error enqueueing periodic task %s.",
        "Error enqueueing %s.",
    ),
}


class RepeatedFailureFilter(logging.Filter):
    """Lets the first ``message`` of an outage through, then one summary per ``window_seconds``."""

    def __init__(
        self,
        message: str,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.message, self.window_seconds, self.clock = message, window_seconds, clock
        self._lock = threading.Lock()
        self._reported_at = self._failed_at = float("-inf")
        self._left_out = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.message:
            return True
        now = self.clock()
        with self._lock:
            continuing = now - self._failed_at <= QUIET_WINDOWS * self.window_seconds
            self._failed_at = now
            if continuing and now - self._reported_at < self.window_seconds:
                self._left_out += 1
                return False
            left_out, since = self._left_out, self._reported_at
            self._left_out, self._reported_at = 0, now
        if continuing:
            error = record.exc_info[1] if record.exc_info else None
            failure, latest = record.getMessage(), f"{type(error).__name__}: {error}"
            record.msg = "%s: still failing, %d more failure(s) in the last %.0f s; the latest: %s"
            record.args = (failure, left_out + 1, now - since, latest)
            record.exc_info, record.exc_text = None, None
        return True


def throttle_queue_failures() -> None:
    """Install the filters on huey's consumer loggers (once per process)."""
    for name, messages in REPEATED_FAILURES.items():
        logger = logging.getLogger(name)
        installed = {f.message for f in logger.filters if isinstance(f, RepeatedFailureFilter)}
        for message in messages:
            if message not in installed:
                logger.addFilter(RepeatedFailureFilter(message))
