"""The suppliers' web service, FACe profile — ``POST /face/facturasspp2`` (protocols.md §2).

Each handler reads its RPC/literal parameters from the verified operation element, calls one use
case and renders the ``return`` children FACe clients expect.
"""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from facturahub.config import Settings
from facturahub.domain.lifecycle import Flow, supplier_code
from facturahub.domain.local_time import wire_time
from facturahub.domain.registry import Capability
from facturahub.errors import FacturahubError, InvalidInput
from facturahub.services import intake, invoices
from facturahub.signatures.trust import TrustStore, load_trust_store
from facturahub.signatures.wssecurity import WSSPolicy
from facturahub.soap import envelope as env
from facturahub.soap import face_codes
from facturahub.soap.profile import Call, ErrorMapper, Handler, Outcome, Preparation, Profile, Result
from facturahub.soap.wsdl.facturasspp2 import NAMESPACE, facturasspp2_wsdl

PATH = "/face/facturasspp2"
CANCELLATION_REQUESTED = "Anulación solicitada correctamente"


def _holder(name: str) -> etree._Element:
    return etree.Element(name, nsmap=None)


# --- enviarFactura ------------------------------------------------------------------------------


def prepare_enviar_factura(
    preparation: Preparation, operation: etree._Element
) -> intake.PreparedInvoice | intake.RefusedInvoice:
    return prepare_submission(preparation, operation, intake_policy(preparation.settings))


def enviar_factura(call: Call, operation: etree._Element) -> Outcome:
    return submit(call, intake_policy(call.settings))


def prepare_submission(
    preparation: Preparation, operation: etree._Element, policy: intake.IntakePolicy
) -> intake.PreparedInvoice | intake.RefusedInvoice:
    """enviarFactura of both suppliers' profiles, first phase (no database): read the request and
    run every check that needs no database."""
    request = env.child(operation, "request")
    if request is None:
        raise InvalidInput("soap.parameter_missing", name="request")
    invoice_file = env.child(request, "factura")
    submission = intake.Submission(
        invoice=intake.decode_base64(env.text(invoice_file, "factura"), "factura"),
        file_name=env.text(invoice_file, "nombre") or "",
        mime=env.text(invoice_file, "mime") or "",
        email=env.text(request, "correo"),
        attachments=tuple(
            intake.Attachment(
                name=env.text(item, "nombre") or "",
                mime=env.text(item, "mime") or "",
                data=intake.decode_base64(env.text(item, "anexo"), f"anexos/anexo[{position}]"),
            )
            for position, item in enumerate(env.children(env.child(request, "anexos"), "anexo"), start=1)
        ),
    )
    return intake.prepare_invoice(preparation.blobs, submission, policy)


def submit(call: Call, policy: intake.IntakePolicy) -> Outcome:
    """enviarFactura of both suppliers' profiles, second phase (in the write transaction):
    register the prepared invoice and describe the result."""
    prepared = call.prepared
    if not isinstance(prepared, intake.PreparedInvoice | intake.RefusedInvoice):  # pragma: no cover
        raise TypeError("enviarFactura runs only after its preparer")
    invoice = intake.register_invoice(call.session, call.caller, prepared, policy, now=call.now)
    factura = _holder("factura")
    for name, value in (
        ("numeroRegistro", invoice.registry_number),
        ("organoGestor", invoice.managing_body_code),
        ("unidadTramitadora", invoice.processing_unit_code),
        ("oficinaContable", invoice.office_code),
        ("identificadorEmisor", invoice.issuer_tax_id),
        ("numeroFactura", invoice.number),
        ("serieFactura", invoice.series),
        ("fechaRecepcion", wire_time(invoice.received_at, call.settings.zone)),
    ):
        env.element(factura, name, value)
    return Outcome([factura], tracking_id=invoice.tracking_id)


def intake_policy(settings: Settings) -> intake.IntakePolicy:
    return intake.IntakePolicy(
        production=settings.is_production,
        schema_dir=settings.facturae_schema_dir,
        max_invoice_bytes=settings.max_request_bytes,
        max_attachments_bytes=settings.max_request_bytes,
        profile="face",
        trust_store=trust_store(settings),
        zone=settings.zone,
    )


def trust_store(settings: Settings) -> TrustStore | None:
    """The configured trust store for invoice signatures (read once, again when the file changes)."""
    return None if settings.trust_store is None else load_trust_store(settings.trust_store)


