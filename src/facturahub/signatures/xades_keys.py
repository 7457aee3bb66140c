"""Loading a signing certificate and its RSA private key, from PKCS#12 or PEM, with precise errors
(``InvalidInput`` keys ``signing_key.*``)."""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from facturahub.errors import InvalidInput
from facturahub.signatures import xades_messages as _messages  # noqa: F401  (registers the catalog)

SigningMaterial = tuple[x509.Certificate, rsa.RSAPrivateKey, tuple[x509.Certificate, ...]]


def load_pkcs12(data: bytes, password: str | bytes | None) -> SigningMaterial:
    """(certificate, RSA private key, the other certificates of the file) from a .p12/.pfx."""
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        bundle = pkcs12.load_pkcs12(data, secret or None)
    except ValueError as exc:
        if _looks_like_pkcs12(data):
            raise InvalidInput("signing_key.pkcs12_wrong_password") from None
        raise InvalidInput("signing_key.pkcs12_unreadable", detail=str(exc) or "not PKCS#12") from None
    except UnsupportedAlgorithm as exc:
        raise InvalidInput("signing_key.pkcs12_unreadable", detail=str(exc)) from None
    chain = tuple(item.certificate for item in bundle.additional_certs)
    if bundle.key is None:
        count = len(chain) + (1 if bundle.cert is not None else 0)
        raise InvalidInput("signing_key.pkcs12_no_private_key", certificates=count)
    if bundle.cert is None:
        raise InvalidInput("signing_key.pkcs12_no_certificate")
    certificate = bundle.cert.certificate
    return certificate, check_key_pair(bundle.key, certificate), chain


def load_pem_cert_and_key(
    cert_pem: bytes, key_pem: bytes, password: str | bytes | None = None
) -> SigningMaterial:
    """(certificate, RSA private key, the other certificates of the file) from PEM files. The
    certificate file may hold a chain in any order (a "fullchain.pem"): the signing certificate is
    the one the key belongs to, never simply the first."""
    try:
        certificates = x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:
        raise InvalidInput("signing_key.pem_certificate_unreadable", detail=str(exc)) from None
    secret = password.encode("utf-8") if isinstance(password, str) else password
    try:
        key = serialization.load_pem_private_key(key_pem, secret)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise InvalidInput("signing_key.pem_key_unreadable", detail=str(exc)) from None
    if len(certificates) == 1:
        return certificates[0], check_key_pair(key, certificates[0]), ()
    public = _spki(_rsa(key).public_key())
    owners = [c for c in certificates if _spki(c.public_key()) == public]
    if not owners:
        raise InvalidInput("signing_key.no_certificate_for_key", certificates=len(certificates))
    certificate = owners[0]
    return (
        certificate,
        check_key_pair(key, certificate),
        tuple(c for c in certificates if c is not certificate),
    )


def check_key_pair(key: object, certificate: x509.Certificate) -> rsa.RSAPrivateKey:
    """``key`` as an RSA private key, provided it is the private half of ``certificate``'s key."""
    rsa_key = _rsa(key)
    if _spki(rsa_key.public_key()) != _spki(certificate.public_key()):
        raise InvalidInput("signing_key.certificate_mismatch", subject=certificate.subject.rfc4514_string())
    return rsa_key


def _rsa(key: object) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidInput("signing_key.key_unsupported", key_type=_key_type(key))
    return key


def _key_type(key: object) -> str:
    for kind, name in (
        (ec.EllipticCurvePrivateKey, "EC"),
        (dsa.DSAPrivateKey, "DSA"),
        (ed25519.Ed25519PrivateKey, "Ed25519"),
        (ed448.Ed448PrivateKey, "Ed448"),
    ):
        if isinstance(key, kind):
            return name
    return type(key).__name__


def _spki(key: CertificatePublicKeyTypes) -> bytes:
    return bytes(
        key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _looks_like_pkcs12(data: bytes) -> bool:
    """A DER ``PFX`` starts ``SEQUENCE { INTEGER 3, ...``: if the outer structure is there, the
    failure to open it is the password (or its MAC)."""
    if len(data) < 4 or data[0] != 0x30:
        return False
    length_byte = data[1]
    offset = 2 + (length_byte & 0x7F if length_byte & 0x80 else 0)
    return data[offset : offset + 3] == b"\x02\x01\x03"
