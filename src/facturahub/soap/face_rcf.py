"""The receiving registries' web service (RCF), FACe profile — ``POST /face/facturasrcf2``
(protocols.md §4).

Callers are platforms with the reception capability; each sees only the invoices addressed to the
accounting offices its platform is approved for (:mod:`facturahub.services.reception`). Each
handler reads its positional RPC/literal parameters, calls one use case and renders what a real
RCF client (aapp2face) reads; the list forms answer item by item.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable

from lxml import etree

from facturahub.domain import lifecycle
from facturahub.domain.lifecycle import Flow
from facturahub.domain.local_time import wire_time
from facturahub.domain.registry import Capability
from facturahub.errors import FacturahubError
from facturahub.services import invoices, reception, status_changes
from facturahub.services.status_changes import StatusRequest
from facturahub.soap import envelope as env
from facturahub.soap.face_suppliers import face_policy, factura_status
from facturahub.soap.profile import Call, Handler, Outcome, Profile
from facturahub.soap.rcf_codes import RCF_ERRORS
from facturahub.soap.wsdl.facturasrcf2 import NAMESPACE, facturasrcf2_wsdl
from facturahub.store.models import Invoice

PATH = "/face/facturasrcf2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
RESPONSE_PREFIX = "ns1"  # the target namespace's prefix on every response (envelope.response_envelope)
# FACe's order (consultarEstados as a real RCF client receives it)
STATES_ORDER = (
    "1200", "1300", "1400", "2100", "2300", "2400", "2500", "2600", "3100",
    "4100", "4200", "4400", "4300",
)  # fmt: skip
FLOW_NAMES = {Flow.PROCESSING: "ordinario", Flow.CANCELLATION: "anulación"}


def _holder(name: str) -> etree._Element:
    return etree.Element(name, nsmap=None)


def _typed(element: etree._Element, type_name: str) -> etree._Element:
    """A list holder typed explicitly: a bare empty element reads as None in a WSDL-built client,
    which then fails iterating over it; a typed one reads as an empty list. The prefix must be
    declared where the response is read — the envelope's own (the signed response is
    canonicalised, which drops a declaration used only inside an attribute value)."""
    element.set(f"{{{XSI}}}type", f"{RESPONSE_PREFIX}:{type_name}")
    return element


def _list_holder(name: str, type_name: str) -> etree._Element:
    return _typed(_holder(name), type_name)


# The element each operation answers after ``resultado``: its name, the WSDL type of the list ones,
# the fields of the others. A refused operation answers it empty, as FACe does and RCF clients read
# it: a list holder as an empty list, an object with each field empty (``null`` to zeep).
_FACTURA_CODE = ("numeroRegistro", "codigo")
ANSWERS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "consultarEstados": ("estados", "ArrayOfEstado", ()),
    "consultarUnidades": ("relaciones", "ArrayOfOGUTOC", ()),
    "solicitarNuevasFacturas": ("facturas", "ArrayOfSolicitarNuevasFacturas", ()),
    "descargarFactura": (
        "factura",
        None,
        ("numero", "serie", "importe", "proveedor", "nombre", "factura", "mime", "anexos"),
    ),
    "confirmarDescargaFactura": ("factura", None, ("numeroRegistro", "oficinaContable", "codigo")),
    "consultarFactura": ("factura", None, ("numeroRegistro", "tramitacion", "anulacion")),
    "consultarListadoFacturas": ("facturas", "ArrayOfConsultarListadoFacturas", ()),
    "cambiarEstadoFactura": ("factura", None, _FACTURA_CODE),
    "cambiarEstadoListadoFacturas": ("facturas", "ArrayOfCambiarEstadoListadoFacturas", ()),
    "consultarCodigoRCF": ("codigoRCF", None, ()),
    "cambiarCodigoRCF": ("codigoRCF", None, ()),
    "solicitarNuevasAnulaciones": ("facturas", "ArrayOfSolicitarNuevasAnulaciones", ()),
    "gestionarSolicitudAnulacionFactura": ("factura", None, _FACTURA_CODE),
    "gestionarSolicitudAnulacionListadoFacturas": (
        "facturas",
        "ArrayOfGestionarSolicitudAnulacionListadoFacturas",
        (),
    ),
}


def _answer_holder(operation: str) -> etree._Element:
    """The operation's answer holder, empty (a list one typed, so that it reads as a list)."""
    name, list_type, _fields = ANSWERS[operation]
    return _holder(name) if list_type is None else _list_holder(name, list_type)


