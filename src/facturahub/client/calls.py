"""The operations the ``facturahub client`` command speaks, on a FACe- or eFACT-compatible
suppliers' service: zeep built from the service's WSDL, posting to the endpoint the user names
(not to the address the WSDL advertises), every request signed (:mod:`facturahub.client.wsse`).

Each call returns the response's ``return`` as plain dicts and lists, or raises a
:class:`facturahub.client.errors.ClientError`: a ``resultado/codigo`` ≠ 0 is a
:class:`BusinessError`, a SOAP Fault a :class:`RemoteFault`.
"""

# mypy: disallow-untyped-calls=False
# (zeep ships no type hints)

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from zeep import Client, Settings
from zeep import exceptions as zeep_errors
from zeep.helpers import serialize_object
from zeep.transports import Transport

from facturahub.client.errors import BusinessError, RemoteFault, ResponseNotVerified, TransportFailure
from facturahub.client.wsse import signer
from facturahub.domain.registry import NOT_XML
from facturahub.errors import InvalidInput


class ServiceProfile(StrEnum):
    FACE = "face"
    EFACT = "efact"


NAMESPACES = {
    ServiceProfile.FACE: "https://webservice.face.gob.es",
    ServiceProfile.EFACT: "https://webservice.efact.es/sspp",
}

# Which ``facturahub client`` commands each profile offers (protocols.md §2, §3).
COMMANDS = {
    ServiceProfile.FACE: frozenset({"send", "status", "status-list", "cancel", "states", "units"}),
    ServiceProfile.EFACT: frozenset({"send", "status", "status-list", "cancel", "states", "download-status"}),
}

INVOICE_MIME = "application/xml"
# eFACT lists these extensions under its (older) MIME types (ws-proveedores-SOAP.md §1).
_EFACT_MIMES = {".docx": "application/msword", ".xlsx": "application/vnd.ms-excel"}


@dataclass(frozen=True)
class Attachment:
    name: str
    mime: str
    data: bytes


def attachment_mime(path: Path, profile: ServiceProfile) -> str:
    """The MIME type a service expects for an attachment, from its extension."""
    suffix = path.suffix.lower()
    if profile is ServiceProfile.EFACT and suffix in _EFACT_MIMES:
        return _EFACT_MIMES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        raise InvalidInput("client.attachment_mime_unknown", path=str(path))
    return guessed


