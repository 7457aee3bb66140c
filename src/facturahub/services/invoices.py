"""What a supplier platform may ask about its invoices, and its cancellation requests; the
directory queries of the suppliers' services."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, aliased

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.errors import FacturahubError, InvalidInput, NotFound, PermissionDenied
from facturahub.services.lookup import CallerIdentity
from facturahub.services.status_feed import record_status
from facturahub.store.models import (
    Administration,
    Integrator,
    Invoice,
    InvoiceEvent,
    InvoiceKey,
    Platform,
    PlatformUnit,
    Unit,
    UnitRelation,
)
from facturahub.store.statements import ByDialect, ListParameter

MAX_LIST = 500
MAX_REASON = 255
REGISTRY_NUMBER = re.compile(r"^\d{12}$")

Named = tuple[str, str]


def find_by_number(session: Session, registry_number: str | None) -> tuple[str, Invoice | None]:
    """The cleaned number and its invoice (None when it does not exist or is malformed); an empty
    number is refused. Who may see the invoice is the caller's business."""
    number = (registry_number or "").strip()
    if not number:
        raise InvalidInput("invoice.registry_number_required")
    if not REGISTRY_NUMBER.match(number):
        return number, None
    return number, session.scalar(select(Invoice).where(Invoice.registry_number == number))


def get_invoice(session: Session, caller: CallerIdentity, registry_number: str | None) -> Invoice:
    number, invoice = find_by_number(session, registry_number)
    if invoice is None:
        raise NotFound("invoice.not_found", registry_number=number)
    if invoice.platform_id != caller.platform_id:
        raise PermissionDenied("invoice.other_supplier", registry_number=number)
    return invoice


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """An invoice's two status codes: what a listing of up to 500 answers, read without loading
    whole rows."""

    id: int
    registry_number: str
    platform_id: int
    status_code: str
    cancellation_code: str


_NUMBERS = ListParameter("numbers")
_STATES = ByDialect(
    lambda dialect: select(
        Invoice.id,
        Invoice.registry_number,
        Invoice.platform_id,
        Invoice.status_code,
        Invoice.cancellation_code,
    ).where(_NUMBERS.contains(Invoice.registry_number, dialect))
)


def list_invoices(
    session: Session, caller: CallerIdentity, numbers: list[str]
) -> list[tuple[str, InvoiceState | FacturahubError]]:
    if len(numbers) > MAX_LIST:
        raise InvalidInput("invoice.too_many", count=len(numbers), limit=MAX_LIST)
    wanted = [n.strip() for n in numbers]
    valid = {n for n in wanted if REGISTRY_NUMBER.match(n)}
    found: dict[str, InvoiceState] = {}
    if valid:
        for row in session.execute(_STATES(session), _NUMBERS.bind(valid, session)):
            found[row.registry_number] = InvoiceState(*row)
    results: list[tuple[str, InvoiceState | FacturahubError]] = []
    for number in wanted:
        invoice = found.get(number)
        if invoice is None:
            results.append((number, NotFound("invoice.not_found", registry_number=number)))
        elif invoice.platform_id != caller.platform_id:
            results.append((number, PermissionDenied("invoice.other_supplier", registry_number=number)))
        else:
            results.append((number, invoice))
    return results


def latest_reason(session: Session, invoice: Invoice, flow: Flow) -> str | None:
    statement = (
        select(InvoiceEvent.reason)
        .where(InvoiceEvent.invoice_id == invoice.id, InvoiceEvent.flow == flow.value)
        .order_by(InvoiceEvent.id.desc())
        .limit(1)
    )
    return session.scalar(statement)


def latest_reasons(session: Session, invoice_ids: list[int]) -> dict[tuple[int, str], str | None]:
    """The latest reason of each flow for many invoices, in one query (listings of up to 500)."""
    reasons: dict[tuple[int, str], str | None] = {}
    if not invoice_ids:
        return reasons
    for invoice_id, flow, reason in session.execute(_REASONS(session), _IDS.bind(invoice_ids, session)):
        reasons[(invoice_id, flow)] = reason
    return reasons


_IDS = ListParameter("ids")
_REASONS = ByDialect(
    lambda dialect: (
        select(InvoiceEvent.invoice_id, InvoiceEvent.flow, InvoiceEvent.reason)
        .where(_IDS.contains(InvoiceEvent.invoice_id, dialect))
        .order_by(InvoiceEvent.id)
    )
)


