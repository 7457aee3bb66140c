"""The eFACT profile's result codes and texts: the one place where error keys become what eFACT
clients read (``ws-proveedores-SOAP.md``, protocols.md §3).

* ``enviarFactura``, ``consultarFactura``, ``consultarListadoFacturas``, ``consultarEstados`` and
  ``anularFactura`` answer exactly as FACe does: eFACT's own examples use FACe's ``resultado``
  (``0`` / ``Correcto``) and FACe's code 303 with its text for an unknown registry number, so the
  numbers and texts are FACe's (:mod:`facturahub.soap.face_codes`); security and envelope errors
  are SOAP Faults ``<tracking> - <code> - <text>`` (protocols.md §1).
* The status downloads (``solicitudDescargasEstados``, ``peticionDescargasEstados``,
  ``confirmacionDescargasEstados``) have no codes: ``resultado`` is ``0`` (OK) or ``1`` (error)
  and the reason goes in ``observaciones``, starting with one of eFACT's two documented texts.
"""

from __future__ import annotations

from facturahub.errors import FacturahubError
from facturahub.soap import face_codes
from facturahub.soap.profile import Result

OK_CODE = face_codes.OK_CODE
OK_TEXT = face_codes.OK_TEXT

# --- status downloads ---------------------------------------------------------------------------

DOWNLOAD_OK = "0"
DOWNLOAD_ERROR = "1"
DOWNLOAD_OK_TEXT = "OK"  # solicitudDescargasEstados' example: <observaciones>OK</observaciones>
TYPE_REQUEST = "Los datos enviados en el campo TypeRequest no son soportados o no han sido enviados."
NOT_OBTAINED = "No se pudieron obtener los documentos pendientes"

# Which of eFACT's two texts each status-download error falls under.
_DOWNLOAD_TEXTS: dict[str, str] = {
    "status_download.issuer_required": TYPE_REQUEST,
    "status_download.issuer_invalid": TYPE_REQUEST,
    "status_download.issuer_check": TYPE_REQUEST,
    "status_download.doc_id_required": TYPE_REQUEST,
    "status_download.doc_id_invalid": TYPE_REQUEST,
    "status_download.mark_option_invalid": TYPE_REQUEST,
    "soap.parameter_missing": TYPE_REQUEST,
    "status_download.none_pending": NOT_OBTAINED,
    "status_download.not_found": NOT_OBTAINED,
    "status_download.already_downloaded": NOT_OBTAINED,
}
# The status-download messages (services/status_downloads.py) already begin with eFACT's text, with
# the real field name in place of "TypeRequest"; those are used as they are.
_EFACT_STEMS = ("Los datos enviados en el campo ", NOT_OBTAINED)


def download_text(error: FacturahubError) -> str:
    """eFACT's documented text for a status-download error."""
    return _DOWNLOAD_TEXTS.get(error.key, NOT_OBTAINED)


def download_observation(error: FacturahubError, language: str | None) -> str:
    """``observaciones`` of a status download answered with ``resultado`` 1: eFACT's text, and
    precisely what failed."""
    message = error.message(language)
    if message.startswith(_EFACT_STEMS):
        return message
    return f"{download_text(error)}: {message}"


# --- everything else: FACe's codes ---------------------------------------------------------------


class EfactErrors:
    """The :class:`facturahub.soap.profile.ErrorMapper` of the eFACT profile."""

    def fault(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.fault_result(error, language)
        return Result(found.code, found.description)

    def business(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.business_result(error, language)
        return Result(found.code, found.description)

    def is_fault(self, error: FacturahubError) -> bool:
        return face_codes.is_security_fault(error)

    def success(self) -> Result:
        return Result(OK_CODE, OK_TEXT)


EFACT_ERRORS = EfactErrors()
