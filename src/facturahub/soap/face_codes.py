"""The FACe profile's result codes: the one place where error keys become FACe codes and texts
(``servicio-web-facturasspp.txt`` §4.2.2, protocols.md §2.1).

``descripcion`` is FACe's own text followed by our precise message (``"<FACe text>: <message>"``);
security and envelope errors (100-106, 300) are answered as SOAP Faults, everything else as a
``resultado`` inside an HTTP 200 response.
"""

from __future__ import annotations

from dataclasses import dataclass

from facturahub.errors import FacturahubError, NotFound, PermissionDenied
from facturahub.signatures.xades import POLICY_ERROR_KEYS

OK_CODE = "0"
OK_TEXT = "Correcto"
GENERIC = "001"

TEXTS: dict[str, str] = {
    "0": OK_TEXT,
    "001": "Mensaje genérico (El proceso finalizó con error)",
    "100": "La firma de la petición SOAP no es válida",
    "101": "La petición SOAP viene vacía",
    "102": "La petición SOAP no está bien construida: no se encuentra el SOAP Envelope",
    "103": "La petición SOAP no está bien construida: no se encuentra el SOAP Body",
    "104": "La petición SOAP no está bien construida: no se encuentra el SOAP Header",
    "106": "El certificado usado en la firma soap esta en una lista de bloqueo o es de pruebas",
    "300": (
        "El certificado electrónico no está dado de alta. Para la presentación automatizada de "
        "facturas es necesario registrarse previamente"
    ),
    "301": (
        "No puede consultar el estado de la factura, la factura ha sido presentada por otro sistema proveedor"
    ),
    "302": "Debe especificarse un motivo de anulación",
    "303": "No existe factura con el número de registro especificado",
    "304": "La factura ya tiene aceptada su anulación",
    "305": "La factura fue rechazada, no se permite solicitar anulación",
    "306": "La factura fue pagada, no se permite solicitar anulación",
    "307": "La factura ya tiene solicitada su anulación",
    "308": "No tiene permisos para solicitar la anulación de esta factura",
    "309": "Se ha excedido el número de facturas permitidas a enviar en el método",
    "310": "Algún parámetro obligatorio aparece vacío",
    "311": "El MIME de la factura es incorrecto",
    "312": "Se ha encontrado un MIME de anexo incorrecto",
    "313": "Es obligatorio el número de registro",
    "401": "No se pudo validar la factura",
    "402": "No se pudo guardar la factura",
    "405": "No existe el código de estado",
    "406": "Transición de estado no permitida",
    "407": "Transición no disponible",
    "408": "Formato de la factura es incorrecto",
    "409": "No existe o inactiva el Órgano Gestor",
    "410": "No existe o inactiva la Unidad Tramitadora",
    "411": "No existe o inactiva la Oficina Contable",
    "412": "La Unidad Tramitadora, Órgano Gestor u Oficina contable especificados no están relacionados",
    "413": (
        "La Unidad Tramitadora, Órgano Gestor o Oficina contable especificados no tienen activa la "
        "relación y no acepta facturas"
    ),
    "414": "Ya existe una factura con ese número",
    "415": "Ya existe una factura con esa serie, número y fecha de expedición",
    "416": "El número de centros administrativos es incorrecto",
    "417": "No se ha encontrado código en el centro administrativo",
    "419": "Sólo se aceptan facturas de modalidad individual",
    "425": "El número de facturas es incorrecto",
    "426": "Para el medio de pago indicado es obligatorio incluir el IBAN",
    "428": "La firma de la factura es incorrecta",
    "430": "Formato de la factura es incorrecto, no se pudo determinar la versión de la factura",
    "431": "Se encontró un error de formato fecha en la factura, por favor revise la factura",
    "433": "Se ha excedido en el número de anexos",
    "440": "La política de firma no es correcta",
    "441": "No se permiten unidades de prueba en este entorno",
    "442": "El certificado usado en la firma de la factura esta en una lista de bloqueo o es de pruebas",
    "445": "El número de factura es obligatorio",
    "446": "La descripción de las líneas de la factura es obligatoria",
    "447": "El DNI del emisor es incorrecto",
    "900": "Se ha excedido del límite de caracteres",
}

# Envelope and security errors: answered as a SOAP Fault.
_FAULT_CODES: dict[str, str] = {
    "wss.request_empty": "101",
    "wss.no_envelope": "102",
    "xml.malformed": "102",
    "xml.doctype_forbidden": "102",
    "xml.entity_forbidden": "102",
    "xml.too_many_namespaces": "102",
    "xml.too_many_attributes": "102",
    "wss.no_body": "103",
    "wss.no_header": "104",
    "wss.certificate_unknown": "300",
    "caller.certificate_unknown": "300",
    "caller.certificate_unassigned": "300",
    "caller.platform_deleted": "300",
    "caller.capability_missing": "300",
    # a registered certificate outside its validity period: the request's signature is not valid
    "caller.certificate_expired": "100",
    "caller.certificate_not_yet_valid": "100",
    "caller.test_certificate": "106",  # production mode only
    "caller.certificate_blocked": "106",  # every mode
    "soap.request_too_large": GENERIC,
    "soap.content_type": GENERIC,
    "soap.operation_unknown": GENERIC,
    "soap.internal_error": GENERIC,
    "store.unavailable": GENERIC,
}

