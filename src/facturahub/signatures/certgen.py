"""Generate RSA keys and X.509 certificates for the sandbox and for tests: a small certificate
authority and the end-entity certificates it issues. Never used for production identities."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Identity:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    @property
    def certificate_der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def private_key_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common_name: str, organisation: str | None, tax_id: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "ES")]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    if tax_id:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCES-{tax_id}"))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def issue(
    common_name: str,
    *,
    issuer: Identity | None = None,
    tax_id: str | None = None,
    organisation: str | None = "facturahub sandbox",
    bits: int = 2048,
    not_before: datetime | None = None,
    days: int = 730,
    is_ca: bool = False,
    key: rsa.RSAPrivateKey | None = None,
    subject: x509.Name | None = None,
) -> Identity:
    """Issue a certificate signed by ``issuer`` (self-signed when None). Its subject is C=ES, the
    organisation, the tax id as serialNumber and ``common_name``, or ``subject`` when given."""
    private_key = key or new_key(bits)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    subject = subject or _name(common_name, organisation, tax_id)
    signer_name = issuer.certificate.subject if issuer else subject
    signer_key = issuer.private_key if issuer else private_key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer_name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
        ).add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
    certificate = builder.sign(signer_key, hashes.SHA256())
    return Identity(certificate, private_key)


def load_identity(certificate_pem: bytes, key_pem: bytes, password: bytes | None = None) -> Identity:
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    key = serialization.load_pem_private_key(key_pem, password=password)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("only RSA keys are supported for signing")
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise ValueError("the private key does not match the certificate")
    return Identity(certificate, key)