def request_cancellation(
    session: Session,
    caller: CallerIdentity,
    registry_number: str,
    reason: str | None,
    now: datetime | None = None,
) -> Invoice:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("invoice.cancellation_reason_required")
    if len(text) > MAX_REASON:
        raise InvalidInput("invoice.reason_too_long", length=len(text), limit=MAX_REASON)
    invoice = lock_invoice(session, get_invoice(session, caller, registry_number))
    lifecycle.check_cancellation_request(invoice.status_code, invoice.cancellation_code)
    record_status(
        session,
        invoice,
        Flow.CANCELLATION,
        lifecycle.CANCELLATION_REQUESTED,
        actor=f"platform:{caller.platform_code}",
        reason=text,
        at=now or datetime.now(UTC),
    )
    return invoice


def release_duplicate_key(session: Session, invoice_id: int) -> None:
    """An invoice whose cancellation is accepted no longer blocks a resubmission."""
    session.execute(delete(InvoiceKey).where(InvoiceKey.invoice_id == invoice_id))


def lock_invoice(session: Session, invoice: Invoice) -> Invoice:
    """Serialise status changes per invoice (D4): ``SELECT … FOR UPDATE`` on PostgreSQL, reloading
    the row as the lock holder left it; SQLite write transactions already hold the database's
    write lock (BEGIN IMMEDIATE) and the clause is not rendered."""
    statement = (
        select(Invoice)
        .where(Invoice.id == invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    locked = session.scalar(statement)
    assert locked is not None  # the row is never deleted
    return locked


def status_texts(code: str) -> tuple[str, str]:
    found = lifecycle.STATUSES.get(code)
    return (found.public_name, found.description) if found else ("", "")


def supplier_status_catalogue() -> list[tuple[str, str, str]]:
    return [
        (lifecycle.STATUSES[c].name, c, lifecycle.STATUSES[c].description)
        for c in lifecycle.SUPPLIER_CATALOGUE
    ]


def relations(
    session: Session, administration: str | None = None, offices: Collection[str] | None = None
) -> list[tuple[Named, Named, Named]]:
    """Active OG-UT-OC relations as ((OG), (UT), (OC)) code/name pairs: all of them, those of an
    administration's offices, or those of ``offices`` (a registry's). The names are joined in the
    database: a registry's few relations do not cost a read of the whole directory."""
    managing_body, processing_unit, office = aliased(Unit), aliased(Unit), aliased(Unit)
    statement = (
        select(
            UnitRelation.managing_body_code,
            managing_body.name,
            UnitRelation.processing_unit_code,
            processing_unit.name,
            UnitRelation.office_code,
            office.name,
        )
        .outerjoin(managing_body, managing_body.code == UnitRelation.managing_body_code)
        .outerjoin(processing_unit, processing_unit.code == UnitRelation.processing_unit_code)
        .outerjoin(office, office.code == UnitRelation.office_code)
        .where(UnitRelation.active.is_(True))
    )
    if administration:
        administration_offices = select(Unit.code).where(
            Unit.administration_code == administration.strip().upper()
        )
        statement = statement.where(UnitRelation.office_code.in_(administration_offices))
    if offices is not None:
        statement = statement.where(UnitRelation.office_code.in_(sorted(offices)))
    ordered = statement.order_by(
        UnitRelation.office_code, UnitRelation.managing_body_code, UnitRelation.processing_unit_code
    )
    return [
        ((body, body_name or ""), (unit, unit_name or ""), (office_code, office_name or ""))
        for body, body_name, unit, unit_name, office_code, office_name in session.execute(ordered)
    ]


def administrations(session: Session) -> list[Named]:
    statement = select(Administration).where(Administration.active.is_(True)).order_by(Administration.code)
    return [(a.code, a.name) for a in session.scalars(statement)]


def nifs(session: Session, administration: str | None = None) -> list[tuple[Named, str]]:
    """The tax ids of the bodies that receive invoices: for each managing body of an active
    relation, the NIF of the integrator whose approved reception platform holds its office."""
    statement = (
        select(UnitRelation.managing_body_code, Unit.name, Integrator.nif)
        .join(Unit, Unit.code == UnitRelation.managing_body_code)
        .join(PlatformUnit, PlatformUnit.office_code == UnitRelation.office_code)
        .join(Platform, Platform.id == PlatformUnit.platform_id)
        .join(Integrator, Integrator.id == Platform.integrator_id)
        .where(
            UnitRelation.active.is_(True), PlatformUnit.status == "approved", Platform.deleted_at.is_(None)
        )
    )
    if administration:
        statement = statement.where(Unit.administration_code == administration.strip().upper())
    seen: set[tuple[str, str]] = set()
    result: list[tuple[Named, str]] = []
    for code, name, nif in session.execute(
        statement.order_by(UnitRelation.managing_body_code, Integrator.nif)
    ):
        if (code, nif) not in seen:
            seen.add((code, nif))
            result.append(((code, name), nif))
    return result
