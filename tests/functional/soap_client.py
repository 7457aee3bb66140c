"""Real SOAP clients for the functional tests: zeep built from the hub's own WSDL, signing with
WS-Security (zeep's BinarySignature + a signed wsu:Timestamp) and verifying every response with
the hub's certificate; and raw HTTP posts of hand-built envelopes, whose responses are checked with
the hub certificate by our own verifier too."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography import x509
from lxml import etree
from tests.unit.signatures.wss_fixtures import Identity as FixtureIdentity
from tests.unit.signatures.wss_fixtures import MemoryBinarySignature, bare_envelope
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.wsse.compose import Compose
from zeep.wsse.signature import MemorySignature
from zeep.wsse.utils import WSU, get_security_header, get_timestamp

from facturahub.signatures.certgen import Identity
from facturahub.signatures.wssecurity import VerifiedRequest, WSSPolicy, verify_request

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
FACE = "https://webservice.face.gob.es"


class LiveTimestamp:
    """A wsu:Timestamp created now (or ``offset`` from now), put before the signature plugin."""

    def __init__(self, offset: timedelta = timedelta(0), lifetime: int = 300) -> None:
        self.offset, self.lifetime = offset, lifetime

    def apply(
        self, envelope: etree._Element, headers: dict[str, str]
    ) -> tuple[etree._Element, dict[str, str]]:
        created = datetime.now(UTC) + self.offset
        security = get_security_header(envelope)
        security.append(
            WSU.Timestamp(
                WSU.Created(get_timestamp(created)),
                WSU.Expires(get_timestamp(created + timedelta(seconds=self.lifetime))),
            )
        )
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope


class SignAndVerifyWithHub(MemoryBinarySignature):
    """Signs requests as zeep's BinarySignature does; verifies responses with the hub's certificate
    (zeep raises SignatureVerificationFailed otherwise)."""

    def __init__(self, signer: Identity, hub_cert_pem: bytes) -> None:
        super().__init__(signer.private_key_pem, signer.certificate_pem)
        self.hub_cert_pem = hub_cert_pem

    def verify(self, envelope: etree._Element) -> etree._Element:
        MemorySignature(b"", self.hub_cert_pem).verify(envelope)
        return envelope


# zeep waits for ever by default: a regression that holds up a call would hang the suite, not fail it
OPERATION_TIMEOUT_SECONDS = 300.0


def zeep_client(
    wsdl_url: str,
    signer: Identity,
    hub_cert_pem: bytes,
    *,
    operation_timeout: float = OPERATION_TIMEOUT_SECONDS,
) -> Any:
    """``operation_timeout``: fail a call that gets no answer in that time."""
    wsse = Compose([LiveTimestamp(), SignAndVerifyWithHub(signer, hub_cert_pem)])
    transport = Transport(timeout=60, operation_timeout=operation_timeout)
    return Client(wsdl_url, wsse=wsse, transport=transport, settings=Settings(strict=True))


# --- raw HTTP ------------------------------------------------------------------------------------


@dataclass
class RawAnswer:
    status: int
    body: bytes
    verified: VerifiedRequest  # the response, verified with the hub certificate

    @property
    def root(self) -> etree._Element:
        return etree.fromstring(self.body)

    @property
    def fault_string(self) -> str | None:
        found = self.root.find(f".//{{{SOAP}}}Fault/faultstring")
        return None if found is None else found.text

    @property
    def fault_code(self) -> str | None:
        """The FACe code inside ``<tracking> - <code> - <message>``."""
        text = self.fault_string
        return None if text is None else text.split(" - ")[1]

    @property
    def operation(self) -> str:
        return etree.QName(self.verified.operation).localname

    def outcome(self) -> tuple[int, str]:
        """(HTTP status, ``<code> - <message>`` of a Fault or ``resultado/codigo`` of an answer)."""
        if self.operation == "Fault":
            tracking, coded = (self.fault_string or "").split(" - ", 1)
            assert len(tracking) == 32, self.fault_string
            return self.status, coded
        return self.status, self.result()[0]

    def result(self) -> tuple[str, str, str]:
        resultado = self.verified.operation.find("return/resultado")
        assert resultado is not None, self.body.decode()
        return (
            resultado.findtext("codigo") or "",
            resultado.findtext("descripcion") or "",
            resultado.findtext("codigoSeguimiento") or "",
        )


def post(
    endpoint: str,
    body: bytes,
    hub_cert_pem: bytes,
    *,
    content_type: str | None = "text/xml; charset=utf-8",
    soap_action: str | None = None,
    content: Any = None,
) -> RawAnswer:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if soap_action is not None:
        headers["SOAPAction"] = soap_action
    response = httpx.post(
        endpoint, content=content if content is not None else body, headers=headers, timeout=60
    )
    return RawAnswer(response.status_code, response.content, verify_response(response.content, hub_cert_pem))


def verify_response(body: bytes, hub_cert_pem: bytes) -> VerifiedRequest:
    """Every response, faults included, is signed by the hub: verify it with the hub certificate
    (Body and Timestamp signed, Timestamp mandatory)."""
    hub = x509.load_pem_x509_certificate(hub_cert_pem)
    return verify_request(body, WSSPolicy(), datetime.now(UTC), resolve_key=lambda _reference: hub)


def fixture_identity(identity: Identity) -> FixtureIdentity:
    """The same identity as tests/unit/signatures/wss_fixtures.py's hand-built variants take."""
    return FixtureIdentity(identity.private_key, identity.certificate)


def zeep_signed(payload: str, signer: Identity, *, offset: timedelta = timedelta(0)) -> bytes:
    """A request signed by zeep's own WS-Security code around a hand-written Body payload."""
    envelope = bare_envelope(payload)
    plugins = Compose(
        [LiveTimestamp(offset), MemoryBinarySignature(signer.private_key_pem, signer.certificate_pem)]
    )
    envelope, _ = plugins.apply(envelope, {})
    return bytes(etree.tostring(envelope))


def face_payload(operation: str, inner: str = "") -> str:
    return f'<web:{operation} xmlns:web="{FACE}">{inner}</web:{operation}>'


def send_invoice(
    client: Any,
    invoice: bytes | str,
    *,
    name: str = "factura.xsig",
    mime: str = "application/xml",
    anexos: list[dict[str, str]] | None = None,
    email: str = "proveedor@example.com",
) -> Any:
    """``enviarFactura`` through a zeep client; ``invoice`` as bytes, or already as base64 text."""
    content = invoice if isinstance(invoice, str) else base64.b64encode(invoice).decode()
    return client.service.enviarFactura(
        {
            "correo": email,
            "factura": {"factura": content, "nombre": name, "mime": mime},
            "anexos": {"anexo": anexos or []},
        }
    )
