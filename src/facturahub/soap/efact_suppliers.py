"""The suppliers' web service, eFACT profile — ``POST /efact/sspp`` (protocols.md §3; contract
``ws-proveedores-SOAP.md`` with ``anularFactura``).

The invoice operations (``enviarFactura``, ``consultarFactura``, ``consultarListadoFacturas``,
``consultarEstados``, ``anularFactura``) have FACe's shapes and codes; ``consultarFactura`` adds
``resultado/registroAdministrativo``. eFACT's intake differs from FACe's: at most 5 attachments
and 8 MB in total, eFACT's MIME list, and attachment names sanitised (``[A-Za-z0-9-_.+]``, 70
characters, ``_N`` position suffix). A signed ``wsu:Timestamp`` is mandatory.

The three status-download operations answer ``return{resultado, observaciones,
ficheroResultante}``: ``resultado`` ``0`` with the base64 ZIP, or ``1`` with the reason in
``observaciones`` (:mod:`facturahub.soap.efact_codes`). Each runs its use case in a SAVEPOINT of
its own, so an error leaves nothing behind while the request's signature stays consumed.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

from lxml import etree

from facturahub.config import Settings
from facturahub.domain.registry import Capability
from facturahub.errors import FacturahubError
from facturahub.services import intake, invoices, status_downloads
from facturahub.signatures.wssecurity import WSSPolicy
from facturahub.soap import efact_codes
from facturahub.soap import envelope as env
from facturahub.soap.efact_codes import EFACT_ERRORS
from facturahub.soap.face_suppliers import factura_status, listing, prepare_submission, submit, trust_store
from facturahub.soap.profile import Call, Handler, Outcome, Preparation, Profile
from facturahub.soap.wsdl.efact_sspp import NAMESPACE, efact_sspp_wsdl

PATH = "/efact/sspp"
CANCELLATION_REQUESTED = "Anulación solicitada correctamente"
MAX_ATTACHMENTS = 5
MAX_ATTACHMENTS_BYTES = 8 * 1024 * 1024
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

log = logging.getLogger("facturahub.soap")


def _holder(name: str) -> etree._Element:
    return etree.Element(name, nsmap=None)


# --- enviarFactura ------------------------------------------------------------------------------


def intake_policy(settings: Settings) -> intake.IntakePolicy:
    """eFACT: ≤ 5 attachments, ≤ 8 MB in total (never more than a request may carry), eFACT's
    MIME types, names sanitised."""
    return intake.IntakePolicy(
        production=settings.is_production,
        schema_dir=settings.facturae_schema_dir,
        max_invoice_bytes=settings.max_request_bytes,
        max_attachments=MAX_ATTACHMENTS,
        max_attachments_bytes=min(MAX_ATTACHMENTS_BYTES, settings.max_request_bytes),
        profile="efact",
        sanitise_attachment_names=True,
        attachment_mimes=intake.EFACT_ATTACHMENT_MIMES,
        trust_store=trust_store(settings),
        zone=settings.zone,
    )


def prepare_enviar_factura(
    preparation: Preparation, operation: etree._Element
) -> intake.PreparedInvoice | intake.RefusedInvoice:
    return prepare_submission(preparation, operation, intake_policy(preparation.settings))


def enviar_factura(call: Call, operation: etree._Element) -> Outcome:
    return submit(call, intake_policy(call.settings))


# --- invoice status -----------------------------------------------------------------------------


def consultar_factura(call: Call, operation: etree._Element) -> Outcome:
    invoice = invoices.get_invoice(call.session, call.caller, env.text(operation, "numeroRegistro"))
    # eFACT's "Número de Registro Administrativo": facturahub registers the invoice once, so it is
    # the registry number itself.
    registro = _holder("registroAdministrativo")
    registro.text = invoice.registry_number
    reasons = invoices.latest_reasons(call.session, [invoice.id])
    return Outcome(
        [factura_status("factura", invoice.registry_number, invoice, reasons)],
        result_extra=[registro],
    )


def consultar_listado_facturas(call: Call, operation: etree._Element) -> Outcome:
    return listing(call, operation, EFACT_ERRORS)


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


# --- status downloads ---------------------------------------------------------------------------


def _download_answer(resultado: str, observaciones: str | None, fichero: bytes | None) -> Outcome:
    """``return{resultado, observaciones, ficheroResultante}``; ``None`` is ``xsi:nil``, an empty
    string an empty element."""
    elements = [_holder("resultado")]
    elements[0].text = resultado
    for name, value in (
        ("observaciones", observaciones),
        ("ficheroResultante", None if fichero is None else base64.b64encode(fichero).decode("ascii")),
    ):
        element = _holder(name)
        if value is None:
            element.set(XSI_NIL, "true")
        elif value:
            element.text = value
        elements.append(element)
    return Outcome(elements, bare=True)


def _download(call: Call, operation: str, action: Callable[[], bytes | None], ok_text: str | None) -> Outcome:
    try:
        with call.session.begin_nested():
            document = action()
    except FacturahubError as error:
        if EFACT_ERRORS.is_fault(error):
            raise
        log.info(
            "soap %s refused: %s",
            operation,
            error.key,
            extra={"tracking_id": call.tracking_id, "key": error.key},
        )
        observation = efact_codes.download_observation(error, call.language)
        return _download_answer(efact_codes.DOWNLOAD_ERROR, observation, None)
    return _download_answer(efact_codes.DOWNLOAD_OK, ok_text, document)


def solicitud_descargas_estados(call: Call, operation: etree._Element) -> Outcome:
    issuer = env.text(operation, "identificadorEmisor")
    return _download(
        call,
        "solicitudDescargasEstados",
        lambda: status_downloads.pending_index(
            call.session, call.caller, issuer or "", call.now, zone=call.settings.zone
        ),
        efact_codes.DOWNLOAD_OK_TEXT,
    )


def peticion_descargas_estados(call: Call, operation: etree._Element) -> Outcome:
    request = env.child(operation, "peticionDescargas")

    def action() -> bytes:
        issuer = env.text(request, "identificadorEmisor") or ""
        doc_id = env.text(request, "indiceDescarga") or ""
        status_downloads.normalise_issuer(issuer)  # a bad issuer is reported before a bad option
        mark = status_downloads.parse_mark_option(env.text(request, "opcionMarcado"))
        return status_downloads.download(
            call.session, call.caller, issuer, doc_id, mark, call.now, zone=call.settings.zone
        )

    return _download(call, "peticionDescargasEstados", action, "")


def confirmacion_descargas_estados(call: Call, operation: etree._Element) -> Outcome:
    request = env.child(operation, "confirmacionDescargas")

    def action() -> None:
        status_downloads.confirm(
            call.session,
            call.caller,
            env.text(request, "identificadorEmisor") or "",
            env.text(request, "indiceDescarga") or "",
            call.now,
        )

    return _download(call, "confirmacionDescargasEstados", action, None)


# --- the profile --------------------------------------------------------------------------------

OPERATIONS: dict[str, Handler] = {
    "enviarFactura": enviar_factura,
    "consultarFactura": consultar_factura,
    "consultarListadoFacturas": consultar_listado_facturas,
    "consultarEstados": consultar_estados,
    "anularFactura": anular_factura,
    "solicitudDescargasEstados": solicitud_descargas_estados,
    "peticionDescargasEstados": peticion_descargas_estados,
    "confirmacionDescargasEstados": confirmacion_descargas_estados,
}


def efact_policy(settings: Settings) -> WSSPolicy:
    """eFACT: a signed ``wsu:Timestamp`` is mandatory (WSSPolicy's defaults)."""
    return WSSPolicy(
        require_timestamp=True,
        require_signed_timestamp=True,
        clock_skew_seconds=settings.clock_skew_seconds,
        max_lifetime_seconds=settings.timestamp_max_lifetime_seconds,
    )


EFACT_SUPPLIERS = Profile(
    name="efact",
    path=PATH,
    namespace=NAMESPACE,
    capability=Capability.SENDING,
    operations=OPERATIONS,
    errors=EFACT_ERRORS,
    wsdl=efact_sspp_wsdl,
    policy=efact_policy,
    preparers={"enviarFactura": prepare_enviar_factura},
)
