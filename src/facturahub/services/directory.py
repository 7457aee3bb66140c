"""The DIR3 directory: import a snapshot, query units and relations, check an invoice's centres."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Executable, and_, bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from facturahub.domain.directory import DirectorySnapshot
from facturahub.errors import InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services.actors import Actor, require_operator
from facturahub.store.database import Database, lock_key
from facturahub.store.models import Administration, Unit, UnitRelation

Progress = Callable[[int, int], None]  # rows just written, rows the import writes in all
DIRECTORY_IMPORT_LOCK = "directory-import"
BATCH_ROWS = 1000  # rows per transaction of an import: SQLite's writer is free between them
# A full import may deactivate at most this share of the active units (and of the active relations)
# unless forced: a file cut short at a line boundary parses cleanly and would switch the directory
# off. Small directories (a sandbox, a test) are below the minimum and never refused.
MASS_DEACTIVATION_SHARE = 0.10
MASS_DEACTIVATION_MINIMUM = 50
_ROLES = ("is_accounting_office", "is_managing_body", "is_processing_unit")


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


Rows = list[dict[str, Any]]


@dataclass
class ImportPlan:
    """What an import changes, computed from one reading before anything is written, as bulk
    statements in the order they must run: additions and updates first (a relation needs its
    units), every deactivation last (an import cut short has switched nothing off)."""

    report: ImportReport
    writes: list[tuple[Executable, Rows]] = field(default_factory=list)
    active_units: int = 0
    active_relations: int = 0

    @property
    def rows(self) -> int:
        return sum(len(rows) for _, rows in self.writes)


def import_directory(
    database: Database,
    actor: Actor,
    snapshot: DirectorySnapshot,
    *,
    full: bool = True,
    progress: Progress | None = None,
    source: str = "",
    force: bool = False,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Merge a directory snapshot. With ``full``, units and relations absent from the snapshot are
    deactivated (never deleted: invoices refer to them), and so are administrations, when the file
    names administrations at all, absent from it and left without an active unit.

    The changes are computed from one reading, then written in transactions of ``batch_rows``
    rows: a full DIR3 file (250,000 units) written in one transaction held SQLite's only writer
    for half a minute, and every invoice waited. Readers meanwhile see the directory part-way; an
    import cut short (a crash, the operator's Ctrl-C) leaves what it wrote, never a deactivation,
    and running it again completes it. One import at a time (:meth:`Database.exclusive`), from
    before the reading to the last write: two overlapping imports each computed their changes from
    what they had read first, and the last to write left the directory as neither file says.

    A full import that would deactivate more than :data:`MASS_DEACTIVATION_SHARE` of the active
    units or relations (and at least :data:`MASS_DEACTIVATION_MINIMUM`) is refused, with nothing
    changed, unless ``force``: that is a truncated or partial file far more often than a month of
    DIR3 changes."""
    require_operator(actor)
    with database.exclusive(DIRECTORY_IMPORT_LOCK):
        with database.reading() as session:
            plan = plan_import(session, snapshot, full=full, force=force)
        total = plan.rows
        for statement, rows in plan.writes:
            for start in range(0, len(rows), batch_rows):
                batch = rows[start : start + batch_rows]
                with database.unit_of_work() as session:
                    session.execute(statement, batch)
                if progress:
                    progress(len(batch), total)
        with database.unit_of_work() as session:
            _audit(session, actor, plan.report, full=full, source=source)
    return plan.report


def import_directory_within(
    session: Session, actor: Actor, snapshot: DirectorySnapshot, *, full: bool = True, source: str = ""
) -> ImportReport:
    """The same import inside the caller's transaction, for a small directory that must commit
    with other changes (the sandbox's); on PostgreSQL under the same lock as
    :func:`import_directory`."""
    require_operator(actor)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(DIRECTORY_IMPORT_LOCK)})
    plan = plan_import(session, snapshot, full=full, force=False)
    for statement, rows in plan.writes:
        session.execute(statement, rows)
    _audit(session, actor, plan.report, full=full, source=source)
    return plan.report


def plan_import(session: Session, snapshot: DirectorySnapshot, *, full: bool, force: bool) -> ImportPlan:
    """Compare the snapshot with the directory (plain rows, not ORM objects: a full directory is
    half a million of them) and list the writes; refuse a mass deactivation unless ``force``."""
    now = datetime.now(UTC)
    plan = ImportPlan(ImportReport())
    units, in_use = _plan_units(session, snapshot, plan, full=full, now=now)
    relations = _plan_relations(session, snapshot, plan, full=full, now=now)
    administrations = _plan_administrations(session, snapshot, plan.report, in_use=in_use, full=full)
    writes = [
        (insert(Administration), administrations.added),
        (update(Administration), administrations.updated),
        (insert(Unit), units.added),
        (update(Unit), units.updated),
        (insert(UnitRelation), relations.added),
        (update(UnitRelation), relations.updated),
        (update(UnitRelation), relations.deactivated),
        (update(Unit), units.deactivated),
        (update(Administration), administrations.deactivated),
    ]
    plan.writes = [(statement, rows) for statement, rows in writes if rows]
    if full and not force:
        _refuse_mass_deactivation(plan.report, plan.active_units, plan.active_relations)
    return plan


