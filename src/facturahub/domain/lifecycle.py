"""Invoice lifecycle (protocols.md §5): two independent flows with their codes, names and the legal
transitions. Pure rules; the services append history rows and update the current codes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from facturahub.errors import Conflict, InvalidInput


class Flow(StrEnum):
    PROCESSING = "processing"  # tramitación (FACe "ordinario")
    CANCELLATION = "cancellation"  # anulación


@dataclass(frozen=True)
class Status:
    code: str
    flow: Flow
    name: str
    public_name: str
    description: str


STATUSES: dict[str, Status] = {
    s.code: s
    for s in (
        Status(
            "1200",
            Flow.PROCESSING,
            "Registrada",
            "Registrada",
            "La factura ha sido registrada en el registro electrónico REC",
        ),
        Status(
            "1300",
            Flow.PROCESSING,
            "Registrada en RCF",
            "Registrada en RCF",
            "La factura ha sido registrada en RCF",
        ),
        Status(
            "1400",
            Flow.PROCESSING,
            "Verificada en RCF",
            "Registrada en RCF",
            "la factura ha sido verificada en RCF",
        ),
        Status(
            "2100",
            Flow.PROCESSING,
            "Recibida en destino",
            "Registrada en RCF",
            "La Unidad ha recibido la factura",
        ),
        Status(
            "2300",
            Flow.PROCESSING,
            "Conformada",
            "Registrada en RCF",
            "La Unidad Tramitadora ha aceptado el pago de la factura remitida",
        ),
        Status(
            "2400",
            Flow.PROCESSING,
            "Contabilizada la obligación reconocida",
            "Contabilizada la obligación reconocida",
            "Contabilizada la obligación reconocida",
        ),
        Status("2500", Flow.PROCESSING, "Pagada", "Pagada", "Factura pagada"),
        Status("2600", Flow.PROCESSING, "Rechazada", "Rechazada", "La Unidad rechaza la factura"),
        Status("3100", Flow.PROCESSING, "Anulada", "Anulada", "La Unidad aprueba la propuesta de anulación"),
        Status(
            "4100",
            Flow.CANCELLATION,
            "No solicitada anulación",
            "No solicitada anulación",
            "No solicitada anulación",
        ),
        Status(
            "4200", Flow.CANCELLATION, "Solicitada anulación", "Solicitada anulación", "Solicitada anulación"
        ),
        Status("4300", Flow.CANCELLATION, "Aceptada anulación", "Aceptada anulación", "Aceptada anulación"),
        Status(
            "4400", Flow.CANCELLATION, "Rechazada anulación", "Rechazada anulación", "Rechazada anulación"
        ),
    )
}

REGISTERED = "1200"
NOT_REQUESTED = "4100"
CANCELLATION_REQUESTED = "4200"
CANCELLATION_ACCEPTED = "4300"
CANCELLATION_REJECTED = "4400"
CANCELLED = "3100"
PAID = "2500"
REJECTED = "2600"
FINAL = frozenset({PAID, REJECTED, CANCELLED})
_ORDER = ["1200", "1300", "1400", "2100", "2300", "2400", "2500"]
# What suppliers are shown (FACe's suppliers' specification, appendix B; §5's public names): the
# registry's own steps after the download (1400, 2100, 2300) are all "Registrada en RCF", 1300.
SUPPLIER_CATALOGUE = ("1200", "1300", "2400", "2500", "2600", "3100", "4100", "4200", "4300", "4400")
_SUPPLIER_CODES = {"1400": "1300", "2100": "1300", "2300": "1300"}


def supplier_code(code: str) -> str:
    """``code`` as the supplier's services show it: one of :data:`SUPPLIER_CATALOGUE`."""
    return _SUPPLIER_CODES.get(code, code)


def status(code: str) -> Status:
    found = STATUSES.get(code)
    if found is None:
        raise InvalidInput("lifecycle.unknown_status", code=code)
    return found


def check_processing_transition(current: str, target: str, *, via_cancellation: bool = False) -> None:
    """Only forward moves; 2600 from any state before 2400; 3100 only as the effect of an accepted
    cancellation; final states are final."""
    status(target)
    if current in FINAL:
        raise Conflict("lifecycle.final_state", current=current, target=target)
    if target == CANCELLED:
        if not via_cancellation:
            raise Conflict("lifecycle.cancel_only_by_request", current=current)
        return
    if target == REJECTED:
        if _ORDER.index(current) >= _ORDER.index("2400"):
            raise Conflict("lifecycle.reject_too_late", current=current)
        return
    if target not in _ORDER or _ORDER.index(target) <= _ORDER.index(current):
        raise Conflict("lifecycle.not_forward", current=current, target=target)


def check_cancellation_request(processing: str, cancellation: str) -> None:
    """May the supplier ask to cancel? (FACe codes 304–307)."""
    if cancellation == CANCELLATION_ACCEPTED or processing == CANCELLED:
        raise Conflict("invoice.cancellation_already_accepted")
    if cancellation == CANCELLATION_REQUESTED:
        raise Conflict("invoice.cancellation_already_requested")
    if processing == REJECTED:
        raise Conflict("invoice.cancellation_rejected_invoice")
    if processing == PAID:
        raise Conflict("invoice.cancellation_paid")