def refusal_shape(operation: str) -> list[etree._Element]:
    if operation not in ANSWERS:
        return []
    holder = _answer_holder(operation)
    for field_name in ANSWERS[operation][2]:
        env.element(holder, field_name)
    return [holder]


def _scope(call: Call) -> reception.RegistryScope:
    return reception.registry_scope(call.session, call.caller)


# --- catalogues ---------------------------------------------------------------------------------


def consultar_estados(call: Call, operation: etree._Element) -> Outcome:
    estados = _answer_holder("consultarEstados")
    for code in STATES_ORDER:
        status = lifecycle.STATUSES[code]
        estado = env.element(estados, "Estado")
        env.element(estado, "flujo", FLOW_NAMES[status.flow])
        env.element(estado, "nombre", status.name)
        env.element(estado, "nombrePublico", status.public_name)
        env.element(estado, "codigo", status.code)
        env.element(estado, "descripcion", status.description)
    return Outcome([estados])


def consultar_unidades(call: Call, operation: etree._Element) -> Outcome:
    relaciones = _answer_holder("consultarUnidades")
    for managing_body, processing_unit, office in reception.registry_relations(call.session, _scope(call)):
        relacion = env.element(relaciones, "OGUTOC")
        env.unit(relacion, "organoGestor", *managing_body)
        env.unit(relacion, "unidadTramitadora", *processing_unit)
        env.unit(relacion, "oficinaContable", *office)
    return Outcome([relaciones])


# --- new invoices, download, confirmation -------------------------------------------------------


def _centres(parent: etree._Element, invoice: Invoice) -> None:
    env.element(parent, "numeroRegistro", invoice.registry_number)
    env.element(parent, "oficinaContable", invoice.office_code)
    env.element(parent, "organoGestor", invoice.managing_body_code)
    env.element(parent, "unidadTramitadora", invoice.processing_unit_code)


def solicitar_nuevas_facturas(call: Call, operation: etree._Element) -> Outcome:
    found = reception.new_invoices(call.session, _scope(call), env.text(operation, "oficinaContable"))
    facturas = _answer_holder("solicitarNuevasFacturas")
    for invoice in found:
        item = env.element(facturas, "solicitarNuevasFacturas")
        _centres(item, invoice)
        env.element(item, "fechaHoraRegistro", wire_time(invoice.received_at, call.settings.zone))
    return Outcome([facturas])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def descargar_factura(call: Call, operation: etree._Element) -> Outcome:
    download = reception.download_invoice(
        call.session, call.blobs, _scope(call), env.text(operation, "numeroRegistro")
    )
    invoice = download.invoice
    factura = _holder("factura")
    env.element(factura, "numero", invoice.number)
    env.element(factura, "serie", invoice.series)
    env.element(factura, "importe", invoice.total)
    env.element(factura, "proveedor", invoice.issuer_tax_id)
    env.element(factura, "nombre", download.invoice_file.name)
    env.element(factura, "factura", _b64(download.invoice_file.data))
    env.element(factura, "mime", download.invoice_file.mime)
    anexos = _typed(env.element(factura, "anexos"), "ArrayOfAnexoFile")  # a list, even empty
    for attachment in download.attachments:
        anexo = env.element(anexos, "AnexoFile")
        env.element(anexo, "anexo", _b64(attachment.data))
        env.element(anexo, "nombre", attachment.name)
        env.element(anexo, "mime", attachment.mime)
    return Outcome([factura])