@dataclass
class _Changes:
    added: Rows = field(default_factory=list)
    updated: Rows = field(default_factory=list)
    deactivated: Rows = field(default_factory=list)


def _plan_units(
    session: Session, snapshot: DirectorySnapshot, plan: ImportPlan, *, full: bool, now: datetime
) -> tuple[_Changes, set[str]]:
    """Units to add, update and deactivate, and the administrations still in use after it."""
    report = plan.report
    columns = (
        Unit.code,
        Unit.name,
        Unit.administration_code,
        *(getattr(Unit, r) for r in _ROLES),
        Unit.active,
    )
    current = {row.code: row for row in session.execute(select(*columns))}
    plan.active_units = sum(1 for row in current.values() if row.active)
    changes = _Changes()
    in_use: set[str] = set()
    for record in snapshot.units.values():
        values: dict[str, Any] = {
            "name": record.name,
            "administration_code": record.administration_code,
            **{role: getattr(record, role) for role in _ROLES},
            "active": True,
        }
        row = current.get(record.code)
        if row is None:
            changes.added.append({"code": record.code, **values, "updated_at": now})
            report.units_added.append(record.code)
        else:  # what the file does not say is kept: a name, the administration
            if not record.named:
                values["name"] = row.name
            if record.administration_code is None:
                values["administration_code"] = row.administration_code
            if not full:  # a partial file only adds roles, never removes them
                for role in _ROLES:
                    values[role] = values[role] or getattr(row, role)
            if any(getattr(row, key) != value for key, value in values.items()):
                changes.updated.append({"code": record.code, **values, "updated_at": now})
                report.units_updated.append(record.code)
            else:
                report.unchanged += 1
        if values["administration_code"]:
            in_use.add(values["administration_code"])
    if full:
        for code, row in current.items():
            if code not in snapshot.units and row.active:
                changes.deactivated.append({"code": code, "active": False, "updated_at": now})
                report.units_deactivated.append(code)
    return changes, in_use


def _plan_relations(
    session: Session, snapshot: DirectorySnapshot, plan: ImportPlan, *, full: bool, now: datetime
) -> _Changes:
    """Relations to add, to switch as the file says, and (full) to deactivate."""
    report = plan.report
    columns = (UnitRelation.id, UnitRelation.office_code, UnitRelation.managing_body_code)
    current = {
        (row.office_code, row.managing_body_code, row.processing_unit_code): row
        for row in session.execute(select(*columns, UnitRelation.processing_unit_code, UnitRelation.active))
    }
    plan.active_relations = sum(1 for row in current.values() if row.active)
    changes = _Changes()
    for triple, link in snapshot.relations.items():
        row = current.get(triple)
        if row is None:
            office, managing_body, processing_unit = triple
            changes.added.append(
                {
                    "office_code": office,
                    "managing_body_code": managing_body,
                    "processing_unit_code": processing_unit,
                    "active": link.active,
                    "updated_at": now,
                }
            )
            report.relations_added += 1
        elif row.active != link.active:
            changes.updated.append({"id": row.id, "active": link.active, "updated_at": now})
            if link.active:
                report.relations_activated += 1
            else:
                report.relations_deactivated += 1
        else:
            report.unchanged += 1
    if full:
        for triple, row in current.items():
            if triple not in snapshot.relations and row.active:
                changes.deactivated.append({"id": row.id, "active": False, "updated_at": now})
                report.relations_deactivated += 1
    return changes


def _plan_administrations(
    session: Session, snapshot: DirectorySnapshot, report: ImportReport, *, in_use: set[str], full: bool
) -> _Changes:
    """Administrations to add, rename or reactivate, and (full, when the file names
    administrations at all) those it no longer names and no active unit uses."""
    current = {
        row.code: row
        for row in session.execute(select(Administration.code, Administration.name, Administration.active))
    }
    changes = _Changes()
    for code, name in snapshot.administrations.items():
        row = current.get(code)
        if row is None:
            changes.added.append({"code": code, "name": name or code, "active": True})
            report.administrations_added += 1
        elif (name and row.name != name) or not row.active:  # no name in the file: kept
            changes.updated.append({"code": code, "name": name or row.name, "active": True})
            report.administrations_updated += 1
    if full and snapshot.administrations:
        for code, row in current.items():
            if code not in snapshot.administrations and code not in in_use and row.active:
                changes.deactivated.append({"code": code, "active": False})
                report.administrations_deactivated += 1
    return changes


def _audit(session: Session, actor: Actor, report: ImportReport, *, full: bool, source: str) -> None:
    audit.record(
        session,
        actor,
        "directory.imported",
        target="directory",
        source=source,
        full=full,
        report=report.as_dict(),
    )


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
