"""A queue outage in the worker's log: one full report, then one line a minute.

huey logs every failed poll of its queue with a traceback — each worker thread at every poll
(``huey.consumer.Worker``: "Error reading from queue") and the scheduler every second
(``huey.consumer.Scheduler``: "Error reading schedule."). A Redis outage of ten minutes wrote
thousands of tracebacks, burying the one line that said what was wrong and filling the disk of
the very machine the operator is trying to save. Each of those messages is now logged in full the
first time, then at most once per :data:`WINDOW_SECONDS`, as one line counting the failures left
out and naming the latest error. When the queue works again huey logs nothing; the next outage
starts with a full report again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

WINDOW_SECONDS = 60.0
REPEATED_FAILURES = {
    "huey.consumer.Worker": "Error reading from queue",
    "huey.consumer.Scheduler": "Error reading schedule.",
}


class RepeatedFailureFilter(logging.Filter):
    """Lets the first ``message`` through, then one summary per ``window_seconds``."""

    def __init__(
        self,
        message: str,
        window_seconds: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.message, self.window_seconds, self.clock = message, window_seconds, clock
        self._lock = threading.Lock()
        self._reported_at: float | None = None
        self._left_out = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != self.message:
            return True
        now = self.clock()
        with self._lock:
            if self._reported_at is not None and now - self._reported_at < self.window_seconds:
                self._left_out += 1
                return False
            left_out, since = self._left_out, self._reported_at
            self._left_out, self._reported_at = 0, now
        if left_out and since is not None:
            error = record.exc_info[1] if record.exc_info else None
            record.msg = "%s: still failing, %d more failure(s) in the last %.0f s; the latest: %s"
            record.args = (self.message, left_out + 1, now - since, f"{type(error).__name__}: {error}")
            record.exc_info, record.exc_text = None, None
        return True


def throttle_queue_failures() -> None:
    """Install the filters on huey's consumer loggers (once per process)."""
    for name, message in REPEATED_FAILURES.items():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, RepeatedFailureFilter) for existing in logger.filters):
            logger.addFilter(RepeatedFailureFilter(message))