def confirmar_descarga_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = reception.confirm_download(
        call.session,
        _scope(call),
        env.text(operation, "oficinaContable"),
        env.text(operation, "numeroRegistro"),
        env.text(operation, "codigoRCF"),
        now=call.now,
    )
    factura = _holder("factura")
    env.element(factura, "numeroRegistro", invoice.registry_number)
    env.element(factura, "oficinaContable", invoice.office_code)
    env.element(factura, "codigo", invoice.status_code)
    return Outcome([factura])


# --- queries ------------------------------------------------------------------------------------


def consultar_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = reception.find_invoice(call.session, _scope(call), env.text(operation, "numeroRegistro"))
    reasons = invoices.latest_reasons(call.session, [invoice.id])
    return Outcome([factura_status("factura", invoice.registry_number, invoice, reasons, as_supplier=False)])


def consultar_listado_facturas(call: Call, operation: etree._Element) -> Outcome:
    numbers = list(_item_texts(env.child(operation, "request")))
    listed = reception.list_invoices(call.session, _scope(call), numbers)
    reasons = invoices.latest_reasons(call.session, [f.id for _n, f in listed if isinstance(f, Invoice)])
    facturas = _answer_holder("consultarListadoFacturas")
    for number, found in listed:
        item = env.element(facturas, "consultarListadoFacturas")
        invoice = found if isinstance(found, Invoice) else None
        _item_result(item, found if isinstance(found, FacturahubError) else None, call)
        item.append(factura_status("factura", number, invoice, reasons, as_supplier=False))
    return Outcome([facturas])


def consultar_codigo_rcf(call: Call, operation: etree._Element) -> Outcome:
    code = reception.rcf_code(call.session, _scope(call), env.text(operation, "numeroRegistro"))
    holder = _holder("codigoRCF")
    if code:
        holder.text = code
    return Outcome([holder])


def cambiar_codigo_rcf(call: Call, operation: etree._Element) -> Outcome:
    code = reception.change_rcf_code(
        call.session, _scope(call), env.text(operation, "numeroRegistro"), env.text(operation, "codigoRCF")
    )
    holder = _holder("codigoRCF")
    holder.text = code
    return Outcome([holder])


def solicitar_nuevas_anulaciones(call: Call, operation: etree._Element) -> Outcome:
    pending = reception.pending_cancellations(
        call.session, _scope(call), env.text(operation, "oficinaContable")
    )
    facturas = _answer_holder("solicitarNuevasAnulaciones")
    for request in pending:
        item = env.element(facturas, "solicitarNuevasAnulaciones")
        _centres(item, request.invoice)
        env.element(item, "fechaHoraSolicitudAnulacion", wire_time(request.requested_at, call.settings.zone))
        env.element(item, "motivo", request.reason)
    return Outcome([facturas])


# --- status changes -----------------------------------------------------------------------------


def _status_request(parent: etree._Element) -> StatusRequest:
    return StatusRequest(
        office=env.text(parent, "oficinaContable"),
        registry_number=env.text(parent, "numeroRegistro"),
        code=env.text(parent, "codigo"),
        # "comentario": the name a real client (aapp2face) uses in the list forms
        comment=env.text(parent, "comentarios") or env.text(parent, "comentario"),
    )


def _factura_code(name: str, number: str | None, code: str | None) -> etree._Element:
    factura = _holder(name)
    env.element(factura, "numeroRegistro", number)
    env.element(factura, "codigo", code)
    return factura


def cambiar_estado_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = status_changes.change_status(call.session, _scope(call), _status_request(operation), call.now)
    return Outcome([_factura_code("factura", invoice.registry_number, invoice.status_code)])


def gestionar_solicitud_anulacion_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = status_changes.manage_cancellation(
        call.session, _scope(call), _status_request(operation), call.now
    )
    return Outcome([_factura_code("factura", invoice.registry_number, invoice.cancellation_code)])


