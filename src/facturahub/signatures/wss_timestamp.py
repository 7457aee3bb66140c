"""The wsu:Timestamp of a request (rule S3): exactly one, inside wsse:Security, Created ≤ now + skew,
Expires > now − skew, Expires > Created, lifetime capped. Every error carries the server time so the
fault can tell the client how far its clock is off.

The cap bounds how long a message is accepted, whatever it declares: a message is good until its
``Expires`` or ``Created`` + the cap, whichever comes first (and until ``Created`` + the cap when it
has no ``Expires``). A longer declared lifetime is therefore not refused, only shortened: real
clients declare one hour (PHP's wse-php ``addTimestamp()`` default, used by FACe clients such as
fawno/Facturae), and they sign and send at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from lxml import etree

from facturahub.errors import SecurityError
from facturahub.signatures.wss_envelope import TIMESTAMP, WSU_NS

_CREATED = f"{{{WSU_NS}}}Created"
_EXPIRES = f"{{{WSU_NS}}}Expires"
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})\Z", re.ASCII
)


@dataclass(frozen=True)
class TimestampTimes:
    element: etree._Element
    created: datetime  # aware, UTC
    expires: datetime | None  # aware, UTC; None when the message has no Expires
    effective_expires: datetime  # Expires or Created + the lifetime cap, whichever comes first


def format_time(moment: datetime) -> str:
    """``2024-05-01T10:00:00Z`` (UTC, seconds) — how times appear in error parameters."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime | None:
    """An xs:dateTime with an explicit zone (``Z``, ``+00:00``, ``+02:00``) as aware UTC, else None."""
    match = _DATETIME.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zone == "Z":
        tz = UTC
    else:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if minutes > 59 or hours * 60 + minutes > 14 * 60:  # xs:dateTime: -14:00 to +14:00
            return None
        offset = timedelta(hours=hours, minutes=minutes)
        tz = timezone(-offset if zone[0] == "-" else offset)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):  # no such date, or out of range once in UTC (year 1 +01:00)
        return None


def find_timestamp(security: etree._Element, now: datetime) -> etree._Element | None:
    """The only wsu:Timestamp inside wsse:Security (a direct child), or None when there is none."""
    found = list(security.iter(TIMESTAMP))
    if len(found) > 1:
        raise SecurityError("wss.timestamp_duplicate", count=len(found), server_time=format_time(now))
    if found and found[0].getparent() is not security:
        raise SecurityError("wss.timestamp_misplaced", server_time=format_time(now))
    return found[0] if found else None


def check_timestamp(
    element: etree._Element, *, now: datetime, clock_skew_seconds: int, max_lifetime_seconds: int
) -> TimestampTimes:
    created_elements = element.findall(_CREATED)
    if len(created_elements) != 1:
        raise SecurityError(
            "wss.timestamp_created_count", count=len(created_elements), server_time=format_time(now)
        )
    expires_elements = element.findall(_EXPIRES)
    if len(expires_elements) > 1:
        raise SecurityError(
            "wss.timestamp_expires_count", count=len(expires_elements), server_time=format_time(now)
        )
    created = _read(created_elements[0], "Created", now)
    expires = _read(expires_elements[0], "Expires", now) if expires_elements else None
    skew = timedelta(seconds=clock_skew_seconds)
    if created > now + skew:  # first: Created + the cap could overflow for year 9999
        raise SecurityError(
            "wss.timestamp_future",
            created=format_time(created),
            server_time=format_time(now),
            skew=clock_skew_seconds,
        )
    capped = created + timedelta(seconds=max_lifetime_seconds)
    effective_expires = capped if expires is None else min(expires, capped)
    if expires is not None and expires <= created:
        raise SecurityError(
            "wss.timestamp_order",
            created=format_time(created),
            expires=format_time(expires),
            server_time=format_time(now),
        )
    if effective_expires <= now - skew:
        if expires is None or expires > capped:  # ended by the cap, not by a declared Expires
            raise SecurityError(
                "wss.timestamp_too_old",
                created=format_time(created),
                limit=max_lifetime_seconds,
                server_time=format_time(now),
                skew=clock_skew_seconds,
            )
        raise SecurityError(
            "wss.timestamp_expired",
            expires=format_time(effective_expires),
            server_time=format_time(now),
            skew=clock_skew_seconds,
        )
    return TimestampTimes(
        element=element, created=created, expires=expires, effective_expires=effective_expires
    )


def _read(element: etree._Element, field: str, now: datetime) -> datetime:
    text = element.text or ""
    moment = parse_time(text) if len(element) == 0 else None
    if moment is None:
        raise SecurityError(
            "wss.timestamp_format", field=field, value=text.strip()[:64], server_time=format_time(now)
        )
    return moment
