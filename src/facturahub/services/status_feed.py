"""Every status change: appended to the invoice's history, mirrored on the invoice's current codes,
and queued as a status document for the issuer's status downloads (eFACT flow, protocols.md §3).
Later notification channels (mail, push) hang off the same place."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from facturahub.domain.lifecycle import Flow
from facturahub.store.models import Invoice, InvoiceEvent, StatusDocument


def record_status(
    session: Session,
    invoice: Invoice,
    flow: Flow,
    code: str,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime | None = None,
    feed: bool = True,
) -> InvoiceEvent:
    moment = at or datetime.now(UTC)
    event = InvoiceEvent(
        invoice_id=invoice.id, flow=flow.value, code=code, at=moment, actor=actor, reason=reason
    )
    session.add(event)
    if flow is Flow.PROCESSING:
        invoice.status_code = code
    else:
        invoice.cancellation_code = code
    session.flush()
    if feed:
        session.add(
            StatusDocument(
                issuer_tax_id=invoice.issuer_tax_id,
                invoice_id=invoice.id,
                event_id=event.id,
                created_at=moment,
            )
        )
    return event
