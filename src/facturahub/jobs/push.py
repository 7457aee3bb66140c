"""Calling a supplier platform's ``setEstadoFactura`` (FACe ``notificasspp2`` model, protocols.md §7):
RPC/literal SOAP 1.1 in the ``https://webservice.face.gob.es`` namespace
(``setEstadoFactura.reconstructed.wsdl``), signed with the hub's certificate (WS-Security: a
BinarySecurityToken, a signed Timestamp and a signature over Body and Timestamp, as every hub
response). Delivered when the endpoint answers HTTP 200 with ``resultado/codigo`` 0.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Protocol

from lxml import etree

from facturahub.errors import FacturahubError
from facturahub.services.notification_content import FlowStatus, PushStatus
from facturahub.signatures.certgen import Identity
from facturahub.signatures.wssecurity import sign_envelope
from facturahub.signatures.xml import parse_xml

NAMESPACE = "https://webservice.face.gob.es"
SOAP_ACTION = f"{NAMESPACE}#setEstadoFactura"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
MAX_RESPONSE = 1024 * 1024


class PushFailed(Exception):
    """The endpoint did not acknowledge the notification (the message says why)."""


class Pusher(Protocol):
    def push(self, url: str, status: PushStatus) -> None:
        """Deliver ``status`` to ``url`` or raise (any exception counts as a failed attempt)."""


def set_estado_factura(status: PushStatus) -> etree._Element:
    """The unsigned request envelope: ``setEstadoFactura(request{factura+{…}})``."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soapenv": SOAP11, "web": NAMESPACE})
    etree.SubElement(envelope, f"{{{SOAP11}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    operation = etree.SubElement(body, f"{{{NAMESPACE}}}setEstadoFactura")
    factura = etree.SubElement(etree.SubElement(operation, "request"), "factura")
    _text(factura, "numeroRegistro", status.registry_number)
    _flow(factura, "tramitacion", status.processing)
    _flow(factura, "anulacion", status.cancellation)
    return envelope


def _text(parent: etree._Element, name: str, value: str | None) -> etree._Element:
    child = etree.SubElement(parent, name)
    if value:
        child.text = value
    return child


def _flow(parent: etree._Element, name: str, status: FlowStatus) -> None:
    holder = etree.SubElement(parent, name)
    _text(holder, "codigo", status.code)
    _text(holder, "descripcion", status.description)
    _text(holder, "motivo", status.reason)


class SOAPPusher:
    def __init__(self, identity: Identity, timeout: float) -> None:
        self.identity, self.timeout = identity, timeout

    def signed_request(self, status: PushStatus) -> bytes:
        return sign_envelope(
            set_estado_factura(status),
            self.identity.certificate,
            self.identity.private_key,
            now=datetime.now(UTC),
        )

    def push(self, url: str, status: PushStatus) -> None:
        request = urllib.request.Request(  # noqa: S310 - the scheme was checked (http/https) when configured
            url,
            data=self.signed_request(status),
            method="POST",
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": f'"{SOAP_ACTION}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(MAX_RESPONSE + 1)
        except urllib.error.HTTPError as exc:
            raise PushFailed(f"HTTP {exc.code} from {url}") from None
        check_answer(body)


def check_answer(body: bytes) -> None:
    """The endpoint's answer must be a ``setEstadoFacturaResponse`` with ``resultado/codigo`` 0
    (children read by local name: qualified or not)."""
    try:
        root = parse_xml(body, max_bytes=MAX_RESPONSE).getroot()
    except FacturahubError as exc:
        raise PushFailed(f"unreadable answer: {exc.message('en')}") from None
    fault = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    if fault is not None:
        raise PushFailed(f"SOAP Fault: {(fault.findtext('faultstring') or '').strip()}")
    resultado = _first(root.find(f"{{{SOAP11}}}Body"), "resultado")
    code = _text_of(_first(resultado, "codigo"))
    if code is None:
        raise PushFailed("the answer has no resultado/codigo")
    if code != "0":
        raise PushFailed(f"resultado {code}: {_text_of(_first(resultado, 'descripcion')) or ''}")


def _first(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    for element in parent.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname == name:
            return element
    return None


def _text_of(element: etree._Element | None) -> str | None:
    return None if element is None else "".join(element.itertext()).strip()