# --- invoice status -----------------------------------------------------------------------------


Reasons = dict[tuple[int, str], str | None]


class HasStatus(Protocol):
    """An invoice as a status answer reads it (a stored ``Invoice`` or an :class:`invoices.InvoiceState`)."""

    @property
    def id(self) -> int: ...

    @property
    def status_code(self) -> str: ...

    @property
    def cancellation_code(self) -> str: ...


def _status_template(name: str) -> etree._Element:
    holder = _holder(name)
    for child in ("codigo", "descripcion", "motivo"):
        env.element(holder, child)
    return holder


# FACe's ``factura`` of a status answer, built once and copied per invoice: a listing of 500 makes
# 6,500 elements, which copying builds about twice as fast as creating them one by one.
_FOUND = _holder("factura")
env.element(_FOUND, "numeroRegistro")
_FOUND.extend([_status_template("tramitacion"), _status_template("anulacion")])
_MISSING = _holder("factura")
for _name in ("numeroRegistro", "tramitacion", "anulacion"):
    env.element(_MISSING, _name)
_ITEM = _holder("consultarListadoFactura")
env.element(_ITEM, "codigo")
env.element(_ITEM, "descripcion")


def _fill_status(holder: etree._Element, code: str, reason: str | None, as_supplier: bool) -> None:
    codigo, descripcion, motivo = holder
    code = supplier_code(code) if as_supplier else code
    env.set_text(codigo, code)
    env.set_text(descripcion, invoices.status_texts(code)[1])
    env.set_text(motivo, reason)


def factura_status(
    name: str, number: str, invoice: HasStatus | None, reasons: Reasons, *, as_supplier: bool = True
) -> etree._Element:
    """``{numeroRegistro, tramitacion{codigo, descripcion, motivo}, anulacion{…}}``; the two flows
    are empty elements for an invoice that cannot be shown. A supplier is shown the public codes
    (:func:`supplier_code`), a registry its own."""
    factura = (
        _MISSING if invoice is None else _FOUND
    ).__copy__()  # a deep copy, minus copy.deepcopy's overhead
    factura.tag = name
    env.set_text(factura[0], number)
    if invoice is not None:
        processing = reasons.get((invoice.id, Flow.PROCESSING.value))
        cancellation = reasons.get((invoice.id, Flow.CANCELLATION.value))
        _fill_status(factura[1], invoice.status_code, processing, as_supplier)
        _fill_status(factura[2], invoice.cancellation_code, cancellation, as_supplier)
    return factura


def consultar_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = invoices.get_invoice(call.session, call.caller, env.text(operation, "numeroRegistro"))
    reasons = invoices.latest_reasons(call.session, [invoice.id])
    return Outcome([factura_status("factura", invoice.registry_number, invoice, reasons)])


def consultar_listado_facturas(call: Call, operation: etree._Element) -> Outcome:
    return listing(call, operation, FACE_ERRORS)


def listing(call: Call, operation: etree._Element, errors: ErrorMapper) -> Outcome:
    """consultarListadoFacturas of both suppliers' profiles: one item per number, in order."""
    numbers = list(env.texts(env.child(operation, "request"), "numeroRegistro"))
    facturas = _holder("facturas")
    listed = invoices.list_invoices(call.session, call.caller, numbers)
    reasons = invoices.latest_reasons(
        call.session, [f.id for _n, f in listed if isinstance(f, invoices.InvoiceState)]
    )
    ok = errors.success()
    for number, found in listed:
        item = _ITEM.__copy__()
        facturas.append(item)
        codigo, descripcion = item
        if isinstance(found, FacturahubError):
            result = errors.business(found, call.language)
            env.set_text(codigo, result.code)
            env.set_text(descripcion, result.description)
            item.append(factura_status("factura", number, None, reasons))
        else:
            env.set_text(codigo, ok.code)
            env.set_text(descripcion, ok.description)
            item.append(factura_status("factura", number, found, reasons))
    return Outcome([facturas])


def anular_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = invoices.request_cancellation(
        call.session,
        call.caller,
        env.text(operation, "numeroRegistro") or "",
        env.text(operation, "motivo"),
        now=call.now,
    )
    factura = _holder("factura")
    env.element(factura, "numeroRegistro", invoice.registry_number)
    env.element(factura, "mensaje", CANCELLATION_REQUESTED)
    return Outcome([factura])