def signing_pems(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    """(certificate PEM, unencrypted PKCS#8 key PEM), kept in memory only."""
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


@dataclass
class Connection:
    endpoint: str  # the service address; its WSDL is at ``<endpoint>?wsdl`` unless ``wsdl`` is given
    cert_pem: bytes
    key_pem: bytes
    profile: ServiceProfile = ServiceProfile.FACE
    server_certificate: x509.Certificate | None = None
    wsdl: str | None = None
    timeout: float = 60.0
    plugins: list[Any] = field(default_factory=list)  # zeep plugins (e.g. HistoryPlugin)
    _service: Any = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        check_service_url(self.endpoint, "--endpoint")
        if self.wsdl is not None and "://" in self.wsdl:  # otherwise a local file
            check_service_url(self.wsdl, "--wsdl")

    @property
    def address(self) -> str:
        base, _, query = self.endpoint.partition("?")
        return base if query.lower() == "wsdl" else self.endpoint

    @property
    def wsdl_url(self) -> str:
        return self.wsdl or f"{self.address}?wsdl"

    def service(self) -> Any:
        """zeep's service proxy, built once from the WSDL and bound to :attr:`address`."""
        if self._service is None:
            transport = Transport(timeout=self.timeout, operation_timeout=self.timeout)
            settings = Settings(strict=False, xml_huge_tree=True, forbid_dtd=True)
            try:
                client = Client(
                    self.wsdl_url,
                    wsse=signer(self.key_pem, self.cert_pem, self.server_certificate),
                    transport=transport,
                    settings=settings,
                    plugins=self.plugins,
                )
                port = next(iter(next(iter(client.wsdl.services.values())).ports.values()))
            except StopIteration:  # a well-formed XML document that declares no service
                raise TransportFailure("client.wsdl_without_service", url=self.wsdl_url) from None
            except AttributeError:  # zeep's recovering parser found no XML at all (an HTML page…)
                raise TransportFailure("client.wsdl_not_xml", url=self.wsdl_url) from None
            except (zeep_errors.Error, OSError, ValueError) as exc:  # requests' errors are OSErrors
                raise TransportFailure(
                    "client.wsdl_unreadable", url=self.wsdl_url, detail=_detail(exc)
                ) from None
            self._service = client.create_service(port.binding.name.text, self.address)
        return self._service

    def call(self, operation: str, *args: Any) -> dict[str, Any]:
        """Call ``operation`` and return its ``return`` as plain data; no ``resultado`` check."""
        service = self.service()
        try:
            method = getattr(service, operation)
        except AttributeError:
            raise TransportFailure(
                "client.operation_missing", url=self.wsdl_url, operation=operation
            ) from None
        _check_xml_text(operation, args)
        try:
            result = method(*args)
        except zeep_errors.Fault as fault:
            raise RemoteFault(str(fault.code or ""), str(fault.message or "")) from None
        except ResponseNotVerified:
            raise
        except zeep_errors.ValidationError as exc:
            raise InvalidInput("client.request_invalid", operation=operation, detail=_detail(exc)) from None
        except zeep_errors.TransportError as exc:
            detail = f"HTTP {exc.status_code}: {_detail(exc)}"
            raise TransportFailure("client.transport", url=self.address, detail=detail) from None
        except OSError as exc:  # requests.RequestException and socket errors
            raise TransportFailure("client.transport", url=self.address, detail=_detail(exc)) from None
        except zeep_errors.Error as exc:
            raise TransportFailure(
                "client.unexpected_response", operation=operation, detail=_detail(exc)
            ) from None
        plain = serialize_object(result, dict)
        if not isinstance(plain, dict):
            raise TransportFailure(
                "client.unexpected_response", operation=operation, detail=f"no return element ({plain!r})"
            )
        return plain


def check_service_url(url: str, option: str) -> None:
    """``url`` is an absolute http(s) address with a host (and a port that exists), or
    ``InvalidInput`` saying what is wrong with it, before anything is sent."""
    if NOT_XML.search(url) or any(char.isspace() for char in url):
        raise InvalidInput("client.url_blank", option=option, url=url.encode("unicode_escape").decode())
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it
    except ValueError as exc:
        raise InvalidInput("client.url_malformed", option=option, url=url, detail=str(exc)) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidInput("client.url_scheme", option=option, url=url)
    if not parts.hostname:
        raise InvalidInput("client.url_no_host", option=option, url=url)


def _check_xml_text(operation: str, value: Any) -> None:
    """Every text in a request's arguments can be written in XML, or ``InvalidInput`` naming the
    character (instead of lxml's traceback while zeep builds the envelope)."""
    if isinstance(value, str):
        found = NOT_XML.search(value)
        if found:
            shown = value if len(value) <= 60 else value[:57] + "..."
            raise InvalidInput(
                "client.text_not_xml",
                operation=operation,
                value=NOT_XML.sub("?", shown),
                character=f"U+{ord(found.group()):04X}",
            )
    elif isinstance(value, dict):
        for item in value.values():
            _check_xml_text(operation, item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_xml_text(operation, item)


def _detail(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def is_ok(code: str) -> bool:
    """FACe writes ``0``; eFACT examples show ``0``/``00`` too. ASCII digits only: ``"²".isdigit()``
    is true and ``int("²")`` a ValueError, and ``"٠"`` is no success code."""
    return code.isascii() and code.isdigit() and int(code) == 0


def checked(response: dict[str, Any]) -> dict[str, Any]:
    """``response`` itself when ``resultado/codigo`` is 0, else :class:`BusinessError`."""
    resultado = response.get("resultado")
    if not isinstance(resultado, dict):
        raise TransportFailure("client.unexpected_response", operation="?", detail="no resultado element")
    code = _text(resultado.get("codigo"))
    if not is_ok(code):
        raise BusinessError(
            code, _text(resultado.get("descripcion")), _text(resultado.get("codigoSeguimiento")), response
        )
    return response


# --- the suppliers' operations (both profiles) --------------------------------------------------


def invoice_file_name(path: Path) -> str:
    """FACe and eFACT accept only ``*.xsig`` names; a signed ``.xml`` keeps its stem."""
    return path.name if path.name.lower().endswith(".xsig") else f"{path.stem}.xsig"


def send(
    connection: Connection,
    invoice: bytes,
    file_name: str,
    email: str | None,
    attachments: list[Attachment],
) -> dict[str, Any]:
    """``enviarFactura``: an empty ``<anexos/>`` when there are no attachments (as FACe expects)."""
    request = {
        "correo": email or "",
        "factura": {
            "factura": base64.b64encode(invoice).decode("ascii"),
            "nombre": file_name,
            "mime": INVOICE_MIME,
        },
        "anexos": {
            "anexo": [
                {"anexo": base64.b64encode(item.data).decode("ascii"), "nombre": item.name, "mime": item.mime}
                for item in attachments
            ]
        },
    }
    return checked(connection.call("enviarFactura", request))


def status(connection: Connection, registry_number: str) -> dict[str, Any]:
    return checked(connection.call("consultarFactura", registry_number))


def status_list(connection: Connection, registry_numbers: list[str]) -> dict[str, Any]:
    """``consultarListadoFacturas``: unknown numbers are items with their own code, not an error."""
    return checked(connection.call("consultarListadoFacturas", {"numeroRegistro": registry_numbers}))


def cancel(connection: Connection, registry_number: str, reason: str) -> dict[str, Any]:
    return checked(connection.call("anularFactura", registry_number, reason))


def states(connection: Connection) -> dict[str, Any]:
    return checked(connection.call("consultarEstados"))


def units(connection: Connection, administration: str | None = None) -> dict[str, Any]:
    if administration is None:
        return checked(connection.call("consultarUnidades"))
    return checked(connection.call("consultarUnidadesPorAdministracion", administration))


# --- helpers for views ----------------------------------------------------------------------------


def items(holder: Any, name: str) -> list[dict[str, Any]]:
    """The repeated ``name`` children of an array element, whatever zeep made of an empty one."""
    if not isinstance(holder, dict):
        return []
    found = holder.get(name)
    if found is None:
        return []
    return [item for item in (found if isinstance(found, list) else [found]) if isinstance(item, dict)]
