"""The DIR3 directory: import a snapshot, query units and relations, check an invoice's centres."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, bindparam, select, text
from sqlalchemy.orm import Session

from facturahub.domain.directory import DirectorySnapshot
from facturahub.errors import InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services.actors import Actor, require_operator
from facturahub.store.models import Administration, Unit, UnitRelation

Progress = Callable[[int], None]
DIRECTORY_IMPORT_LOCK = 0x46480D13  # PostgreSQL advisory lock key: "FH", directory import
# A full import may deactivate at most this share of the active units (and of the active relations)
# unless forced: a file cut short at a line boundary parses cleanly and would switch the directory
# off. Small directories (a sandbox, a test) are below the minimum and never refused.
MASS_DEACTIVATION_SHARE = 0.10
MASS_DEACTIVATION_MINIMUM = 50


@dataclass
class ImportReport:
    administrations_added: int = 0
    administrations_updated: int = 0
    administrations_deactivated: int = 0
    units_added: list[str] = field(default_factory=list)
    units_updated: list[str] = field(default_factory=list)
    units_deactivated: list[str] = field(default_factory=list)
    relations_added: int = 0
    relations_activated: int = 0
    relations_deactivated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.administrations_added
            or self.administrations_updated
            or self.administrations_deactivated
            or self.units_added
            or self.units_updated
            or self.units_deactivated
            or self.relations_added
            or self.relations_activated
            or self.relations_deactivated
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "administrations_added": self.administrations_added,
            "administrations_updated": self.administrations_updated,
            "administrations_deactivated": self.administrations_deactivated,
            "units_added": len(self.units_added),
            "units_updated": len(self.units_updated),
            "units_deactivated": len(self.units_deactivated),
            "relations_added": self.relations_added,
            "relations_activated": self.relations_activated,
            "relations_deactivated": self.relations_deactivated,
            "unchanged": self.unchanged,
        }


def import_directory(
    session: Session,
    actor: Actor,
    snapshot: DirectorySnapshot,
    *,
    full: bool = True,
    progress: Progress | None = None,
    source: str = "",
    force: bool = False,
) -> ImportReport:
    """Merge a directory snapshot. With ``full``, units and relations absent from the snapshot are
    deactivated (never deleted: invoices refer to them), and so are administrations, when the file
    names administrations at all, absent from it and left without an active unit.

    One import at a time: on PostgreSQL a transaction-scoped advisory lock, taken before anything
    is read (two overlapping imports each computed their changes from what they read first, and
    the last to commit left the directory as neither file says); SQLite's writer lock already
    serialises them.

    A full import that would deactivate more than :data:`MASS_DEACTIVATION_SHARE` of the active
    units or relations (and at least :data:`MASS_DEACTIVATION_MINIMUM`) is refused, with nothing
    changed, unless ``force``: that is a truncated or partial file far more often than a month of
    DIR3 changes."""
    require_operator(actor)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DIRECTORY_IMPORT_LOCK})
    report = ImportReport()
    now = datetime.now(UTC)
    tick = progress or (lambda _n: None)

    administrations = {a.code: a for a in session.scalars(select(Administration))}
    for code, name in snapshot.administrations.items():
        existing = administrations.get(code)
        if existing is None:
            session.add(Administration(code=code, name=name or code, active=True))
            report.administrations_added += 1
        elif (name and existing.name != name) or not existing.active:  # no name in the file: kept
            existing.name, existing.active = name or existing.name, True
            report.administrations_updated += 1
    session.flush()

    units = {u.code: u for u in session.scalars(select(Unit))}
    active_units = sum(1 for unit in units.values() if unit.active)
    for record in snapshot.units.values():
        unit = units.get(record.code)
        values: dict[str, object] = {
            "name": record.name,
            "administration_code": record.administration_code,
            "is_accounting_office": record.is_accounting_office,
            "is_managing_body": record.is_managing_body,
            "is_processing_unit": record.is_processing_unit,
            "active": True,
        }
        if unit is not None:  # what the file does not say is kept: a name, the administration
            if not record.named:
                del values["name"]
            if record.administration_code is None:
                del values["administration_code"]
        if unit is None:
            session.add(Unit(code=record.code, updated_at=now, **values))
            report.units_added.append(record.code)
        elif any(getattr(unit, key) != value for key, value in values.items()):
            if not full:  # a partial file only adds roles, never removes them
                for role in ("is_accounting_office", "is_managing_body", "is_processing_unit"):
                    values[role] = values[role] or getattr(unit, role)
            for key, value in values.items():
                setattr(unit, key, value)
            unit.updated_at = now
            report.units_updated.append(record.code)
        else:
            report.unchanged += 1
        tick(1)
    if full:
        for code, unit in units.items():
            if code not in snapshot.units and unit.active:
                unit.active = False
                unit.updated_at = now
                report.units_deactivated.append(code)
    session.flush()
    if full and snapshot.administrations:
        in_use = set(
            session.scalars(select(Unit.administration_code).where(Unit.active.is_(True)).distinct())
        )
        for code, administration in administrations.items():
            if code not in snapshot.administrations and code not in in_use and administration.active:
                administration.active = False
                report.administrations_deactivated += 1
        session.flush()

    relations = {
        (r.office_code, r.managing_body_code, r.processing_unit_code): r
        for r in session.scalars(select(UnitRelation))
    }
    active_relations = sum(1 for relation in relations.values() if relation.active)
    for triple, link in snapshot.relations.items():
        relation = relations.get(triple)
        if relation is None:
            session.add(
                UnitRelation(
                    office_code=triple[0],
                    managing_body_code=triple[1],
                    processing_unit_code=triple[2],
                    active=link.active,
                    updated_at=now,
                )
            )
            report.relations_added += 1
        elif relation.active != link.active:
            relation.active = link.active
            relation.updated_at = now
            if link.active:
                report.relations_activated += 1
            else:
                report.relations_deactivated += 1
        else:
            report.unchanged += 1
        tick(1)
    if full:
        for triple, relation in relations.items():
            if triple not in snapshot.relations and relation.active:
                relation.active = False
                relation.updated_at = now
                report.relations_deactivated += 1
    if full and not force:
        _refuse_mass_deactivation(report, active_units, active_relations)
    session.flush()
    audit.record(
        session,
        actor,
        "directory.imported",
        target="directory",
        source=source,
        full=full,
        report=report.as_dict(),
    )
    return report


def _too_many(deactivated: int, active: int) -> bool:
    return deactivated >= MASS_DEACTIVATION_MINIMUM and deactivated > active * MASS_DEACTIVATION_SHARE


def _refuse_mass_deactivation(report: ImportReport, active_units: int, active_relations: int) -> None:
    units, relations = len(report.units_deactivated), report.relations_deactivated
    if _too_many(units, active_units) or _too_many(relations, active_relations):
        raise InvalidInput(
            "directory.deactivates_too_much",
            units=units,
            active_units=active_units,
            relations=relations,
            active_relations=active_relations,
            share=f"{MASS_DEACTIVATION_SHARE:.0%}",
        )


def get_unit(session: Session, code: str) -> Unit:
    unit = session.get(Unit, code.strip().upper())
    if unit is None:
        raise NotFound("directory.unit_unknown", code=code)
    return unit


def list_units(
    session: Session, *, administration: str | None = None, active_only: bool = True
) -> list[Unit]:
    statement = select(Unit)
    if administration:
        statement = statement.where(Unit.administration_code == administration.strip().upper())
    if active_only:
        statement = statement.where(Unit.active.is_(True))
    return list(session.scalars(statement.order_by(Unit.code)))


def list_administrations(session: Session) -> list[Administration]:
    return list(session.scalars(select(Administration).order_by(Administration.code)))


def list_relations(
    session: Session,
    *,
    administration: str | None = None,
    offices: list[str] | None = None,
    active_only: bool = True,
) -> list[UnitRelation]:
    statement = select(UnitRelation)
    if active_only:
        statement = statement.where(UnitRelation.active.is_(True))
    if offices is not None:
        statement = statement.where(UnitRelation.office_code.in_(offices))
    if administration:
        office_codes = select(Unit.code).where(Unit.administration_code == administration.strip().upper())
        statement = statement.where(UnitRelation.office_code.in_(office_codes))
    order = (UnitRelation.office_code, UnitRelation.managing_body_code, UnitRelation.processing_unit_code)
    return list(session.scalars(statement.order_by(*order)))


# The three units and, on every row, their relation's state (NULL when there is no relation).
_CENTRES = (
    select(Unit.code, Unit.active, UnitRelation.active.label("relation_active"))
    .outerjoin(
        UnitRelation,
        and_(
            UnitRelation.office_code == bindparam("office"),
            UnitRelation.managing_body_code == bindparam("managing_body"),
            UnitRelation.processing_unit_code == bindparam("processing_unit"),
        ),
    )
    .where(Unit.code.in_([bindparam("office"), bindparam("managing_body"), bindparam("processing_unit")]))
)


def check_centres(session: Session, *, office: str, managing_body: str, processing_unit: str) -> None:
    """An invoice's three centres must exist, be active and be related (FACe codes 409–413); the
    error says which centre, and whether it is unknown or inactive. Every submission runs this:
    one Core query."""
    centres = {"office": office, "managing_body": managing_body, "processing_unit": processing_unit}
    rows = session.connection().execute(_CENTRES, centres).all()
    active = {row.code: row.active for row in rows}
    for code, role in (
        (managing_body, "managing_body"),
        (processing_unit, "processing_unit"),
        (office, "office"),
    ):
        if code not in active:
            raise InvalidInput(f"directory.{role}_unknown", code=code)
        if not active[code]:
            raise InvalidInput(f"directory.{role}_inactive", code=code)
    relation_active = rows[0].relation_active
    if relation_active is None:
        raise InvalidInput("directory.relation_missing", **centres)
    if not relation_active:
        raise InvalidInput("directory.relation_inactive", **centres)
