"""Registry numbers: ``YYYY`` + an 8-digit sequence per year, allocated by the database inside the
registering transaction (an upsert on a per-year counter row): unique, gapless, never reused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from facturahub.store.models import RegistryCounter


def allocate_registry_number(session: Session, moment: datetime) -> str:
    year = moment.year
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RegistryCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=["year"], set_={"last": RegistryCounter.last + 1})
        .returning(RegistryCounter.last)
    )
    sequence = session.execute(statement).scalar_one()
    return f"{year:04d}{sequence:08d}"
