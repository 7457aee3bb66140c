"""Calling a supplier platform's ``setEstadoFactura`` (FACe ``notificasspp2`` model, protocols.md §7):
RPC/literal SOAP 1.1 in the ``https://webservice.face.gob.es`` namespace
(``setEstadoFactura.reconstructed.wsdl``), signed with the hub's certificate (WS-Security: a
BinarySecurityToken, a signed Timestamp and a signature over Body and Timestamp, as every hub
response). Delivered when the endpoint answers HTTP 200 with ``resultado/codigo`` 0.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import urlsplit

from lxml import etree

from facturahub.errors import FacturahubError
from facturahub.services.destinations import DestinationPolicy, DestinationRefused, host_and_port
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
    """Each call resolves the endpoint's host, checks the addresses against the destination policy
    and connects to the one it checked (TLS still verifies the certificate for the host name);
    redirects are not followed. No HTTP proxy is used."""

    def __init__(self, identity: Identity, timeout: float, destinations: DestinationPolicy) -> None:
        self.identity, self.timeout, self.destinations = identity, timeout, destinations

    def signed_request(self, status: PushStatus) -> bytes:
        return sign_envelope(
            set_estado_factura(status),
            self.identity.certificate,
            self.identity.private_key,
            now=datetime.now(UTC),
        )

    def push(self, url: str, status: PushStatus) -> None:
        parts = urlsplit(url)
        host, port = host_and_port(url)
        secure = parts.scheme == "https"
        try:
            address = self.destinations.vet(host, port)
        except DestinationRefused as exc:
            raise PushFailed(exc.message("en")) from None
        connection: http.client.HTTPConnection = (
            _PinnedHTTPS(host, port, str(address), self.timeout)
            if secure
            else _PinnedHTTP(host, port, str(address), self.timeout)
        )
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": f'"{SOAP_ACTION}"'}
        try:
            connection.request("POST", path, body=self.signed_request(status), headers=headers)
            response = connection.getresponse()
            body = response.read(MAX_RESPONSE + 1)
        finally:
            connection.close()
        if 300 <= response.status < 400:
            location = response.getheader("Location", "")
            raise PushFailed(f"HTTP {response.status} from {url}: redirects are not followed ({location})")
        if response.status >= 400 or response.status < 200:
            raise PushFailed(f"HTTP {response.status} from {url}")
        check_answer(body)


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to ``address`` (checked), with ``host`` in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to ``address`` (checked); the certificate is verified for ``host`` (SNI too)."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


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