def consultar_estados(call: Call, operation: etree._Element) -> Outcome:
    estados = _holder("estados")
    for name, code, description in invoices.supplier_status_catalogue():
        estado = env.element(estados, "estado")
        env.element(estado, "nombre", name)
        env.element(estado, "codigo", code)
        env.element(estado, "descripcion", description)
    return Outcome([estados])


# --- directory ----------------------------------------------------------------------------------


def _relations(call: Call, administration: str | None) -> Outcome:
    relaciones = _holder("relaciones")
    for managing_body, processing_unit, office in invoices.relations(call.session, administration):
        relacion = env.element(relaciones, "relacion")
        env.unit(relacion, "organoGestor", *managing_body)
        env.unit(relacion, "unidadTramitadora", *processing_unit)
        env.unit(relacion, "oficinaContable", *office)
    return Outcome([relaciones])


def _nifs(call: Call, administration: str | None) -> Outcome:
    holder = _holder("nifs")
    for managing_body, nif in invoices.nifs(call.session, administration):
        info = env.element(holder, "info")
        env.unit(info, "organoGestor", *managing_body)
        env.element(info, "nif", nif)
    return Outcome([holder])


def _administrations(call: Call, operation: etree._Element) -> Outcome:
    holder = _holder("administraciones")
    for code, name in invoices.administrations(call.session):
        env.unit(holder, "administracion", code, name)
    return Outcome([holder])


def consultar_unidades(call: Call, operation: etree._Element) -> Outcome:
    return _relations(call, None)


def consultar_unidades_por_administracion(call: Call, operation: etree._Element) -> Outcome:
    return _relations(call, env.required_text(operation, "codigoDir"))


def consultar_nifs(call: Call, operation: etree._Element) -> Outcome:
    return _nifs(call, None)


def consultar_nifs_por_administracion(call: Call, operation: etree._Element) -> Outcome:
    return _nifs(call, env.required_text(operation, "codigoDir"))


# --- the profile --------------------------------------------------------------------------------


class FaceErrors:
    """FACe's codes and texts (:mod:`facturahub.soap.face_codes`)."""

    def fault(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.fault_result(error, language)
        return Result(found.code, found.description)

    def business(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.business_result(error, language)
        return Result(found.code, found.description)

    def is_fault(self, error: FacturahubError) -> bool:
        return face_codes.is_security_fault(error)

    def success(self) -> Result:
        return Result(face_codes.OK_CODE, face_codes.OK_TEXT)


FACE_ERRORS = FaceErrors()

OPERATIONS: dict[str, Handler] = {
    "enviarFactura": enviar_factura,
    "consultarFactura": consultar_factura,
    "consultarListadoFacturas": consultar_listado_facturas,
    "anularFactura": anular_factura,
    "consultarEstados": consultar_estados,
    "consultarUnidades": consultar_unidades,
    "consultarUnidadesPorAdministracion": consultar_unidades_por_administracion,
    "consultarNIFs": consultar_nifs,
    "consultarNIFsPorAdministracion": consultar_nifs_por_administracion,
    "consultarAdministraciones": _administrations,
    "consultarAdministracionesRepositorio": _administrations,
}


# the queries whose answer grows with the directory (Profile.large_answers)
LARGE_ANSWERS = frozenset(
    {
        "consultarUnidades",
        "consultarUnidadesPorAdministracion",
        "consultarNIFs",
        "consultarNIFsPorAdministracion",
        "consultarAdministraciones",
        "consultarAdministracionesRepositorio",
    }
)
QUERIES = frozenset({"consultarFactura", "consultarListadoFacturas", "consultarEstados"}) | LARGE_ANSWERS


def face_policy(settings: Settings) -> WSSPolicy:
    """FACe: Body-only signatures are accepted (FACe's own example); a Timestamp is optional."""
    return WSSPolicy(
        require_timestamp=False,
        require_signed_timestamp=False,
        clock_skew_seconds=settings.clock_skew_seconds,
        max_lifetime_seconds=settings.timestamp_max_lifetime_seconds,
    )


FACE_SUPPLIERS = Profile(
    name="face",
    queries=QUERIES,
    large_answers=LARGE_ANSWERS,
    path=PATH,
    namespace=NAMESPACE,
    capability=Capability.SENDING,
    operations=OPERATIONS,
    errors=FACE_ERRORS,
    wsdl=facturasspp2_wsdl,
    policy=face_policy,
    preparers={"enviarFactura": prepare_enviar_factura},
)
