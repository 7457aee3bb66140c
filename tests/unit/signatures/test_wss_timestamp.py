"""Rule S3: stale, future, missing, duplicated or unsigned Timestamps; the server time is always in
the error parameters so the fault can show it."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
from tests.unit.signatures.wss_fixtures import (
    NOW,
    SERVER_TIME,
    handbuilt_request,
    identity,
    zeep_request,
)

from facturahub.errors import SecurityError
from facturahub.signatures.wss_timestamp import parse_time
from facturahub.signatures.wssecurity import WSSPolicy, verify_request

STRICT = WSSPolicy()
SKEW = 300


def _error(data: bytes, policy: WSSPolicy = STRICT) -> SecurityError:
    with pytest.raises(SecurityError) as caught:
        verify_request(data, policy, NOW)
    assert caught.value.params.get("server_time") == SERVER_TIME, caught.value
    return caught.value


def _timestamp(created: str, expires: str | None = None, extra: str = "") -> str:
    expires_xml = f"<wsu:Expires>{expires}</wsu:Expires>" if expires is not None else ""
    return f'<wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{created}</wsu:Created>{expires_xml}{extra}</wsu:Timestamp>'


def test_expired() -> None:
    error = _error(handbuilt_request(identity("client"), created=NOW - timedelta(seconds=SKEW + 300)))
    assert error.key == "wss.timestamp_expired"
    assert error.params["expires"] == "2024-05-01T09:55:00Z"
    assert error.params["skew"] == SKEW


def test_expiry_boundary_uses_the_clock_skew() -> None:
    # Expires = now - skew + 1 s: still accepted; Expires = now - skew: refused.
    just_alive = NOW - timedelta(seconds=SKEW + 300 - 1)
    verify_request(handbuilt_request(identity("client"), created=just_alive), STRICT, NOW)
    dead = NOW - timedelta(seconds=SKEW + 300)
    assert _error(handbuilt_request(identity("client"), created=dead)).key == "wss.timestamp_expired"


def test_future() -> None:
    error = _error(handbuilt_request(identity("client"), created=NOW + timedelta(seconds=SKEW + 1)))
    assert error.key == "wss.timestamp_future"
    assert error.params["created"] == "2024-05-01T10:05:01Z"


def test_future_within_skew_is_accepted() -> None:
    verify_request(handbuilt_request(identity("client"), created=NOW + timedelta(seconds=SKEW)), STRICT, NOW)


def test_future_in_local_offset_is_compared_in_utc() -> None:
    # 12:04:00+02:00 is 10:04:00Z: within the skew. 12:06:00+02:00 is not.
    cest = timezone(timedelta(hours=2))
    ok = handbuilt_request(identity("client"), created=NOW + timedelta(minutes=4), zone=cest)
    verify_request(ok, STRICT, NOW)
    late = handbuilt_request(identity("client"), created=NOW + timedelta(minutes=6), zone=cest)
    assert _error(late).key == "wss.timestamp_future"


def test_missing_where_required() -> None:
    error = _error(handbuilt_request(identity("client"), timestamp=None))
    assert error.key == "wss.timestamp_missing"


def test_two_timestamps() -> None:
    two = _timestamp("2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z") + _timestamp(
        "2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"
    ).replace("TS-1", "TS-2")
    error = _error(handbuilt_request(identity("client"), timestamp_xml=two))
    assert error.key == "wss.timestamp_duplicate"
    assert error.params["count"] == 2


def test_timestamp_not_signed() -> None:
    error = _error(handbuilt_request(identity("client"), sign_timestamp=False))
    assert error.key == "wss.timestamp_not_signed"


def test_zeep_request_without_timestamp_under_strict_policy() -> None:
    assert _error(zeep_request(identity("client"), timestamp=False)).key == "wss.timestamp_missing"


def test_two_created() -> None:
    xml = _timestamp(
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:05:00Z",
        extra="<wsu:Created>2024-05-01T10:00:00Z</wsu:Created>",
    )
    error = _error(handbuilt_request(identity("client"), timestamp_xml=xml))
    assert error.key == "wss.timestamp_created_count"
    assert error.params["count"] == 2


def test_no_created() -> None:
    xml = '<wsu:Timestamp wsu:Id="TS-1"><wsu:Expires>2024-05-01T10:05:00Z</wsu:Expires></wsu:Timestamp>'
    error = _error(handbuilt_request(identity("client"), timestamp_xml=xml))
    assert error.key == "wss.timestamp_created_count"
    assert error.params["count"] == 0


def test_two_expires() -> None:
    xml = _timestamp(
        "2024-05-01T10:00:00Z",
        "2024-05-01T10:05:00Z",
        extra="<wsu:Expires>2024-05-01T10:06:00Z</wsu:Expires>",
    )
    assert (
        _error(handbuilt_request(identity("client"), timestamp_xml=xml)).key == "wss.timestamp_expires_count"
    )


def test_expires_not_after_created() -> None:
    xml = _timestamp("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z")
    error = _error(handbuilt_request(identity("client"), timestamp_xml=xml))
    assert error.key == "wss.timestamp_order"


def test_a_longer_declared_lifetime_is_shortened_to_the_cap_not_refused() -> None:
    """wse-php's addTimestamp() declares one hour: accepted while fresh, good for 300 s only."""
    result = verify_request(handbuilt_request(identity("client"), lifetime=3600), STRICT, NOW)
    assert result.timestamp_expires == NOW + timedelta(seconds=3600)  # as declared
    assert result.replay_expires == NOW + timedelta(seconds=300 + SKEW)  # as enforced
    later = NOW + timedelta(seconds=300 + SKEW + 1)  # still before the declared Expires
    with pytest.raises(SecurityError) as caught:
        verify_request(handbuilt_request(identity("client"), lifetime=3600), STRICT, later)
    error = caught.value
    assert error.key == "wss.timestamp_too_old"
    assert (error.params["created"], error.params["limit"]) == ("2024-05-01T10:00:00Z", 300)
    assert "300 s" in error.message("es") and "Expires" in error.message("es")
    just_in_time = NOW + timedelta(seconds=300 + SKEW - 1)
    assert verify_request(handbuilt_request(identity("client"), lifetime=3600), STRICT, just_in_time)


