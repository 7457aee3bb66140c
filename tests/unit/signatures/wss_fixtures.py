"""Test helpers for WS-Security: throwaway identities, real zeep-signed requests, and hand-built
request variants (the shapes PHP, Java/WSS4J and .NET clients send) signed by xmlsec — an engine
independent of our verifier, so a passing verification means our c14n and digests agree with it.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from xml.sax.saxutils import escape

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from zeep.wsse.compose import Compose
from zeep.wsse.signature import BinarySignature, MemorySignature
from zeep.wsse.utils import WSU, get_security_header, get_timestamp

from facturahub.signatures.dsig_algorithms import DS_NS, EXC_C14N, RSA_SHA256, SHA256

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
B64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
FACE = "https://webservice.face.gob.es"
NS = {"soapenv": SOAP, "wsse": WSSE, "wsu": WSU_NS, "ds": DS_NS}
WSU_ID = f"{{{WSU_NS}}}Id"

NOW = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
SERVER_TIME = "2024-05-01T10:00:00Z"
PAYLOAD = f'<web:consultarFactura xmlns:web="{FACE}"><numeroRegistro>201900000001</numeroRegistro></web:consultarFactura>'


@dataclass(frozen=True)
class Identity:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)


def make_identity(common_name: str, serial: int, key_size: int = 2048) -> Identity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "facturahub tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return Identity(key, certificate)


@cache
def identity(name: str) -> Identity:
    """Cached throwaway identities: "client", "attacker", "hub"."""
    serials = {"client": 0x1234ABCD, "attacker": 0x5555, "hub": 0x77}
    return make_identity(f"{name} test certificate", serials[name])


# --- real zeep clients -------------------------------------------------------------------------


class WsuTimestamp:
    """A zeep wsse plugin adding a wsu:Timestamp, as zeep users do (zeep has none built in); put it
    before BinarySignature in a Compose so the Timestamp gets signed."""

    def __init__(self, created: datetime, lifetime: int = 300, zulu: bool = True) -> None:
        self.created, self.lifetime, self.zulu = created, lifetime, zulu

    def apply(
        self, envelope: etree._Element, headers: dict[str, str]
    ) -> tuple[etree._Element, dict[str, str]]:
        security = get_security_header(envelope)
        expires = self.created + timedelta(seconds=self.lifetime)
        security.append(
            WSU.Timestamp(
                WSU.Created(get_timestamp(self.created, self.zulu)),
                WSU.Expires(get_timestamp(expires, self.zulu)),
            )
        )
        return envelope, headers

    def verify(self, envelope: etree._Element) -> etree._Element:
        return envelope


class MemoryBinarySignature(MemorySignature):
    """zeep's BinarySignature signing code (``BinarySignature.apply``) with an in-memory key."""

    apply = BinarySignature.apply


def bare_envelope(payload: str = PAYLOAD) -> etree._Element:
    return etree.fromstring(
        f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/><soapenv:Body>{payload}'
        "</soapenv:Body></soapenv:Envelope>"
    )


def zeep_request(
    signer: Identity,
    *,
    created: datetime = NOW,
    timestamp: bool = True,
    zulu: bool = True,
    signature_method: object = None,
    digest_method: object = None,
    payload: str = PAYLOAD,
) -> bytes:
    envelope = bare_envelope(payload)
    plugins: list[object] = [WsuTimestamp(created, zulu=zulu)] if timestamp else []
    plugins.append(
        MemoryBinarySignature(
            signer.key_pem, signer.cert_pem, signature_method=signature_method, digest_method=digest_method
        )
    )
    envelope, _ = Compose(plugins).apply(envelope, {})
    return bytes(etree.tostring(envelope))


# --- hand-built variants signed by xmlsec ------------------------------------------------------


def wsu_time(moment: datetime, zone: timezone | None = UTC) -> str:
    if zone is None:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    local = moment.astimezone(zone)
    text = local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"
    return text + ("Z" if zone is UTC else local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:])


