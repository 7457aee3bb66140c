"""Every status change: appended to the invoice's history, mirrored on the invoice's current codes,
queued as a status document for the issuer's status downloads (eFACT flow, protocols.md §3), and
added to the notification outbox — a mail to the invoice's ``correo``, a push to the supplier
platform's endpoint — which the worker delivers after the transaction commits
(:mod:`facturahub.services.notifications`).

``feed=False`` records an initial state that is not a change (4100 at registration): history only,
no status document and no notification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import insert
from sqlalchemy.orm import Session

from facturahub.domain.lifecycle import Flow
from facturahub.services.notifications import NotifiedInvoice, queue_for_events
from facturahub.store.models import InvoiceEvent, StatusDocument


class StatusSubject(NotifiedInvoice, Protocol):
    """The invoice a status change is about: an ORM ``Invoice`` or the row intake just wrote."""

    @property
    def status_code(self) -> str: ...

    @status_code.setter
    def status_code(self, value: str) -> None: ...

    @property
    def cancellation_code(self) -> str: ...

    @cancellation_code.setter
    def cancellation_code(self, value: str) -> None: ...


@dataclass(frozen=True)
class StatusChange:
    invoice: StatusSubject
    flow: Flow
    code: str
    actor: str
    reason: str | None = None
    feed: bool = True  # False: an initial state, not a change (history only)

    def apply(self) -> None:
        """Mirror the change on the invoice's current codes."""
        if self.flow is Flow.PROCESSING:
            self.invoice.status_code = self.code
        else:
            self.invoice.cancellation_code = self.code


def record_statuses(
    session: Session, changes: Sequence[StatusChange], at: datetime | None = None
) -> list[int]:
    """Record many status changes at once — one INSERT per table, whatever their number (a
    registry's list of 100 changes costs a handful of statements). Returns the history rows' ids,
    in the order of ``changes``."""
    if not changes:
        return []
    moment = at or datetime.now(UTC)
    connection = session.connection()
    event_ids = list(
        connection.scalars(
            _INSERT_EVENTS,
            [
                {
                    "invoice_id": change.invoice.id,
                    "flow": change.flow.value,
                    "code": change.code,
                    "at": moment,
                    "actor": change.actor,
                    "reason": change.reason,
                }
                for change in changes
            ],
        )
    )
    for change in changes:
        change.apply()
    fed = [
        (change.invoice, event_id) for change, event_id in zip(changes, event_ids, strict=True) if change.feed
    ]
    if fed:
        connection.execute(
            _INSERT_STATUS_DOCUMENTS,
            [
                {
                    "issuer_tax_id": invoice.issuer_tax_id,
                    "invoice_id": invoice.id,
                    "event_id": event_id,
                    "created_at": moment,
                }
                for invoice, event_id in fed
            ],
        )
        queue_for_events(session, fed, moment)
    return event_ids


_INSERT_EVENTS = insert(InvoiceEvent).returning(InvoiceEvent.id, sort_by_parameter_order=True)
_INSERT_STATUS_DOCUMENTS = insert(StatusDocument)


def record_status(
    session: Session,
    invoice: StatusSubject,
    flow: Flow,
    code: str,
    *,
    actor: str,
    reason: str | None = None,
    at: datetime | None = None,
    feed: bool = True,
) -> int:
    """One status change (see :func:`record_statuses`); returns its history row's id."""
    return record_statuses(session, [StatusChange(invoice, flow, code, actor, reason, feed)], at)[0]
