"""Calling a supplier platform's ``setEstadoFactura`` (FACe ``notificasspp2`` model, protocols.md §7):
RPC/literal SOAP 1.1 in the ``https://webservice.face.gob.es`` namespace
(``setEstadoFactura.reconstructed.wsdl``), signed with the hub's certificate (WS-Security: a
BinarySecurityToken, a signed Timestamp and a signature over Body and Timestamp, as every hub
response). Delivered when the endpoint answers HTTP 200 with ``resultado/codigo`` 0.

Straight to the endpoint, at the address the destination rule checked; or, when the operator
configures one, through an HTTP proxy: ``CONNECT host:port`` for https (TLS still end to end and
verified for the host name), the absolute URL for http. Endpoints the operator exempts from the
proxy (``FACTURAHUB_PUSH_NO_PROXY``) are called straight, under the full destination rule.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import SplitResult, urlsplit, urlunsplit

from lxml import etree

from facturahub.config import NoProxy, ProxyAddress
from facturahub.errors import FacturahubError
from facturahub.jobs.deadline import deadline
from facturahub.services.destinations import DestinationPolicy, DestinationRefused, a_label, host_and_port
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


class EndpointSilent(PushFailed):
    """The endpoint left the call unanswered for the whole timeout (or did not accept the
    connection in that time): the worker pauses calls to it (jobs/endpoint_gate.py)."""


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
    redirects are not followed. With a ``proxy``, the hub screens what it can and the proxy
    resolves and connects (services/destinations.py), except for the hosts ``direct`` names."""

    def __init__(
        self,
        identity: Identity,
        timeout: float,
        destinations: DestinationPolicy,
        proxy: ProxyAddress | None = None,
        direct: NoProxy | None = None,
        algorithm: str = "rsa-sha256",
    ) -> None:
        self.identity, self.timeout, self.destinations, self.proxy = identity, timeout, destinations, proxy
        self.direct = direct or NoProxy()
        self.algorithm = algorithm  # as the hub's responses (FACTURAHUB_RESPONSE_SIGNATURE_ALGORITHM)

    def signed_request(self, status: PushStatus) -> bytes:
        return sign_envelope(
            set_estado_factura(status),
            self.identity.certificate,
            self.identity.private_key,
            algorithm=self.algorithm,
            now=datetime.now(UTC),
        )

    def push(self, url: str, status: PushStatus) -> None:
        parts = urlsplit(url)
        host, port = host_and_port(url)
        try:
            host = a_label(host)  # CONNECT and an absolute URL are ASCII
        except ValueError as exc:  # refused when configured; an older row fails its attempt
            raise PushFailed(str(exc)) from None
        headers = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": f'"{SOAP_ACTION}"'}
        proxy = None if self.direct.matches(host) else self.proxy
        try:
            if proxy is None:
                connection, via = self._direct(host, port, parts.scheme == "https"), ""
                target = _origin_form(parts)
            else:
                self.destinations.screen(host, port)
                connection, target = self._proxied(proxy, host, port, parts, headers)
                via = f" through the proxy {proxy}"
        except DestinationRefused as exc:
            raise PushFailed(exc.message("en")) from None
        request = self.signed_request(status)
        late = f"no complete answer from {url}{via} within {self.timeout:g} s"
        with deadline(self.timeout, lambda: connection.sock) as expiry:
            try:
                connection.request("POST", target, body=request, headers=headers)
                response = connection.getresponse()
                body = response.read(MAX_RESPONSE + 1)
            except (OSError, http.client.HTTPException) as exc:
                if expiry.expired or isinstance(exc, TimeoutError):
                    raise EndpointSilent(late) from exc
                if not via and isinstance(exc, OSError):
                    raise
                raise PushFailed(f"{type(exc).__name__}{via}: {exc}") from exc
            finally:
                connection.close()
        if expiry.expired:  # cut short: what was read is a truncated answer
            raise EndpointSilent(late)
        if 300 <= response.status < 400:
            location = response.getheader("Location", "")
            raise PushFailed(
                f"HTTP {response.status} from {url}{via}: redirects are not followed ({location})"
            )
        if response.status >= 400 or response.status < 200:
            raise PushFailed(f"HTTP {response.status} from {url}{via}")
        check_answer(body)

    def _direct(self, host: str, port: int, secure: bool) -> http.client.HTTPConnection:
        address = str(self.destinations.vet(host, port))
        if secure:
            return _PinnedHTTPS(host, port, address, self.timeout)
        return _PinnedHTTP(host, port, address, self.timeout)

    def _proxied(
        self,
        proxy: ProxyAddress,
        host: str,
        port: int,
        parts: SplitResult,
        headers: dict[str, str],
    ) -> tuple[http.client.HTTPConnection, str]:
        """The connection to the proxy and the request target: https tunnels with CONNECT (the
        proxy's credentials go on the CONNECT only), http sends the absolute URL (the credentials
        are added to ``headers``)."""
        credentials = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else {}
        if parts.scheme == "https":
            tunnel = http.client.HTTPSConnection(
                proxy.host, proxy.port, timeout=self.timeout, context=ssl.create_default_context()
            )
            tunnel.set_tunnel(host, port, headers=credentials)
            return tunnel, _origin_form(parts)
        headers.update(credentials)
        authority = (f"[{host}]" if ":" in host else host) + (f":{parts.port}" if parts.port else "")
        absolute = urlunsplit((parts.scheme, authority, parts.path or "/", parts.query, ""))
        return http.client.HTTPConnection(proxy.host, proxy.port, timeout=self.timeout), absolute


def _origin_form(parts: SplitResult) -> str:
    """The request target sent to the endpoint itself: path and query."""
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


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