def handbuilt_request(
    signer: Identity,
    *,
    created: datetime = NOW,
    lifetime: int = 300,
    zone: timezone | None = UTC,
    timestamp: str | None = "last",
    sign_timestamp: bool = True,
    signature_before_token: bool = True,
    c14n: str = EXC_C14N,
    c14n_prefixes: str | None = None,
    transforms: str | None = EXC_C14N,
    transform_prefixes: str | None = None,
    signature_method: str = RSA_SHA256,
    digest_method: str = SHA256,
    key_reference: str = "token",
    id_attribute: str = "wsu",
    envelope_attributes: str = "",
    header_extra: str = "",
    extra_signed_ids: tuple[str, ...] = (),
    sign_token: bool = False,
    token_certificate: x509.Certificate | None = None,
    timestamp_xml: str | None = None,
    issuer_name: str | None = None,
) -> bytes:
    """A request in the shapes real clients send, signed by xmlsec with ``signer``'s key.

    ``issuer_name`` is the ``X509IssuerName`` of an issuer-serial key reference, as the client
    library writes it (default: RFC 4514 as ``cryptography`` writes it)."""

    def id_attr(value: str) -> str:
        return f'wsu:Id="{value}"' if id_attribute == "wsu" else f'Id="{value}"'

    def inclusive(prefixes: str | None) -> str:
        return (
            ""
            if prefixes is None
            else f'<ec:InclusiveNamespaces xmlns:ec="{EXC_C14N}" PrefixList="{prefixes}"/>'
        )

    token_cert = token_certificate or signer.certificate
    token_der = base64.b64encode(token_cert.public_bytes(serialization.Encoding.DER)).decode()
    token_xml = (
        f'<wsse:BinarySecurityToken EncodingType="{B64}" ValueType="{X509V3}" {id_attr("X509-1")}>'
        f"{token_der}</wsse:BinarySecurityToken>"
    )
    if timestamp_xml is None:
        expires = created + timedelta(seconds=lifetime)
        timestamp_xml = (
            f"<wsu:Timestamp {id_attr('TS-1')}>\n      <wsu:Created>{wsu_time(created, zone)}</wsu:Created>\n"
            f"      <wsu:Expires>{wsu_time(expires, zone)}</wsu:Expires>\n    </wsu:Timestamp>"
        )
    signed_ids = ["Body-1"]
    if timestamp and sign_timestamp:
        signed_ids.append("TS-1")
    if sign_token:
        signed_ids.append("X509-1")
    signed_ids.extend(extra_signed_ids)
    transforms_xml = (
        ""
        if transforms is None
        else f'<ds:Transforms><ds:Transform Algorithm="{transforms}">{inclusive(transform_prefixes)}'
        "</ds:Transform></ds:Transforms>"
    )
    references = "".join(
        f'\n        <ds:Reference URI="#{ref}">{transforms_xml}<ds:DigestMethod Algorithm="{digest_method}"/>'
        "<ds:DigestValue></ds:DigestValue></ds:Reference>"
        for ref in signed_ids
    )
    if key_reference == "token":
        key_info = (
            f'<wsse:SecurityTokenReference><wsse:Reference URI="#X509-1" ValueType="{X509V3}"/>'
            "</wsse:SecurityTokenReference>"
        )
    else:
        key_info = (
            "<wsse:SecurityTokenReference><ds:X509Data><ds:X509IssuerSerial>"
            f"<ds:X509IssuerName>{escape(issuer_name or signer.certificate.issuer.rfc4514_string())}"
            "</ds:X509IssuerName>"
            f"<ds:X509SerialNumber>{signer.certificate.serial_number}</ds:X509SerialNumber>"
            "</ds:X509IssuerSerial></ds:X509Data></wsse:SecurityTokenReference>"
        )
    signature_xml = (
        f'<ds:Signature xmlns:ds="{DS_NS}" Id="SIG-1">\n      <ds:SignedInfo>\n        '
        f'<ds:CanonicalizationMethod Algorithm="{c14n}">{inclusive(c14n_prefixes)}</ds:CanonicalizationMethod>\n'
        f'        <ds:SignatureMethod Algorithm="{signature_method}"/>{references}\n      </ds:SignedInfo>\n'
        f"      <ds:SignatureValue></ds:SignatureValue>\n      <ds:KeyInfo>{key_info}</ds:KeyInfo>\n"
        "    </ds:Signature>"
    )
    parts = [signature_xml, token_xml] if signature_before_token else [token_xml, signature_xml]
    if key_reference != "token" and not sign_token:
        parts.remove(token_xml)
    if timestamp == "first":
        parts.insert(0, timestamp_xml)
    elif timestamp == "last":
        parts.append(timestamp_xml)
    security = "\n    ".join(parts)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="{SOAP}" '
        f'xmlns:wsse="{WSSE}" xmlns:wsu="{WSU_NS}"{envelope_attributes}>\n  <soapenv:Header>{header_extra}\n'
        f'    <wsse:Security soapenv:mustUnderstand="1">\n    {security}\n    </wsse:Security>\n'
        f"  </soapenv:Header>\n  <soapenv:Body {id_attr('Body-1')}>\n    {PAYLOAD}\n  </soapenv:Body>\n"
        "</soapenv:Envelope>"
    )
    return xmlsec_sign(xml.encode(), signer)


