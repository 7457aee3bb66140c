"""X.509 helpers: read the public part of a certificate from PEM or DER, refuse anything else with a
precise reason, and summarise it (subject, issuer, serial, validity, thumbprints, key, tax id)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturahub.errors import InvalidInput

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PRIVATE_PEM_LABELS = (
    "PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
)
_CERT_PEM_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
# Prefixes of ETSI EN 319 412-1 semantics identifiers found in subject serialNumber /
# organizationIdentifier: IDCES-99999999R, VATES-B12345678, PASES-..., NTRES-...
_NAME_LABELS = {
    NameOID.SURNAME: "SN",
    NameOID.GIVEN_NAME: "GN",
    NameOID.SERIAL_NUMBER: "serialNumber",
    NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier",
    NameOID.EMAIL_ADDRESS: "emailAddress",
}
_TAX_ID_PREFIX = re.compile(r"^(?:IDC|VAT|NTR|PAS|TIN)[A-Z]{2}-")
_TAX_ID = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}", re.ASCII)  # certificates.tax_id holds 32


@dataclass(frozen=True)
class CertificateSummary:
    der: bytes
    subject: str
    issuer: str
    serial_number: int
    not_before: datetime
    not_after: datetime
    sha1: str
    sha256: str
    key_type: str
    key_size: int
    tax_id: str | None
    common_name: str | None

    @property
    def serial_hex(self) -> str:
        return format(self.serial_number, "x")

    def valid_at(self, moment: datetime) -> bool:
        return self.not_before <= moment <= self.not_after


def load_certificate(data: bytes) -> x509.Certificate:
    """Load exactly one public certificate from PEM or DER bytes.

    Raises ``InvalidInput`` with ``x509.private_key_material`` (any private key or PKCS#12 in the
    file), ``x509.not_a_certificate`` (something else: text, a CSR, a public key),
    ``x509.corrupt`` (looks like a certificate but does not decode) or
    ``x509.several_certificates``.
    """
    stripped = data.strip()
    if not stripped:
        raise InvalidInput("x509.not_a_certificate", detail="empty file")
    if b"-----BEGIN" in stripped:
        return _load_pem(stripped)
    return _load_der(data)  # binary: a last byte that happens to be 0x20 or 0x0a is data


def _load_pem(data: bytes) -> x509.Certificate:
    blocks = _PEM_BLOCK.findall(data)
    labels = [label.decode("ascii") for label, _ in blocks]
    if any(label in _PRIVATE_PEM_LABELS or label.endswith("PRIVATE KEY") for label in labels):
        raise InvalidInput("x509.private_key_material")
    if not blocks:
        raise InvalidInput("x509.corrupt", detail="unterminated PEM block")
    certificates = [body for label, body in blocks if label.decode("ascii") in _CERT_PEM_LABELS]
    if not certificates:
        raise InvalidInput("x509.not_a_certificate", detail=f"PEM block {labels[0]}")
    if len(certificates) > 1:
        raise InvalidInput("x509.several_certificates", count=len(certificates))
    try:
        der = base64.b64decode(b"".join(certificates[0].split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("x509.corrupt", detail=f"invalid base64 ({exc})") from None
    return _load_der(der)


def _load_der(der: bytes) -> x509.Certificate:
    if _looks_like_private_key(der):
        raise InvalidInput("x509.private_key_material")
    if not der.startswith(b"\x30"):
        raise InvalidInput("x509.not_a_certificate", detail="not PEM and not DER")
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise InvalidInput("x509.corrupt", detail=str(exc) or "DER does not decode") from None


def _looks_like_private_key(der: bytes) -> bool:
    try:
        serialization.load_der_private_key(der, password=None)
    except TypeError:  # an encrypted private key: still private key material
        return True
    except Exception:
        return _looks_like_pkcs12(der)
    return True


def _looks_like_pkcs12(der: bytes) -> bool:
    try:
        pkcs12.load_pkcs12(der, None)
    except ValueError as exc:
        # A PKCS#12 that needs a password still is one (it may hold a private key).
        return "password" in str(exc).lower() or "mac" in str(exc).lower()
    except Exception:
        return False
    return True


def summarise(certificate: x509.Certificate) -> CertificateSummary:
    der = certificate.public_bytes(serialization.Encoding.DER)
    key_type, key_size = _describe_key(certificate)
    return CertificateSummary(
        der=der,
        subject=certificate.subject.rfc4514_string(_NAME_LABELS),
        issuer=certificate.issuer.rfc4514_string(_NAME_LABELS),
        serial_number=certificate.serial_number,
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        sha1=hashlib.sha1(der, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(der).hexdigest(),
        key_type=key_type,
        key_size=key_size,
        tax_id=tax_id_from_subject(certificate.subject),
        common_name=_first(certificate.subject, NameOID.COMMON_NAME),
    )


def thumbprint_sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def _describe_key(certificate: x509.Certificate) -> tuple[str, int]:
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, 0


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    if not values:
        return None
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def tax_id_from_subject(name: x509.Name) -> str | None:
    """The holder's tax id from ``serialNumber`` (``IDCES-99999999R`` → ``99999999R``) or, for
    organisations, ``organizationIdentifier`` (``VATES-B12345678`` → ``B12345678``)."""
    for oid in (NameOID.SERIAL_NUMBER, NameOID.ORGANIZATION_IDENTIFIER):
        value = _first(name, oid)
        if value:
            tax_id = _TAX_ID_PREFIX.sub("", value.strip().upper())
            return tax_id if _TAX_ID.fullmatch(tax_id) else None  # some other kind of serialNumber
    return None


def utc_now() -> datetime:
    return datetime.now(UTC)
