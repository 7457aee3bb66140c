"""What a receiving accounting registry (RCF) may ask and fetch (protocols.md §4): the invoices
addressed to the accounting offices its platform is approved for, never any other.

A registry's scope is the set of offices (``oficinas contables``) whose association with its
platform is *approved*. An invoice outside that scope is answered exactly as one that does not
exist (``reception.invoice_not_visible``), so a registry learns nothing about other registries'
invoices. Status changes live in :mod:`facturahub.services.status_changes`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.errors import (
    Conflict,
    FacturahubError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
)
from facturahub.services import audit
from facturahub.services.actors import Actor
from facturahub.services.invoices import REGISTRY_NUMBER, Named, find_by_number, lock_invoice, relations
from facturahub.services.lookup import CallerIdentity
from facturahub.services.platforms import approved_offices
from facturahub.services.status_feed import record_status
from facturahub.store.blobs import BlobCorrupt, BlobNotFound, BlobStore
from facturahub.store.models import Invoice, InvoiceEvent, Unit

log = logging.getLogger("facturahub.reception")

MAX_NEW = 500  # solicitarNuevasFacturas / solicitarNuevasAnulaciones
MAX_LIST = 500  # consultarListadoFacturas
MAX_RCF_CODE = 64  # invoices.rcf_code
REGISTERED_IN_RCF = "1300"


@dataclass(frozen=True)
class RegistryScope:
    """The calling registry: its platform and the offices it is approved for."""

    platform_id: int
    platform_code: str
    integrator_id: int
    offices: frozenset[str]

    @property
    def actor(self) -> str:
        return f"platform:{self.platform_code}"

    def sees(self, invoice: Invoice) -> bool:
        return invoice.office_code in self.offices


@dataclass(frozen=True)
class File:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Download:
    invoice: Invoice
    invoice_file: File
    attachments: tuple[File, ...]


@dataclass(frozen=True)
class PendingCancellation:
    invoice: Invoice
    requested_at: datetime
    reason: str | None


def registry_scope(session: Session, caller: CallerIdentity) -> RegistryScope:
    return RegistryScope(
        platform_id=caller.platform_id,
        platform_code=caller.platform_code,
        integrator_id=caller.integrator_id,
        offices=frozenset(approved_offices(session, caller.platform_id)),
    )


# --- offices ------------------------------------------------------------------------------------


def check_office_filter(session: Session, scope: RegistryScope, office: str | None) -> str | None:
    """An optional ``oficinaContable`` filter: ``None`` (every office of the registry), one of the
    registry's approved offices — even one a directory import has since deactivated, whose
    pending invoices and cancellation requests must still be collected — or else an office that
    exists and is active (then not the registry's: refused as such)."""
    code = (office or "").strip().upper()
    if not code:
        return None
    if code in scope.offices:
        return code
    unit = session.get(Unit, code)
    if unit is None or not unit.active or not unit.is_accounting_office:
        raise NotFound("reception.office_unknown", office=code)
    raise PermissionDenied("reception.office_not_associated", office=code)


def registry_relations(session: Session, scope: RegistryScope) -> list[tuple[Named, Named, Named]]:
    """The (OG, UT, OC) code/name pairs of the active relations whose office is the registry's."""
    return relations(session, offices=scope.offices)


# --- invoices -----------------------------------------------------------------------------------


def find_invoice(session: Session, scope: RegistryScope, registry_number: str | None) -> Invoice:
    """An invoice of this registry; unknown and foreign numbers are the same error (511)."""
    number, invoice = find_by_number(session, registry_number)
    if invoice is None or not scope.sees(invoice):
        raise NotFound("reception.invoice_not_visible", registry_number=number)
    return invoice


def check_invoice_office(invoice: Invoice, office: str | None) -> None:
    """The ``oficinaContable`` named with an invoice must be the invoice's own."""
    code = (office or "").strip().upper()
    if not code:
        raise InvalidInput("reception.office_required")
    if code != invoice.office_code:
        raise PermissionDenied(
            "reception.office_mismatch",
            registry_number=invoice.registry_number,
            office=code,
            invoice_office=invoice.office_code,
        )


def list_invoices(
    session: Session, scope: RegistryScope, numbers: list[str]
) -> list[tuple[str, Invoice | FacturahubError]]:
    """consultarListadoFacturas: one result per number, in order (≤ 500)."""
    if len(numbers) > MAX_LIST:
        raise InvalidInput("invoice.too_many", count=len(numbers), limit=MAX_LIST)
    wanted = [n.strip() for n in numbers]
    valid = {n for n in wanted if REGISTRY_NUMBER.match(n)}
    found = {
        invoice.registry_number: invoice
        for invoice in session.scalars(select(Invoice).where(Invoice.registry_number.in_(valid)))
    }
    results: list[tuple[str, Invoice | FacturahubError]] = []
    for number in wanted:
        invoice = found.get(number)
        if invoice is None or not scope.sees(invoice):
            results.append((number, NotFound("reception.invoice_not_visible", registry_number=number)))
        else:
            results.append((number, invoice))
    return results


def new_invoices(
    session: Session, scope: RegistryScope, office: str | None, limit: int = MAX_NEW
) -> list[Invoice]:
    """solicitarNuevasFacturas: the oldest invoices still in 1200 (≤ 500) of the registry's
    offices, or of the one named."""
    code = check_office_filter(session, scope, office)
    offices = [code] if code else sorted(scope.offices)
    if not offices:
        return []
    return list(session.scalars(new_invoices_query(offices, limit)))


def new_invoices_query(offices: list[str], limit: int) -> Select[Invoice]:
    """Served by the partial index ``ix_invoices_new_by_office`` (only rows in 1200)."""
    return (
        select(Invoice)
        .where(Invoice.status_code == lifecycle.REGISTERED, Invoice.office_code.in_(offices))
        .order_by(Invoice.id)
        .limit(limit)
    )


def download_invoice(
    session: Session, blobs: BlobStore, scope: RegistryScope, number: str | None
) -> Download:
    """descargarFactura: the exact bytes the supplier sent, and its attachments; only while the
    invoice is in 1200 (afterwards the registry has it already)."""
    invoice = find_invoice(session, scope, number)
    _require_registered(invoice)
    return Download(
        invoice=invoice,
        invoice_file=File(
            invoice.file_name, invoice.mime, _stored_bytes(blobs, invoice, invoice.blob_sha256)
        ),
        attachments=tuple(
            File(attachment.name, attachment.mime, _stored_bytes(blobs, invoice, attachment.blob_sha256))
            for attachment in invoice.attachments
        ),
    )


def _stored_bytes(blobs: BlobStore, invoice: Invoice, sha256: str) -> bytes:
    """A stored file of ``invoice``; one that is lost or damaged is an error naming the invoice
    (the registry retries later; the operator restores it, ``facturahub blobs verify``)."""
    try:
        return blobs.get(sha256)
    except (BlobNotFound, BlobCorrupt, OSError) as exc:
        log.error("invoice %s: stored file %s cannot be read: %s", invoice.registry_number, sha256, exc)
        raise StorageUnavailable("reception.stored_file_unreadable", number=invoice.registry_number) from exc


def confirm_download(
    session: Session,
    scope: RegistryScope,
    office: str | None,
    number: str | None,
    rcf_code: str | None,
    *,
    now: datetime,
) -> Invoice:
    """confirmarDescargaFactura: 1200 → 1300 and the registry's own code for the invoice."""
    code = _clean_rcf_code(rcf_code)
    invoice = lock_invoice(session, find_invoice(session, scope, number))
    check_invoice_office(invoice, office)
    _require_registered(invoice)
    lifecycle.check_processing_transition(invoice.status_code, REGISTERED_IN_RCF)
    if code is not None:
        invoice.rcf_code = code
    record_status(session, invoice, Flow.PROCESSING, REGISTERED_IN_RCF, actor=scope.actor, at=now)
    return invoice


def rcf_code(session: Session, scope: RegistryScope, number: str | None) -> str | None:
    return find_invoice(session, scope, number).rcf_code


def change_rcf_code(session: Session, scope: RegistryScope, number: str | None, code: str | None) -> str:
    """cambiarCodigoRCF: not a status change (no history row); audited."""
    clean = _clean_rcf_code(code)
    if clean is None:
        raise InvalidInput("reception.rcf_code_required")
    invoice = lock_invoice(session, find_invoice(session, scope, number))
    previous, invoice.rcf_code = invoice.rcf_code, clean
    audit.record(
        session,
        Actor(label=scope.actor, on_behalf_of_id=scope.integrator_id),
        "invoice.rcf_code_changed",
        target=f"invoice:{invoice.registry_number}",
        previous=previous,
        rcf_code=clean,
    )
    return clean


def pending_cancellations(
    session: Session, scope: RegistryScope, office: str | None, limit: int = MAX_NEW
) -> list[PendingCancellation]:
    """solicitarNuevasAnulaciones: invoices whose cancellation is requested (4200) and not yet
    answered, oldest first, with the request's time and reason."""
    code = check_office_filter(session, scope, office)
    offices = [code] if code else sorted(scope.offices)
    if not offices:
        return []
    statement = pending_cancellations_query(offices, limit)
    return [
        PendingCancellation(invoice, event.at, event.reason) for invoice, event in session.execute(statement)
    ]


def pending_cancellations_query(offices: list[str], limit: int) -> Select[Invoice, InvoiceEvent]:
    """The invoices come from the partial index ``ix_invoices_cancellation_requested_by_office``
    (only rows in 4200), and only their events are read: not every cancellation request ever."""
    requested = (
        Invoice.cancellation_code == lifecycle.CANCELLATION_REQUESTED,
        Invoice.office_code.in_(offices),
    )
    latest_request = (
        select(InvoiceEvent.invoice_id, func.max(InvoiceEvent.id).label("event_id"))
        .where(
            InvoiceEvent.invoice_id.in_(select(Invoice.id).where(*requested)),
            InvoiceEvent.flow == Flow.CANCELLATION.value,
            InvoiceEvent.code == lifecycle.CANCELLATION_REQUESTED,
        )
        .group_by(InvoiceEvent.invoice_id)
        .subquery()
    )
    return (
        select(Invoice, InvoiceEvent)
        .join(latest_request, latest_request.c.invoice_id == Invoice.id)
        .join(InvoiceEvent, InvoiceEvent.id == latest_request.c.event_id)
        .where(*requested)
        .order_by(InvoiceEvent.id)
        .limit(limit)
    )


# --- helpers ------------------------------------------------------------------------------------


def lock_invoices(
    session: Session, scope: RegistryScope, numbers: Iterable[str | None]
) -> dict[str, Invoice]:
    """Lock, in one statement and in id order, the registry's invoices a batch names, and return
    them (as the lock holder left them) by registry number: two batches naming the same invoices in
    different orders then wait for each other instead of deadlocking."""
    wanted = {n.strip() for n in numbers if n and REGISTRY_NUMBER.match(n.strip())}
    if not wanted or not scope.offices:
        return {}
    statement = (
        select(Invoice)
        .where(Invoice.registry_number.in_(wanted), Invoice.office_code.in_(scope.offices))
        .order_by(Invoice.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {invoice.registry_number: invoice for invoice in session.scalars(statement)}


def _require_registered(invoice: Invoice) -> None:
    if invoice.status_code != lifecycle.REGISTERED:
        raise Conflict(
            "reception.already_received", registry_number=invoice.registry_number, current=invoice.status_code
        )


def _clean_rcf_code(code: str | None) -> str | None:
    text = (code or "").strip()
    if not text:
        return None
    if len(text) > MAX_RCF_CODE:
        raise InvalidInput("reception.rcf_code_too_long", length=len(text), limit=MAX_RCF_CODE)
    return text