# Business errors: answered in ``resultado``.
_RESULT_CODES: dict[str, str] = {
    # transport-level parameter checks
    "soap.parameter_missing": "310",
    "soap.base64_invalid": "408",
    # intake
    "intake.invoice_required": "310",
    "intake.email_invalid": "310",
    "intake.file_name": "311",
    "intake.invoice_mime": "311",
    "intake.base64_invalid": "408",
    # the invoice itself is not acceptable XML (§6.2); the envelope's own XML errors are faults
    "intake.invoice_malformed": "408",
    "intake.invoice_doctype_forbidden": "408",
    "intake.invoice_entity_forbidden": "408",
    "intake.invoice_too_large": "408",
    "intake.value_too_long": "900",
    "intake.attachment_mime": "312",
    "intake.attachment_empty": "310",
    "intake.too_many_attachments": "433",
    "intake.attachments_too_large": "433",
    "intake.test_certificate": "442",
    "intake.certificate_blocked": "442",
    "intake.storage_failed": "402",
    "intake.database_failed": "402",
    "intake.certificate_expired_at_signing": "428",
    # the signing certificate's chain against the trust store (signatures/trust.py)
    "xades.chain_untrusted_root": "428",
    "xades.chain_issuer_missing": "428",
    "xades.chain_not_a_ca": "428",
    "xades.chain_path_length": "428",
    "xades.chain_too_long": "428",
    "xades.chain_expired": "428",
    "xades.chain_not_yet_valid": "428",
    "invoice.duplicate_number": "414",
    "invoice.duplicate": "415",
    # directory
    "directory.managing_body_unknown": "409",
    "directory.processing_unit_unknown": "410",
    "directory.office_unknown": "411",
    "directory.managing_body_inactive": "409",
    "directory.processing_unit_inactive": "410",
    "directory.office_inactive": "411",
    "directory.relation_missing": "412",
    "directory.relation_inactive": "413",
    "directory.test_unit": "441",
    # queries and cancellation
    "invoice.other_supplier": "301",
    "invoice.cancellation_reason_required": "302",
    "invoice.not_found": "303",
    "invoice.cancellation_already_accepted": "304",
    "invoice.cancellation_rejected_invoice": "305",
    "invoice.cancellation_paid": "306",
    "invoice.cancellation_already_requested": "307",
    "invoice.cancellation_forbidden": "308",
    "invoice.too_many": "309",
    "invoice.registry_number_required": "313",
    "invoice.reason_too_long": "900",
    "lifecycle.unknown_status": "405",
    "lifecycle.final_state": "407",
    "lifecycle.not_forward": "407",
    "lifecycle.reject_too_late": "407",
    "lifecycle.cancel_only_by_request": "407",
    # Facturae reading (facturae/messages.py table)
    "facturae.not_facturae": "430",
    "facturae.version_unknown": "430",
    "facturae.version_mismatch": "430",
    "facturae.schema_invalid": "408",
    "facturae.element_missing": "408",
    "facturae.element_repeated": "408",
    "facturae.value_split": "408",
    "facturae.amount_format": "408",
    "facturae.double_format": "408",
    "facturae.date_format": "431",
    "facturae.batch_count": "425",
    "facturae.modality": "419",
    "facturae.centres_count": "416",
    "facturae.centre_without_code": "417",
    "facturae.issuer_tax_id": "447",
    "facturae.issuer_tax_id_check": "447",
    "facturae.issuer_tax_id_characters": "447",
    "facturae.invoice_number_missing": "445",
    "facturae.line_description_missing": "446",
    "facturae.iban_required": "426",
    "facturae.totals_mismatch": "408",
    "facturae.total_missing": "408",
    "facturae.schema_dir": "401",
}


@dataclass(frozen=True)
class FaceResult:
    code: str
    description: str


def fault_code(error: FacturahubError) -> str:
    """The FACe code of an envelope or security error (a SOAP Fault)."""
    code = _FAULT_CODES.get(error.key)
    if code is not None:
        return code
    if error.key.startswith(("wss.", "caller.")):
        return "100"
    return GENERIC


def result_code(error: FacturahubError) -> str:
    """The FACe code of a business error (``resultado/codigo``)."""
    key = error.key
    code = _RESULT_CODES.get(key)
    if code is not None:
        return code
    if key.startswith("xades."):
        return "440" if key in POLICY_ERROR_KEYS else "428"
    if key.startswith("xml."):
        return "408"
    if isinstance(error, NotFound):
        return "303"
    if isinstance(error, PermissionDenied):
        return "301"
    return GENERIC


def describe(code: str, error: FacturahubError | None, language: str | None) -> str:
    """FACe's text for ``code``, followed by our precise message when there is one."""
    text = TEXTS.get(code, TEXTS[GENERIC])
    if error is None:
        return text
    message = error.message(language)
    registry_number = error.params.get("registry_number")
    if registry_number and str(registry_number) not in message:
        message = f"{message} ({registry_number})"
    if message.casefold().startswith(text.casefold()):  # our message already opens with FACe's words
        return message
    return f"{text}: {message}"


def business_result(error: FacturahubError, language: str | None) -> FaceResult:
    code = result_code(error)
    return FaceResult(code, describe(code, error, language))


def fault_result(error: FacturahubError, language: str | None) -> FaceResult:
    code = fault_code(error)
    return FaceResult(code, describe(code, error, language))


def is_security_fault(error: FacturahubError) -> bool:
    """Errors raised after the request was verified that FACe still answers with a Fault."""
    return error.key in _FAULT_CODES or error.key.startswith(("wss.", "caller."))
