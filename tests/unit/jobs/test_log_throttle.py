"""The filter that keeps a queue outage from flooding the worker's log (jobs/log_throttle.py)."""

from __future__ import annotations

import logging
import sys

from facturahub.jobs.log_throttle import RepeatedFailureFilter, throttle_queue_failures

MESSAGE = "Error reading from queue"


def _record(
    message: str = MESSAGE, error: Exception | None = None, args: tuple[object, ...] = ()
) -> logging.LogRecord:
    try:
        raise error or ConnectionError("Connection refused")
    except Exception:
        exc_info = sys.exc_info()
    return logging.LogRecord("huey.consumer.Worker", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_first_failure_is_whole_then_one_summary_per_window() -> None:
    now = [100.0]
    throttle = RepeatedFailureFilter(MESSAGE, window_seconds=60, clock=lambda: now[0])
    first = _record()
    assert throttle.filter(first) and first.exc_info is not None  # in full, with its traceback
    for _ in range(30):
        now[0] += 1
        assert not throttle.filter(_record())
    now[0] = 161.0
    summary = _record(error=TimeoutError("Timeout connecting to server"))
    assert throttle.filter(summary)
    assert summary.exc_info is None
    assert summary.getMessage() == (
        "Error reading from queue: still failing, 31 more failure(s) in the last 61 s; "
        "the latest: TimeoutError: Timeout connecting to server"
    )
    now[0] += 1
    assert not throttle.filter(_record())  # a new window


def test_a_new_outage_after_a_quiet_window_is_reported_in_full() -> None:
    now = [0.0]
    throttle = RepeatedFailureFilter(MESSAGE, window_seconds=60, clock=lambda: now[0])
    assert throttle.filter(_record())
    now[0] = 500.0
    again = _record()
    assert throttle.filter(again)
    assert again.exc_info is not None and again.getMessage() == MESSAGE


def test_a_once_a_minute_failure_is_whole_once_then_summarised() -> None:
    """The periodic sweep fails to enqueue once a minute while Redis is down: one traceback, then
    one line a minute (it was a full traceback every minute)."""
    now = [0.0]
    periodic = "Error enqueueing periodic task %s."
    throttle = RepeatedFailureFilter(periodic, window_seconds=60, clock=lambda: now[0])
    first = _record(periodic, args=("facturahub.sweep_notifications",))
    assert throttle.filter(first) and first.exc_info is not None
    for minute in range(1, 4):
        now[0] = 60.0 * minute + 0.5
        later = _record(periodic, args=("facturahub.sweep_notifications",))
        assert throttle.filter(later)
        assert later.exc_info is None
        assert later.getMessage() == (
            "Error enqueueing periodic task facturahub.sweep_notifications.: still failing, "
            "1 more failure(s) in the last 60 s; the latest: ConnectionError: Connection refused"
        )


def test_other_messages_pass_untouched() -> None:
    throttle = RepeatedFailureFilter(MESSAGE, clock=lambda: 0.0)
    assert throttle.filter(_record())
    other = _record("Unhandled error during execution of task 1.")
    assert throttle.filter(other) and other.exc_info is not None


def test_installed_once_on_hueys_consumer_loggers() -> None:
    throttle_queue_failures()
    throttle_queue_failures()
    for name, expected in (
        ("huey.consumer.Worker", ["Error reading from queue"]),
        (
            "huey.consumer.Scheduler",
            ["Error reading schedule.", "Error enqueueing periodic task %s.", "Error enqueueing %s."],
        ),
    ):
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, RepeatedFailureFilter)]
        assert [f.message for f in filters] == expected