def _batch(
    call: Call,
    operation: etree._Element,
    planner: status_changes.Planner,
    item_name: str,
    code_of: Callable[[status_changes.Applied], str],
) -> Outcome:
    requests = [_status_request(item) for item in _items(env.child(operation, "request"))]
    results = status_changes.apply_batch(call.session, _scope(call), requests, planner, call.now)
    facturas = _answer_holder(item_name)
    for request, found in results:
        item = env.element(facturas, item_name)
        if isinstance(found, FacturahubError):
            _item_result(item, found, call)
            item.append(_factura_code("factura", request.registry_number, None))
        else:
            _item_result(item, None, call)
            item.append(_factura_code("factura", found.invoice.registry_number, code_of(found)))
    return Outcome([facturas])


def cambiar_estado_listado_facturas(call: Call, operation: etree._Element) -> Outcome:
    return _batch(
        call,
        operation,
        status_changes.plan_status_change,
        "cambiarEstadoListadoFacturas",
        lambda applied: applied.status_code,
    )


def gestionar_solicitud_anulacion_listado_facturas(call: Call, operation: etree._Element) -> Outcome:
    return _batch(
        call,
        operation,
        status_changes.plan_cancellation_answer,
        "gestionarSolicitudAnulacionListadoFacturas",
        lambda applied: applied.cancellation_code,
    )


# --- list helpers -------------------------------------------------------------------------------


def _items(parent: etree._Element | None) -> list[etree._Element]:
    """The items of a request array, whatever the item element is called."""
    if parent is None:
        return []
    return [child for child in parent if isinstance(child.tag, str)]


def _item_texts(parent: etree._Element | None) -> Iterable[str]:
    for item in _items(parent):
        yield "".join(item.itertext()).strip()


def _item_result(item: etree._Element, error: FacturahubError | None, call: Call) -> None:
    result = RCF_ERRORS.success() if error is None else RCF_ERRORS.business(error, call.language)
    env.element(item, "codigo", result.code)
    env.element(item, "descripcion", result.description)


# --- the profile --------------------------------------------------------------------------------


OPERATIONS: dict[str, Handler] = {
    "consultarEstados": consultar_estados,
    "consultarUnidades": consultar_unidades,
    "solicitarNuevasFacturas": solicitar_nuevas_facturas,
    "descargarFactura": descargar_factura,
    "confirmarDescargaFactura": confirmar_descarga_factura,
    "consultarFactura": consultar_factura,
    "consultarListadoFacturas": consultar_listado_facturas,
    "cambiarEstadoFactura": cambiar_estado_factura,
    "cambiarEstadoListadoFacturas": cambiar_estado_listado_facturas,
    "consultarCodigoRCF": consultar_codigo_rcf,
    "cambiarCodigoRCF": cambiar_codigo_rcf,
    "solicitarNuevasAnulaciones": solicitar_nuevas_anulaciones,
    "gestionarSolicitudAnulacionFactura": gestionar_solicitud_anulacion_factura,
    "gestionarSolicitudAnulacionListadoFacturas": gestionar_solicitud_anulacion_listado_facturas,
}

FACE_RCF = Profile(
    name="face-rcf",
    queries=frozenset(
        {
            "consultarEstados",
            "consultarUnidades",
            "solicitarNuevasFacturas",
            "descargarFactura",
            "consultarFactura",
            "consultarListadoFacturas",
            "consultarCodigoRCF",
            "solicitarNuevasAnulaciones",
        }
    ),
    path=PATH,
    namespace=NAMESPACE,
    capability=Capability.RECEPTION,
    operations=OPERATIONS,
    errors=RCF_ERRORS,
    wsdl=facturasrcf2_wsdl,
    policy=face_policy,  # as FACe: Body-only signatures accepted, Timestamp optional
    refusal_shape=refusal_shape,
)
