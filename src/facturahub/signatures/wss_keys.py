"""Which certificate signed a WS-Security request, and which key verifies it.

The message only *names* a certificate: by a ``wsse:SecurityTokenReference`` to a
``BinarySecurityToken`` (or an ``X509Certificate`` it carries), or by ``X509IssuerSerial``. The
caller's ``resolve_key`` callback maps that reference to the **registered** certificate, and the
signature is verified with that certificate's key, never with a key the message supplies by itself.
Without a callback, a certificate carried by the message is used as is (suitable for tests and for
responses, never for a hub deciding who may call).
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from facturahub.errors import SecurityError
from facturahub.signatures.certificate_cache import load_base64_certificate
from facturahub.signatures.dsig_algorithms import DS_NS
from facturahub.signatures.dsig_signedinfo import fragment_id
from facturahub.signatures.wss_envelope import (
    BINARY_SECURITY_TOKEN,
    SECURITY_TOKEN_REFERENCE,
    WSSE_NS,
    describe,
)
from facturahub.signatures.x500_names import issuer_matches, read_name, read_serial_number

X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64_BINARY = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

_X509_DATA = f"{{{DS_NS}}}X509Data"
_X509_CERTIFICATE = f"{{{DS_NS}}}X509Certificate"
_X509_ISSUER_SERIAL = f"{{{DS_NS}}}X509IssuerSerial"
_WSSE_REFERENCE = f"{{{WSSE_NS}}}Reference"


@dataclass(frozen=True)
class CertificateReference:
    """The message carries the signing certificate: a BinarySecurityToken or an X509Certificate."""

    certificate: x509.Certificate
    der: bytes
    source: str  # "BinarySecurityToken" or "X509Certificate"
    token: etree._Element | None = None  # the BinarySecurityToken element, when there is one

    def describe(self) -> str:
        subject = self.certificate.subject.rfc4514_string()
        return f"{self.source} {subject}, serial {self.certificate.serial_number}"


@dataclass(frozen=True)
class IssuerSerialReference:
    """The message names a certificate by issuer and serial number (``X509IssuerSerial``)."""

    issuer: str  # as written in the message (readable: see ``x500_names``)
    serial: int

    def matches(self, certificate: x509.Certificate) -> bool:
        """True when ``certificate`` has this serial number and an equivalent issuer name."""
        return certificate.serial_number == self.serial and issuer_matches(self.issuer, certificate)

    def describe(self) -> str:
        return f"X509IssuerSerial {self.issuer}, serial {self.serial}"


KeyReference = CertificateReference | IssuerSerialReference
KeyResolver = Callable[[KeyReference], x509.Certificate | None]


def read_key_reference(
    key_info: etree._Element | None, security: etree._Element, ids: dict[str, etree._Element]
) -> KeyReference:
    """The certificate reference in ds:KeyInfo. Tokens are looked up in this Security header only."""
    if key_info is None:
        raise SecurityError("wss.key_reference_missing")
    children = [child for child in key_info if isinstance(child.tag, str)]
    if len(children) != 1:
        raise SecurityError(
            "wss.key_reference_unsupported", detail=f"KeyInfo holds {len(children)} elements, expected 1"
        )
    holder = children[0]
    if holder.tag == SECURITY_TOKEN_REFERENCE:
        inner = [child for child in holder if isinstance(child.tag, str)]
        if len(inner) != 1:
            raise SecurityError(
                "wss.key_reference_unsupported",
                detail=f"SecurityTokenReference holds {len(inner)} elements, expected 1",
            )
        holder = inner[0]
        if holder.tag == _WSSE_REFERENCE:
            return _token_reference(holder.get("URI", ""), security, ids)
    if holder.tag == _X509_DATA:
        return _x509_data(holder)
    raise SecurityError("wss.key_reference_unsupported", detail=describe(holder))


def select_certificate(reference: KeyReference, resolve_key: KeyResolver | None) -> x509.Certificate:
    """The certificate whose key verifies the signature (see the module docstring)."""
    if resolve_key is not None:
        certificate = resolve_key(reference)
        if certificate is None:
            raise SecurityError("wss.certificate_unknown", reference=reference.describe())
        return certificate
    if isinstance(reference, CertificateReference):
        return reference.certificate
    raise SecurityError("wss.key_unresolvable", reference=reference.describe())


def rsa_public_key(certificate: x509.Certificate, min_bits: int) -> rsa.RSAPublicKey:
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SecurityError("wss.key_type_unsupported", key_type=type(key).__name__)
    if key.key_size < min_bits:
        raise SecurityError("wss.key_too_small", bits=key.key_size, minimum=min_bits)
    return key


def _token_reference(uri: str, security: etree._Element, ids: dict[str, etree._Element]) -> KeyReference:
    token = ids.get(fragment_id(uri))
    if token is None or token.tag != BINARY_SECURITY_TOKEN or token.getparent() is not security:
        raise SecurityError("wss.token_missing", uri=uri)
    value_type = token.get("ValueType", X509V3)
    if value_type != X509V3:
        raise SecurityError("wss.token_type_unsupported", value_type=value_type)
    encoding = token.get("EncodingType", BASE64_BINARY)
    if encoding != BASE64_BINARY:
        raise SecurityError("wss.token_certificate_invalid", detail=f"encoding {encoding}")
    certificate, der = _certificate(token.text, "wss.token_certificate_invalid")
    return CertificateReference(certificate=certificate, der=der, source="BinarySecurityToken", token=token)


def _x509_data(x509_data: etree._Element) -> KeyReference:
    certificates = x509_data.findall(_X509_CERTIFICATE)
    issuer_serials = x509_data.findall(_X509_ISSUER_SERIAL)
    if len(certificates) > 1 or len(issuer_serials) > 1 or not (certificates or issuer_serials):
        raise SecurityError(
            "wss.key_reference_unsupported",
            detail="X509Data must hold one X509Certificate and/or one X509IssuerSerial",
        )
    issuer_serial = _issuer_serial(issuer_serials[0]) if issuer_serials else None
    if issuer_serial is not None and not certificates:
        return issuer_serial
    certificate, der = _certificate(certificates[0].text, "wss.key_reference_malformed")
    if issuer_serial is not None and not issuer_serial.matches(certificate):
        raise SecurityError(
            "wss.key_reference_malformed", detail="X509IssuerSerial does not name the X509Certificate"
        )
    return CertificateReference(certificate=certificate, der=der, source="X509Certificate")


def _issuer_serial(element: etree._Element) -> IssuerSerialReference:
    issuer = (element.findtext(f"{{{DS_NS}}}X509IssuerName") or "").strip()
    serial_text = (element.findtext(f"{{{DS_NS}}}X509SerialNumber") or "").strip()
    try:
        serial = read_serial_number(serial_text)
        if not issuer:
            raise ValueError("X509IssuerName is empty")
        read_name(issuer)
    except ValueError as exc:
        raise SecurityError(
            "wss.key_reference_malformed", detail=f"X509IssuerSerial cannot be read: {exc}"
        ) from None
    return IssuerSerialReference(issuer=issuer, serial=serial)


def _certificate(text: str | None, key: str) -> tuple[x509.Certificate, bytes]:
    try:
        der, certificate = load_base64_certificate(text)
        return certificate, der
    except (binascii.Error, ValueError) as exc:
        raise SecurityError(key, detail=str(exc) or type(exc).__name__) from None
