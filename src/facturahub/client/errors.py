"""What can go wrong talking to a remote suppliers' service, as :class:`FacturahubError` subclasses
with stable keys (the ``facturahub client`` command maps each class to its own exit code).

* :class:`BusinessError` — the service answered, ``resultado`` ≠ 0 (HTTP 200);
* :class:`RemoteFault` — the service answered with a SOAP Fault (security and envelope errors);
* :class:`ResponseNotVerified` — the answer's WS-Security signature does not verify with the server
  certificate the user trusts (or it is not signed at all);
* :class:`TransportFailure` — no usable answer: connection refused, TLS, HTTP error without SOAP,
  a WSDL that cannot be read.
"""

from __future__ import annotations

import re
from typing import Any

from facturahub.errors import FacturahubError
from facturahub.i18n import register_messages, translate

# facturahub and FACe write faultstrings as "<tracking id> - <code> - <message>" (protocols.md §1).
_FAULT_WITH_TRACKING = re.compile(r"^\s*(?P<tracking>\S+) - (?P<code>\d{1,4}) - (?P<text>.*)$", re.DOTALL)
_FAULT_WITH_CODE = re.compile(r"^\s*(?P<code>\d{1,4}) - (?P<text>.*)$", re.DOTALL)


class ClientError(FacturahubError):
    """Base of the errors of a remote call."""


class BusinessError(ClientError):
    """``resultado/codigo`` ≠ 0: the request was understood and refused."""

    def __init__(self, code: str, description: str, tracking_id: str, response: Any) -> None:
        tracking = _tracking(tracking_id, description)
        super().__init__("client.result", code=code, description=description, tracking=tracking)
        self.code, self.description, self.tracking_id = code, description, tracking_id
        self.response = response


class RemoteFault(ClientError):
    """A SOAP Fault; ``code`` is the FACe code inside the faultstring when there is one, else the
    faultcode (``soap:Client``…)."""

    def __init__(self, faultcode: str, faultstring: str) -> None:
        code, text, tracking_id = parse_faultstring(faultcode, faultstring)
        super().__init__("client.fault", code=code, description=text, tracking=_tracking(tracking_id, text))
        self.faultcode, self.faultstring = faultcode, faultstring
        self.code, self.description, self.tracking_id = code, text, tracking_id

    def as_dict(self) -> dict[str, str]:
        return {
            "faultcode": self.faultcode,
            "faultstring": self.faultstring,
            "codigo": self.code,
            "descripcion": self.description,
            "codigoSeguimiento": self.tracking_id,
        }


class ResponseNotVerified(ClientError):
    """The response's signature does not verify with the trusted server certificate."""

    def __init__(self, cause: FacturahubError) -> None:
        super().__init__("client.response_unverified", detail=cause.message("en"))
        self.cause = cause

    def message(self, language: str | None = None) -> str:
        cause = getattr(self, "cause", None)
        detail = cause.message(language) if cause is not None else self.params.get("detail", "")
        return translate(self.key, language, detail=detail)


class TransportFailure(ClientError):
    """No SOAP answer could be obtained or read."""


def parse_faultstring(faultcode: str, faultstring: str) -> tuple[str, str, str]:
    """(code, description, tracking id) from a faultstring in FACe's forms."""
    text = (faultstring or "").strip()
    found = _FAULT_WITH_TRACKING.match(text)
    if found:
        return found["code"], found["text"].strip(), found["tracking"]
    found = _FAULT_WITH_CODE.match(text)
    if found:
        return found["code"], found["text"].strip(), ""
    return faultcode or "", text, ""


def _tracking(tracking_id: str, description: str) -> str:
    """`` (<tracking id>)`` after the description, unless it already names it."""
    return f" ({tracking_id})" if tracking_id and tracking_id not in description else ""


