"""The administration's local time.

Moments are kept, compared and stored as aware UTC. What the protocols show people is local:
FACe's ``YYYY-MM-DD HH:MM:SS`` dates (Europe/Madrid in FACe; configurable, protocols.md §1), the
offsets of eFACT's status documents, and the year a registry number belongs to, so that an invoice
received at 00:30 on 1 January in Madrid is numbered in the new year, as its ``fechaRecepcion`` says.
One configured zone serves them all (``FACTURAHUB_TIME_ZONE``).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIME_ZONE = "Europe/Madrid"


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/Madrid``, ``Atlantic/Canary``, ``Europe/Lisbon``…).
    Raises ``ValueError`` naming it when it is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not an IANA time zone name (e.g. {DEFAULT_TIME_ZONE})") from None


DEFAULT_ZONE = time_zone(DEFAULT_TIME_ZONE)


def wire_time(moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> str:
    """FACe's ``YYYY-MM-DD HH:MM:SS`` in ``zone`` (``moment`` is aware)."""
    return _local(moment, zone).strftime("%Y-%m-%d %H:%M:%S")


def local_year(moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> int:
    """The calendar year ``moment`` falls in, in ``zone``."""
    return _local(moment, zone).year


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a moment to show in local time must be timezone-aware")
    return moment.astimezone(zone)