def test_lifetime_cap_is_a_policy_setting() -> None:
    data = handbuilt_request(identity("client"), lifetime=3600)
    result = verify_request(data, WSSPolicy(max_lifetime_seconds=3600), NOW)
    assert result.replay_expires == NOW + timedelta(seconds=3600 + SKEW)


def test_missing_expires_is_bounded_by_the_lifetime_cap() -> None:
    xml = _timestamp("2024-05-01T10:00:00Z")
    result = verify_request(handbuilt_request(identity("client"), timestamp_xml=xml), STRICT, NOW)
    assert result.timestamp_expires is None
    assert result.replay_expires == NOW + timedelta(seconds=300 + SKEW)
    stale = _timestamp("2024-05-01T09:50:00Z")
    error = _error(handbuilt_request(identity("client"), timestamp_xml=stale))
    # the cap ended it, not an Expires the client declared: the message says so, with no made-up time
    assert error.key == "wss.timestamp_too_old"
    assert error.params["created"] == "2024-05-01T09:50:00Z" and error.params["limit"] == 300
    assert "expires" not in error.params


@pytest.mark.parametrize(
    ("created", "key"),
    [
        ("9999-12-31T23:59:59Z", "wss.timestamp_future"),  # Created + the cap would overflow
        ("9999-12-31T23:59:59-14:00", "wss.timestamp_format"),  # past year 9999 in UTC
        ("0001-01-01T00:00:00+01:00", "wss.timestamp_format"),  # before year 1 in UTC
    ],
)
def test_times_at_the_ends_of_the_calendar_are_precise_refusals(created: str, key: str) -> None:
    error = _error(handbuilt_request(identity("client"), timestamp_xml=_timestamp(created)))
    assert error.key == key


@pytest.mark.parametrize(
    "value",
    [
        "2024-05-01T10:00:00",
        "2024-05-01 10:00:00Z",
        "01/05/2024 10:00",
        "2024-05-01T25:00:00Z",
        "2024-05-01T10:00:00+15:00",
        "2024-05-01T10:00:00+14:59",  # xs:dateTime's zones stop at ±14:00
        "2024-05-01T10:00:00-14:30",
    ],
)
def test_unreadable_or_zoneless_times(value: str) -> None:
    xml = _timestamp(value, "2024-05-01T10:05:00Z")
    error = _error(handbuilt_request(identity("client"), timestamp_xml=xml))
    assert error.key == "wss.timestamp_format"
    assert error.params["field"] == "Created"
    assert error.params["value"] == value


def test_comment_inside_created_is_refused() -> None:
    xml = _timestamp("2024-05-01T10:<!-- -->00:00Z", "2024-05-01T10:05:00Z")
    assert _error(handbuilt_request(identity("client"), timestamp_xml=xml)).key == "wss.timestamp_format"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", NOW),
        ("2024-05-01T10:00:00.586Z", NOW + timedelta(milliseconds=586)),
        ("2024-05-01T10:00:00.123456789Z", NOW + timedelta(microseconds=123456)),
        ("2024-05-01T10:00:00+00:00", NOW),
        ("2024-05-01T12:00:00+02:00", NOW),
        ("2024-05-01T07:00:00-03:00", NOW),
        (" 2024-05-01T10:00:00Z\n", NOW),
    ],
)
def test_parse_time(text: str, expected: object) -> None:
    assert parse_time(text) == expected
