"""The status changes a receiving registry (RCF) makes (protocols.md §4, §5): processing states
through ``cambiarEstadoFactura`` and the answer to a cancellation request through
``gestionarSolicitudAnulacionFactura``, one at a time or in batches of up to 100.

Each item is first *planned*: every check runs against the invoice as the earlier items of the
same batch left it, and nothing is written; a refused item leaves nothing behind and does not stop
the others. Then every accepted change of the batch is recorded at once through
:func:`facturahub.services.status_feed.record_statuses` (history, status downloads,
notifications) — a handful of statements for 100 changes. The batch's invoices are locked
``FOR UPDATE`` first, in id order (rule D4): two registries racing on one invoice are applied one
after the other, the second judged against the state the first one left, and batches naming the
same invoices in different orders wait for each other instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.errors import Conflict, FacturahubError, InvalidInput
from facturahub.services.invoices import release_duplicate_key
from facturahub.services.reception import RegistryScope, check_invoice_office, find_invoice, lock_invoices
from facturahub.services.status_feed import StatusChange, record_statuses
from facturahub.store.models import Invoice

MAX_BATCH = 100
MAX_COMMENT = 2000
# reached only as the effect of another operation, never through cambiarEstadoFactura
NOT_THROUGH_CHANGE = frozenset({lifecycle.REGISTERED, "1300", lifecycle.CANCELLED})
CANCELLATION_ANSWERS = frozenset({lifecycle.CANCELLATION_ACCEPTED, lifecycle.CANCELLATION_REJECTED})


@dataclass(frozen=True)
class StatusRequest:
    """One item of a change: ``{oficinaContable, numeroRegistro, codigo, comentarios}``."""

    office: str | None
    registry_number: str | None
    code: str | None
    comment: str | None


@dataclass(frozen=True)
class Applied:
    """An accepted item, with the codes as *this* item left them: a later item of the same batch
    may move the invoice on, and each item is answered with its own effect."""

    invoice: Invoice
    status_code: str
    cancellation_code: str


ItemResult = tuple[StatusRequest, Applied | FacturahubError]
Locked = Mapping[str, Invoice]  # the batch's invoices, locked, by registry number
Planner = Callable[[Session, RegistryScope, StatusRequest, Locked], tuple[Invoice, list[StatusChange]]]


def _invoice(session: Session, scope: RegistryScope, request: StatusRequest, locked: Locked) -> Invoice:
    found = locked.get((request.registry_number or "").strip())
    return found if found is not None else find_invoice(session, scope, request.registry_number)


def plan_status_change(
    session: Session, scope: RegistryScope, request: StatusRequest, locked: Locked
) -> tuple[Invoice, list[StatusChange]]:
    """cambiarEstadoFactura: a legal forward move of the processing flow (1400, 2100, 2300, 2400,
    2500, or 2600 before 2400); 1200, 1300, 3100 and the cancellation codes are reached only
    through their own operations. An invoice whose download is not confirmed (1200) may only be
    rejected: any other step would close the only state in which the registry can download it."""
    code = _status_code(request.code)
    if code in NOT_THROUGH_CHANGE or lifecycle.status(code).flow is not Flow.PROCESSING:
        raise Conflict("reception.transition_not_here", code=code)
    comment = _comment(request.comment)
    invoice = _invoice(session, scope, request, locked)
    check_invoice_office(invoice, request.office)
    lifecycle.check_processing_transition(invoice.status_code, code)
    if invoice.status_code == lifecycle.REGISTERED and code != lifecycle.REJECTED:
        raise Conflict("reception.download_not_confirmed", registry_number=invoice.registry_number, code=code)
    return invoice, [StatusChange(invoice, Flow.PROCESSING, code, scope.actor, comment)]


def plan_cancellation_answer(
    session: Session, scope: RegistryScope, request: StatusRequest, locked: Locked
) -> tuple[Invoice, list[StatusChange]]:
    """gestionarSolicitudAnulacionFactura: accept (4300, the invoice becomes 3100 and no longer
    blocks a resubmission) or reject (4400) a pending cancellation request (4200)."""
    code = _status_code(request.code)
    if code not in CANCELLATION_ANSWERS:
        raise Conflict("reception.cancellation_answer", code=code)
    comment = _comment(request.comment)
    invoice = _invoice(session, scope, request, locked)
    check_invoice_office(invoice, request.office)
    if invoice.cancellation_code != lifecycle.CANCELLATION_REQUESTED:
        raise Conflict(
            "reception.no_cancellation_request",
            registry_number=invoice.registry_number,
            current=invoice.cancellation_code,
        )
    changes = [StatusChange(invoice, Flow.CANCELLATION, code, scope.actor, comment)]
    if code == lifecycle.CANCELLATION_ACCEPTED:
        lifecycle.check_processing_transition(invoice.status_code, lifecycle.CANCELLED, via_cancellation=True)
        changes.append(StatusChange(invoice, Flow.PROCESSING, lifecycle.CANCELLED, scope.actor, comment))
    return invoice, changes


def change_status(session: Session, scope: RegistryScope, request: StatusRequest, now: datetime) -> Invoice:
    return _one(session, scope, request, plan_status_change, now)


def manage_cancellation(
    session: Session, scope: RegistryScope, request: StatusRequest, now: datetime
) -> Invoice:
    return _one(session, scope, request, plan_cancellation_answer, now)


def _one(
    session: Session, scope: RegistryScope, request: StatusRequest, planner: Planner, now: datetime
) -> Invoice:
    [(_, result)] = apply_batch(session, scope, [request], planner, now)
    if isinstance(result, FacturahubError):
        raise result
    return result.invoice


def apply_batch(
    session: Session,
    scope: RegistryScope,
    requests: Sequence[StatusRequest],
    planner: Planner,
    now: datetime,
) -> list[ItemResult]:
    """The list forms (and, with one item, the single ones): at most 100 items, each answered on
    its own; the accepted changes are recorded together."""
    if len(requests) > MAX_BATCH:
        raise InvalidInput("reception.batch_too_large", count=len(requests), limit=MAX_BATCH)
    locked = lock_invoices(session, scope, (request.registry_number for request in requests))
    results: list[ItemResult] = []
    accepted: list[StatusChange] = []
    for request in requests:
        try:
            invoice, changes = planner(session, scope, request, locked)
        except FacturahubError as error:
            results.append((request, error))
            continue
        for change in changes:  # later items of the batch see this item's effect
            change.apply()
        accepted.extend(changes)
        results.append((request, Applied(invoice, invoice.status_code, invoice.cancellation_code)))
    record_statuses(session, accepted, at=now)
    for change in accepted:
        if change.code == lifecycle.CANCELLATION_ACCEPTED:
            release_duplicate_key(session, change.invoice.id)
    return results


def _status_code(code: str | None) -> str:
    text = (code or "").strip()
    if not text:
        raise InvalidInput("reception.status_code_required")
    lifecycle.status(text)  # 405 for a code that does not exist
    return text


def _comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput("reception.comment_too_long", length=len(text), limit=MAX_COMMENT)
    return text or None