register_messages(
    {
        "client.result": {
            "es": "el servicio respondió con el código {code}: {description}{tracking}",
            "en": "the service answered with code {code}: {description}{tracking}",
        },
        "client.fault": {
            "es": "el servicio respondió con un SOAP Fault {code}: {description}{tracking}",
            "en": "the service answered with a SOAP Fault {code}: {description}{tracking}",
        },
        "client.response_unverified": {
            "es": "la firma de la respuesta no se pudo verificar con el certificado del servidor: {detail}",
            "en": "the response's signature could not be verified with the server certificate: {detail}",
        },
        "client.transport": {
            "es": "no se obtuvo respuesta SOAP de {url}: {detail}",
            "en": "no SOAP answer from {url}: {detail}",
        },
        "client.wsdl_unreadable": {
            "es": "no se pudo leer el WSDL {url}: {detail}",
            "en": "cannot read the WSDL {url}: {detail}",
        },
        "client.wsdl_without_service": {
            "es": "{url} no es un WSDL: no declara ningún servicio SOAP",
            "en": "{url} is not a WSDL: it declares no SOAP service",
        },
        "client.wsdl_not_xml": {
            "es": "{url} no es un WSDL: no contiene XML",
            "en": "{url} is not a WSDL: it holds no XML",
        },
        "client.url_blank": {
            "es": "{option} «{url}» no es una dirección válida: contiene espacios o caracteres de control",
            "en": "{option} '{url}' is not a valid address: it holds blanks or control characters",
        },
        "client.url_malformed": {
            "es": "{option} «{url}» no es una dirección válida: {detail}",
            "en": "{option} '{url}' is not a valid address: {detail}",
        },
        "client.url_scheme": {
            "es": "{option} «{url}» no es una dirección http:// ni https://",
            "en": "{option} '{url}' is not an http:// or https:// address",
        },
        "client.url_no_host": {
            "es": "{option} «{url}» no nombra ningún servidor",
            "en": "{option} '{url}' names no host",
        },
        "client.text_not_xml": {
            "es": (
                "la petición {operation} no puede llevar «{value}»: "
                "contiene el carácter {character}, que XML no admite"
            ),
            "en": (
                "the {operation} request cannot carry '{value}': "
                "it holds the character {character}, which XML does not allow"
            ),
        },
        "client.operation_missing": {
            "es": "el WSDL de {url} no ofrece la operación {operation}",
            "en": "the WSDL of {url} does not offer the operation {operation}",
        },
        "client.operation_not_in_profile": {
            "es": "la orden {command} no existe en el perfil {profile} (use --profile {other})",
            "en": "the command {command} does not exist in the {profile} profile (use --profile {other})",
        },
        "client.request_invalid": {
            "es": "la petición {operation} no cumple el WSDL del servicio: {detail}",
            "en": "the {operation} request does not match the service's WSDL: {detail}",
        },
        "client.unexpected_response": {
            "es": "respuesta inesperada de {operation}: {detail}",
            "en": "unexpected response from {operation}: {detail}",
        },
        "client.server_cert_unreadable": {
            "es": "No se puede leer el certificado del servidor {path}: {detail}",
            "en": "Cannot read the server certificate {path}: {detail}",
        },
        "client.attachment_mime_unknown": {
            "es": "No se conoce el tipo MIME de {path}: indíquelo como FICHERO:tipo/subtipo",
            "en": "Unknown MIME type for {path}: give it as FILE:type/subtype",
        },
        "client.mark_needs_out": {
            "es": "--mark necesita --out: solo se marca como descargado lo que se ha guardado",
            "en": "--mark needs --out: only what has been saved is marked as downloaded",
        },
        "client.archive_invalid": {
            "es": "El fichero {name} recibido no es un ZIP con un único XML: {detail}",
            "en": "The {name} received is not a ZIP holding one XML file: {detail}",
        },
        "client.unverified_warning": {
            "es": "aviso: no se verifican las respuestas (falta --server-cert, el certificado del servidor)",
            "en": "warning: responses are not verified (give --server-cert with the server's certificate)",
        },
    }
)
