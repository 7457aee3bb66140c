"""An operator's view of one invoice (``facturahub invoice show``): its parties, administrative
centres, files and full history in both flows, plus the notifications its changes produced."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.errors import NotFound
from facturahub.services.actors import Actor, require_operator
from facturahub.services.invoices import find_by_number
from facturahub.store.models import Invoice, InvoiceEvent, Notification, Platform, Unit


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    flow: str
    code: str
    name: str
    actor: str
    reason: str | None


def invoice_record(session: Session, actor: Actor, registry_number: str) -> dict[str, Any]:
    """Everything known about the invoice ``registry_number`` (operators only)."""
    require_operator(actor)
    number, invoice = find_by_number(session, registry_number)
    if invoice is None:
        raise NotFound("invoice.not_found", registry_number=number)
    platform = session.get(Platform, invoice.platform_id)
    return {
        "registry_number": invoice.registry_number,
        "received_at": invoice.received_at,
        "profile": invoice.profile,
        "platform": platform.code if platform is not None else None,
        "tracking_id": invoice.tracking_id,
        "invoice": {
            "series": invoice.series,
            "number": invoice.number,
            "issue_date": invoice.issue_date,
            "total": invoice.total,
            "currency": invoice.currency,
            "facturae_version": invoice.facturae_version,
        },
        "parties": {
            "issuer_tax_id": invoice.issuer_tax_id,
            "issuer_name": invoice.issuer_name,
            "buyer_tax_id": invoice.buyer_tax_id,
            "email": invoice.email,
        },
        "centres": {
            role: {"code": code, "name": _unit_name(session, code)}
            for role, code in (
                ("oficina_contable", invoice.office_code),
                ("organo_gestor", invoice.managing_body_code),
                ("unidad_tramitadora", invoice.processing_unit_code),
            )
        },
        "status": {
            "processing": _status(invoice.status_code),
            "cancellation": _status(invoice.cancellation_code),
            "rcf_code": invoice.rcf_code,
        },
        "signature": {
            "signing_time": invoice.signing_time,
            "certificate_sha256": invoice.signing_certificate_sha256,
        },
        "files": [
            {
                "role": "factura",
                "name": invoice.file_name,
                "mime": invoice.mime,
                "size": invoice.size,
                "sha256": invoice.blob_sha256,
            },
            *(
                {
                    "role": f"anexo {a.position}",
                    "name": a.name,
                    "mime": a.mime,
                    "size": a.size,
                    "sha256": a.blob_sha256,
                }
                for a in invoice.attachments
            ),
        ],
        "history": [asdict(entry) for entry in history(session, invoice)],
        "notifications": [
            {
                "id": row.id,
                "channel": row.channel,
                "target": row.target,
                "state": row.state,
                "attempts": row.attempts,
                "last_error": row.last_error,
            }
            for row in session.scalars(
                select(Notification).where(Notification.invoice_id == invoice.id).order_by(Notification.id)
            )
        ],
    }


def history(session: Session, invoice: Invoice) -> list[HistoryEntry]:
    """Both flows, in the order the changes happened."""
    events = session.scalars(
        select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id).order_by(InvoiceEvent.id)
    )
    return [
        HistoryEntry(
            at=event.at,
            flow=event.flow,
            code=event.code,
            name=_status(event.code)["name"],
            actor=event.actor,
            reason=event.reason,
        )
        for event in events
    ]


def _status(code: str) -> dict[str, str]:
    status = lifecycle.STATUSES.get(code)
    return {"code": code, "name": status.name if status is not None else "?"}


def _unit_name(session: Session, code: str) -> str | None:
    unit = session.get(Unit, code)
    return unit.name if unit is not None else None
