"""Fair push delivery inside one worker process: one supplier's slow or silent endpoint must not
hold every worker thread while everybody else's notifications wait behind it.

* **At most ``per_endpoint`` calls in flight to one endpoint** (its host and port). A push that
  finds its endpoint busy is *parked*: not attempted, its attempt not counted, its row due again
  at once (the database keeps it; the sweeper re-queues it after a crash). When a call to that
  endpoint ends, one parked push is handed back to the queue, behind what is already there.
* **A silent endpoint is paused.** A call the endpoint left unanswered for the whole push timeout
  pauses it for ``pause_seconds``: its pushes in that time fail their attempt at once, without a
  call, with an error naming the unanswered call, and wait at least until the pause ends. After
  the pause one call goes out alone; an answer (any answer: an HTTP error is still an answer)
  ends the pause, another silence starts a new one.

So a tarpit costs one thread one timeout per pause, instead of every thread a timeout per push.
State lives in the process: several workers each keep their own (docs/operators.md).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from facturahub.services.destinations import a_label, host_and_port

log = logging.getLogger("facturahub.jobs")


def endpoint_of(url: str) -> str:
    """The endpoint a push URL calls, as the gate counts it: ``host:port`` (the host in ASCII,
    lower case; an IPv6 literal in brackets)."""
    host, port = host_and_port(url)
    try:
        host = a_label(host).lower()
    except ValueError:
        host = host.lower()
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class Admitted:
    """The call may go out; the caller must :meth:`EndpointGate.leave` when it ends."""

    endpoint: str


@dataclass(frozen=True)
class Parked:
    """The endpoint is busy: the push waits, unattempted, for a call to it to end."""

    endpoint: str
    in_flight: int


@dataclass(frozen=True)
class Paused:
    """The endpoint left a call unanswered: no call to it before ``until``."""

    endpoint: str
    silent_notification: int
    silent_at: datetime
    until: datetime

    def reason(self) -> str:
        return (
            f"not attempted: {self.endpoint} left the call of notification {self.silent_notification} "
            f"unanswered (it ended at {self.silent_at:%Y-%m-%d %H:%M:%S} UTC); no call to it before "
            f"{self.until:%Y-%m-%d %H:%M:%S} UTC"
        )


Admission = Admitted | Parked | Paused


@dataclass
class _Endpoint:
    in_flight: int = 0
    parked: OrderedDict[int, None] = field(default_factory=OrderedDict)
    pause: Paused | None = None


class EndpointGate:
    """Admission of push calls per endpoint (see the module's docstring). ``release`` hands parked
    notification ids back to the queue; it is called outside the gate's lock."""

    def __init__(
        self,
        per_endpoint: int,
        pause_seconds: float,
        release: Callable[[Sequence[int]], None],
    ) -> None:
        self.per_endpoint, self.pause_seconds, self.release = per_endpoint, pause_seconds, release
        self._endpoints: dict[str, _Endpoint] = {}
        self._lock = threading.Lock()

    def enter(self, endpoint: str, notification_id: int, now: datetime) -> Admission:
        with self._lock:
            state = self._endpoints.setdefault(endpoint, _Endpoint())
            pause = state.pause
            if pause is not None and now < pause.until:
                return pause
            # after a pause, one call alone probes the endpoint
            limit = 1 if pause is not None else self.per_endpoint
            if state.in_flight >= limit:
                state.parked[notification_id] = None
                return Parked(endpoint, state.in_flight)
            state.parked.pop(notification_id, None)
            state.in_flight += 1
            return Admitted(endpoint)

    def leave(self, admitted: Admitted, notification_id: int, *, silent: bool | None, now: datetime) -> None:
        """The call ended: ``silent`` when the endpoint left it unanswered for the whole timeout,
        ``None`` when no call was made after all (a pause stays as it was)."""
        with self._lock:
            state = self._endpoints[admitted.endpoint]
            state.in_flight -= 1
            if silent and self.pause_seconds > 0:
                until = now + timedelta(seconds=self.pause_seconds)
                state.pause = Paused(admitted.endpoint, notification_id, now, until)
                released = list(state.parked)  # each fails at once, naming the pause
                state.parked.clear()
            else:
                if silent is False:
                    state.pause = None
                released = [state.parked.popitem(last=False)[0]] if state.parked else []
            if state.in_flight == 0 and not state.parked and state.pause is None:
                del self._endpoints[admitted.endpoint]
        if released:
            try:
                self.release(released)
            except Exception:  # the rows are due in the database: the sweeper re-queues them
                log.exception(
                    "could not re-queue notification(s) %s parked for %s", released, admitted.endpoint
                )
