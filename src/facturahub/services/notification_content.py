"""What a notification says: the e-mail (subject and text) and the push status
(``setEstadoFactura``'s ``factura{numeroRegistro, tramitacion, anulacion}``), both as of the
status change that caused it — a late or repeated delivery still describes that change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.domain.local_time import DEFAULT_ZONE, wire_time
from facturahub.i18n import translate
from facturahub.services import notification_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.store.models import Invoice, InvoiceEvent, Notification


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


@dataclass(frozen=True)
class FlowStatus:
    code: str
    description: str
    reason: str | None


@dataclass(frozen=True)
class PushStatus:
    registry_number: str
    processing: FlowStatus
    cancellation: FlowStatus


def invoice_label(invoice: Invoice, language: str | None) -> str:
    if invoice.series:
        return translate("mail.status.invoice", language, series=invoice.series, number=invoice.number)
    return translate("mail.status.invoice_no_series", language, number=invoice.number)


def render_mail(
    session: Session, notification: Notification, language: str | None, zone: tzinfo = DEFAULT_ZONE
) -> Mail:
    invoice = session.get_one(Invoice, notification.invoice_id)
    event = session.get_one(InvoiceEvent, notification.event_id)
    status = lifecycle.STATUSES.get(event.code)
    name = status.name if status else event.code
    label = invoice_label(invoice, language)
    number = invoice.registry_number

    def line(key: str, **params: object) -> str:
        return translate(key, language, **params)

    lines = [
        line("mail.status.intro", invoice=label, registry_number=number),
        "",
        line("mail.status.new_status", flow=line(f"mail.flow.{event.flow}"), code=event.code, name=name),
    ]
    if status is not None:
        lines.append(line("mail.status.description", description=status.description))
    lines.append(line("mail.status.at", at=wire_time(event.at, zone)))
    if event.reason:
        lines.append(line("mail.status.reason", reason=event.reason))
    lines += [
        "",
        line(
            "mail.status.issuer",
            issuer_name=invoice.issuer_name,
            issuer_tax_id=invoice.issuer_tax_id,
            total=invoice.total,
            currency=invoice.currency,
        ),
        line(
            "mail.status.units",
            office=invoice.office_code,
            managing_body=invoice.managing_body_code,
            processing_unit=invoice.processing_unit_code,
        ),
        "",
        line("mail.status.footer"),
    ]
    subject = line("mail.status.subject", invoice=label, code=event.code, name=name, registry_number=number)
    subject = " ".join(subject.split())  # one line: a series or number may hold a line break
    return Mail(to=notification.target, subject=subject, text="\n".join(lines) + "\n")


def push_status(session: Session, notification: Notification) -> PushStatus:
    """Both flows as they stood right after the notification's event."""
    invoice = session.get_one(Invoice, notification.invoice_id)
    latest: dict[str, InvoiceEvent] = {}
    statement = (
        select(InvoiceEvent)
        .where(InvoiceEvent.invoice_id == invoice.id, InvoiceEvent.id <= notification.event_id)
        .order_by(InvoiceEvent.id)
    )
    for event in session.scalars(statement):
        latest[event.flow] = event
    return PushStatus(
        registry_number=invoice.registry_number,
        processing=_flow_status(latest.get(Flow.PROCESSING.value), invoice.status_code),
        cancellation=_flow_status(latest.get(Flow.CANCELLATION.value), lifecycle.NOT_REQUESTED),
    )


def _flow_status(event: InvoiceEvent | None, default_code: str) -> FlowStatus:
    """A flow's status as the supplier's own services show it (public codes)."""
    code = lifecycle.supplier_code(event.code if event is not None else default_code)
    status = lifecycle.STATUSES.get(code)
    return FlowStatus(
        code=code,
        description=status.description if status else "",
        reason=event.reason if event is not None else None,
    )
