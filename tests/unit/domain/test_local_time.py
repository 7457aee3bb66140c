"""The administration's local time: wire dates and the registry number's year (protocols.md §1)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from facturahub.domain.local_time import DEFAULT_ZONE, local_year, time_zone, wire_time

CANARY = time_zone("Atlantic/Canary")


@pytest.mark.parametrize(
    ("moment", "madrid", "canary"),
    [
        # winter: CET (+01:00) and WET (+00:00)
        (datetime(2026, 1, 15, 11, 0, 5, 999_999, tzinfo=UTC), "2026-01-15 12:00:05", "2026-01-15 11:00:05"),
        # summer: CEST (+02:00) and WEST (+01:00)
        (datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "2026-07-01 12:00:00", "2026-07-01 11:00:00"),
        # the same instant written with another offset
        (
            datetime(2026, 7, 1, 5, 0, tzinfo=timezone(timedelta(hours=-5))),
            "2026-07-01 12:00:00",
            "2026-07-01 11:00:00",
        ),
        # the last night of October: 01:00 UTC is 02:00 CET, after clocks went back at 03:00 CEST
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), "2026-10-25 02:00:00", "2026-10-25 01:00:00"),
    ],
)
def test_wire_time_is_local_wall_time(moment: datetime, madrid: str, canary: str) -> None:
    assert wire_time(moment) == madrid
    assert wire_time(moment, DEFAULT_ZONE) == madrid
    assert wire_time(moment, CANARY) == canary


def test_the_year_changes_at_local_midnight() -> None:
    eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 in Madrid, 23:30 in the Canaries
    assert (local_year(eve), local_year(eve, CANARY), local_year(eve, UTC)) == (2027, 2026, 2026)
    assert local_year(datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)) == 2026
    assert local_year(datetime(2027, 1, 1, 0, 0, tzinfo=UTC), CANARY) == 2027


def test_a_naive_moment_is_refused_rather_than_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        wire_time(datetime(2026, 1, 1, 12, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        local_year(datetime(2026, 12, 31, 23, 30))


@pytest.mark.parametrize("name", ["Europe/Madird", "europe/madrid", "Europe", "", "../etc/passwd", "+01:00"])
def test_a_name_that_is_not_a_zone_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ValueError) as caught:
        time_zone(name)
    assert f"{name!r} is not an IANA time zone name" in str(caught.value)
