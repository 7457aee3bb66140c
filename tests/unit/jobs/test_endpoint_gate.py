"""The push gate's rules, on the gate alone (the worker's use of it is tested end to end in
tests/functional/test_push_fairness.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from facturahub.jobs.endpoint_gate import Admitted, EndpointGate, Parked, Paused, endpoint_of

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
A = "a.example:443"


class Released:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __call__(self, ids: object) -> None:
        self.batches.append(list(ids))  # type: ignore[call-overload]


def gate(per_endpoint: int = 1, pause: float = 60.0) -> tuple[EndpointGate, Released]:
    released = Released()
    return EndpointGate(per_endpoint, pause, released), released


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        ("https://Push.Example/x", "push.example:443"),
        ("http://push.example/x", "push.example:80"),
        ("https://push.example:8443/x", "push.example:8443"),
        ("https://[2001:DB8::1]:8443/x", "[2001:db8::1]:8443"),
        ("https://bücher.example/x", "xn--bcher-kva.example:443"),
    ],
)
def test_an_endpoint_is_its_host_and_port(url: str, endpoint: str) -> None:
    assert endpoint_of(url) == endpoint


def test_a_busy_endpoint_parks_and_each_ended_call_hands_back_one_in_order() -> None:
    g, released = gate(per_endpoint=1)
    first = g.enter(A, 1, T0)
    assert first == Admitted(A)
    assert g.enter(A, 2, T0) == Parked(A, 1)
    assert g.enter(A, 3, T0) == Parked(A, 1)
    assert g.enter(A, 2, T0) == Parked(A, 1)  # parked once, however often it comes back
    assert isinstance(g.enter("b.example:443", 4, T0), Admitted)  # another endpoint is free
    g.leave(Admitted(A), 1, silent=False, now=T0)
    assert released.batches == [[2]]
    assert isinstance(g.enter(A, 2, T0), Admitted)
    g.leave(Admitted(A), 2, silent=False, now=T0)
    assert released.batches == [[2], [3]]


def test_the_limit_is_per_endpoint() -> None:
    g, _ = gate(per_endpoint=2)
    assert isinstance(g.enter(A, 1, T0), Admitted)
    assert isinstance(g.enter(A, 2, T0), Admitted)
    assert g.enter(A, 3, T0) == Parked(A, 2)


def test_a_silent_call_pauses_the_endpoint_and_fails_the_parked_at_once() -> None:
    g, released = gate(per_endpoint=1, pause=60)
    g.enter(A, 1, T0)
    g.enter(A, 2, T0)
    g.enter(A, 3, T0)
    later = T0 + timedelta(seconds=30)
    g.leave(Admitted(A), 1, silent=True, now=later)
    assert released.batches == [[2, 3]]  # all at once: each fails without a call
    paused = g.enter(A, 2, later)
    assert isinstance(paused, Paused)
    assert paused.until == later + timedelta(seconds=60) and paused.silent_notification == 1
    assert paused.reason() == (
        "not attempted: a.example:443 left the call of notification 1 unanswered (it ended at "
        "2026-11-21 12:00:30 UTC); no call to it before 2026-11-21 12:01:30 UTC"
    )
    assert g.enter(A, 3, later + timedelta(seconds=59)) == paused


def test_after_a_pause_one_call_probes_alone_and_an_answer_reopens() -> None:
    g, _ = gate(per_endpoint=3, pause=10)
    g.enter(A, 1, T0)
    g.leave(Admitted(A), 1, silent=True, now=T0)
    after = T0 + timedelta(seconds=10)
    assert isinstance(g.enter(A, 2, after), Admitted)  # the probe
    assert g.enter(A, 3, after) == Parked(A, 1)  # alone, although three are allowed
    g.leave(Admitted(A), 2, silent=False, now=after)
    assert isinstance(g.enter(A, 3, after), Admitted)
    assert isinstance(g.enter(A, 4, after), Admitted)
    assert isinstance(g.enter(A, 5, after), Admitted)


def test_a_silent_probe_pauses_again_and_a_call_never_made_leaves_the_pause_as_it_was() -> None:
    g, _ = gate(per_endpoint=1, pause=10)
    g.enter(A, 1, T0)
    g.leave(Admitted(A), 1, silent=True, now=T0)
    after = T0 + timedelta(seconds=10)
    g.enter(A, 2, after)
    g.leave(Admitted(A), 2, silent=None, now=after)  # rendering failed: no call, nothing learnt
    assert isinstance(g.enter(A, 3, after), Admitted)
    assert g.enter(A, 4, after) == Parked(A, 1)  # still probing: the pause was not ended
    g.leave(Admitted(A), 3, silent=True, now=after)
    assert isinstance(g.enter(A, 4, after + timedelta(seconds=5)), Paused)


def test_pause_zero_never_pauses() -> None:
    g, released = gate(per_endpoint=1, pause=0)
    g.enter(A, 1, T0)
    g.enter(A, 2, T0)
    g.leave(Admitted(A), 1, silent=True, now=T0)
    assert released.batches == [[2]]
    assert isinstance(g.enter(A, 2, T0), Admitted)


def test_a_failing_release_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def broken(ids: object) -> None:
        raise ConnectionError("redis is down")

    g = EndpointGate(1, 60, broken)
    g.enter(A, 1, T0)
    g.enter(A, 2, T0)
    g.leave(Admitted(A), 1, silent=False, now=T0)
    assert "could not re-queue notification(s) [2] parked for a.example:443" in caplog.text
    assert isinstance(g.enter(A, 2, T0), Admitted)  # the slot was freed all the same
