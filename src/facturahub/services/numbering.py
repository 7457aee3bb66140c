"""Registry numbers: ``YYYY`` (the year in the administration's time zone) + an 8-digit sequence
per year, allocated by the database inside the
registering transaction (an upsert on a per-year counter row): unique, gapless, never reused."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy.orm import Session

from facturahub.domain.local_time import DEFAULT_ZONE, local_year
from facturahub.store.models import RegistryCounter
from facturahub.store.statements import PerDialect


def _next_in_year(insert: Any) -> Any:
    return (
        insert(RegistryCounter)
        .values(last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": RegistryCounter.last + 1})
        .returning(RegistryCounter.last)
    )


_NEXT_IN_YEAR = PerDialect(_next_in_year)


def allocate_registry_number(session: Session, moment: datetime, zone: tzinfo = DEFAULT_ZONE) -> str:
    """The next number of the year ``moment`` falls in, in ``zone`` (as its ``fechaRecepcion`` shows)."""
    year = local_year(moment, zone)
    sequence = session.connection().execute(_NEXT_IN_YEAR(session), {"year": year}).scalar_one()
    return f"{year:04d}{sequence:08d}"