def xmlsec_sign(xml: bytes, signer: Identity) -> bytes:
    root = etree.fromstring(xml)
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(signer.key_pem, xmlsec.KeyFormat.PEM)
    for element in root.iter(etree.Element):
        if element.get(WSU_ID) is not None:
            context.register_id(element, "Id", WSU_NS)
        if element.get("Id") is not None:
            context.register_id(element, "Id")
    context.sign(root.find(f".//{{{DS_NS}}}Signature"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


# --- mutation helpers --------------------------------------------------------------------------


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def serialize(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root))


def find(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, NS)
    assert found is not None, path
    return found


def resign_rsa(root: etree._Element, signer: Identity, hash_algorithm: hashes.HashAlgorithm) -> None:
    """Recompute SignatureValue over the (exclusive c14n) SignedInfo as it now stands — the
    attacker's or a sloppy client's own valid signature over whatever SignedInfo says."""
    signed_info = find(root, ".//ds:SignedInfo")
    data = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    value = signer.key.sign(data, padding.PKCS1v15(), hash_algorithm)
    find(root, ".//ds:SignatureValue").text = base64.b64encode(value).decode()


def add_reference(root: etree._Element, uri: str, *, transforms: tuple[str, ...] = (EXC_C14N,)) -> None:
    signed_info = find(root, ".//ds:SignedInfo")
    reference = etree.SubElement(signed_info, f"{{{DS_NS}}}Reference", URI=uri)
    if transforms:
        holder = etree.SubElement(reference, f"{{{DS_NS}}}Transforms")
        for algorithm in transforms:
            etree.SubElement(holder, f"{{{DS_NS}}}Transform", Algorithm=algorithm)
    etree.SubElement(reference, f"{{{DS_NS}}}DigestMethod", Algorithm=SHA256)
    etree.SubElement(reference, f"{{{DS_NS}}}DigestValue").text = base64.b64encode(b"\0" * 32).decode()


@contextmanager
def canary_port() -> Iterator[tuple[int, socket.socket]]:
    """A listening loopback socket; ``connections(server)`` tells whether anyone connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1], server
    finally:
        server.close()


def connections(server: socket.socket) -> int:
    server.settimeout(0.3)
    count = 0
    while True:
        try:
            connection, _ = server.accept()
        except TimeoutError:
            return count
        connection.close()
        count += 1
