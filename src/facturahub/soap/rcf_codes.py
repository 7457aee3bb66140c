"""The RCF profile's result codes: the one place where error keys become the codes and texts a
receiving registry's client reads (protocols.md §4, FACe ``facturasrcf2``).

The common codes (310, 313, 405, 407, 411, 309, 900…) and every security Fault (100–104, 300) are
FACe's, with FACe's texts (:mod:`facturahub.soap.face_codes`); the RCF adds 501, 502, 505 and 511.
``descripcion`` is the code's text followed by our precise message, as on the suppliers' side.
"""

from __future__ import annotations

from facturahub.errors import FacturahubError
from facturahub.soap import face_codes
from facturahub.soap.profile import Result

OK_CODE = face_codes.OK_CODE
OK_TEXT = face_codes.OK_TEXT

RCF_TEXTS: dict[str, str] = {
    "501": "No se han encontrado facturas asociadas de la oficina contable al RCF",
    "502": "La factura ya ha sido recibida en destino por el RCF, no se puede descargar",
    "505": "Esta transición no esta permitida a través de este web service",
    "511": "La factura no existe o no tiene permisos",
}
TEXTS: dict[str, str] = {**face_codes.TEXTS, **RCF_TEXTS}

# The RCF's own keys; everything else is answered with FACe's code for the key.
RESULT_CODES: dict[str, str] = {
    "reception.office_unknown": "411",
    "reception.office_not_associated": "501",
    "reception.office_mismatch": "501",
    "reception.office_required": "310",
    "reception.invoice_not_visible": "511",
    "reception.already_received": "502",
    "reception.rcf_code_required": "310",
    "reception.rcf_code_too_long": "900",
    "reception.transition_not_here": "505",
    "reception.download_not_confirmed": "407",
    "reception.cancellation_answer": "505",
    "reception.no_cancellation_request": "505",
    "reception.batch_too_large": "309",
    "reception.status_code_required": "310",
    "reception.comment_too_long": "900",
}


def result_code(error: FacturahubError) -> str:
    return RESULT_CODES.get(error.key) or face_codes.result_code(error)


def describe(code: str, error: FacturahubError | None, language: str | None) -> str:
    text = TEXTS.get(code, TEXTS[face_codes.GENERIC])
    return text if error is None else f"{text}: {error.message(language)}"


class RcfErrors:
    """The :class:`facturahub.soap.profile.ErrorMapper` of the RCF profile."""

    def fault(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.fault_result(error, language)
        return Result(found.code, found.description)

    def business(self, error: FacturahubError, language: str | None) -> Result:
        code = result_code(error)
        return Result(code, describe(code, error, language))

    def is_fault(self, error: FacturahubError) -> bool:
        return face_codes.is_security_fault(error)

    def success(self) -> Result:
        return Result(OK_CODE, OK_TEXT)


RCF_ERRORS = RcfErrors()
