"""Reading uploaded certificates: the public part only, with a precise reason for anything else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturahub.errors import InvalidInput
from facturahub.signatures.certgen import issue, new_key
from facturahub.signatures.x509 import load_certificate, summarise


def _fnmt_test_certificate(shared_data: Path) -> x509.Certificate:
    p12 = (shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12").read_bytes()
    _key, certificate, _chain = pkcs12.load_key_and_certificates(p12, b"1234")
    assert certificate is not None
    return certificate


def test_summary_of_a_real_fnmt_test_certificate(shared_data: Path) -> None:
    certificate = _fnmt_test_certificate(shared_data)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    summary = summarise(load_certificate(pem))
    assert summary.tax_id == "99999999R"
    assert "serialNumber=IDCES-99999999R" in summary.subject
    assert "O=FNMT-RCM" in summary.issuer
    assert (summary.key_type, summary.key_size) == ("RSA", 2048)
    assert summary.not_before.date().isoformat() == "2024-10-30"
    assert summary.not_after.date().isoformat() == "2028-10-30"
    der = certificate.public_bytes(serialization.Encoding.DER)
    assert summary.sha256 == certificate.fingerprint(hashes.SHA256()).hex()
    assert summary.sha1 == certificate.fingerprint(hashes.SHA1()).hex()  # noqa: S303 - thumbprint only
    assert summarise(load_certificate(der)) == summary  # .cer (DER) reads the same


def test_organisation_identifier_gives_the_tax_id() -> None:
    key = new_key()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "VATES-B00000018"),
            x509.NameAttribute(NameOID.COMMON_NAME, "sello"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now.replace(year=now.year + 1))
        .sign(key, hashes.SHA256())
    )
    assert summarise(certificate).tax_id == "B00000018"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda i: i.private_key_pem, id="pkcs8-pem"),
        pytest.param(lambda i: i.certificate_pem + i.private_key_pem, id="cert-and-key-pem"),
        pytest.param(
            lambda i: i.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            ),
            id="rsa-pem",
        ),
        pytest.param(
            lambda i: i.private_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            id="pkcs8-der",
        ),
        pytest.param(
            lambda i: pkcs12.serialize_key_and_certificates(
                b"x", i.private_key, i.certificate, None, serialization.BestAvailableEncryption(b"pw")
            ),
            id="pkcs12",
        ),
    ],
)
def test_private_key_material_is_refused(payload) -> None:  # type: ignore[no-untyped-def]
    identity = issue("victim")
    with pytest.raises(InvalidInput) as caught:
        load_certificate(payload(identity))
    assert caught.value.key == "x509.private_key_material"
    assert "clave privada" in caught.value.message("es")


def test_real_pkcs12_file_is_refused_as_private_key_material(shared_data: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_certificate((shared_data / "certs" / "facturae-php-facturae.p12").read_bytes())
    assert caught.value.key == "x509.private_key_material"


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        (b"hello, this is not a certificate\n", "not PEM and not DER"),
        (b"", "empty file"),
        (
            b"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n",
            "PUBLIC KEY",
        ),
        (
            b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
            "CERTIFICATE REQUEST",
        ),
    ],
)
def test_not_a_certificate(data: bytes, detail: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_certificate(data)
    assert caught.value.key == "x509.not_a_certificate"
    assert detail in caught.value.message("en")


def test_corrupt_certificates() -> None:
    pem = issue("c").certificate_pem
    truncated_der = issue("d").certificate_der[:200]
    lines = pem.splitlines()
    bad_base64 = b"\n".join([lines[0], b"!!!not base64!!!", lines[-1]])
    for data in (truncated_der, bad_base64, pem.replace(b"-----END CERTIFICATE-----", b"")):
        with pytest.raises(InvalidInput) as caught:
            load_certificate(data)
        assert caught.value.key == "x509.corrupt", data[:40]


def test_two_certificates_in_one_file_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_certificate(issue("a").certificate_pem + issue("b").certificate_pem)
    assert caught.value.key == "x509.several_certificates"
    assert caught.value.params["count"] == 2


@pytest.mark.parametrize("last_byte", [b" ", b"\n", b"\t", b"\r"])
def test_a_der_file_whose_last_byte_is_a_whitespace_code_is_read_whole(last_byte: bytes) -> None:
    """DER is binary: its last byte is whatever the signature ends with (0x20 in about 1 of 43
    certificates). Stripping it as if it were text turned valid certificates and private keys into
    ``x509.corrupt``."""
    identity = issue("whitespace tail")
    template = identity.certificate
    der = b""
    for serial in range(1, 100_000):  # re-sign with new serials until the signature ends so
        candidate = (
            x509.CertificateBuilder()
            .subject_name(template.subject)
            .issuer_name(template.issuer)
            .public_key(identity.private_key.public_key())
            .serial_number(serial)
            .not_valid_before(template.not_valid_before_utc)
            .not_valid_after(template.not_valid_after_utc)
            .sign(identity.private_key, hashes.SHA256())
        )
        der = candidate.public_bytes(serialization.Encoding.DER)
        if der.endswith(last_byte):
            break
    assert der.endswith(last_byte)
    assert load_certificate(der).serial_number == candidate.serial_number
    with pytest.raises(InvalidInput) as caught:
        load_certificate(der[:-1])
    assert caught.value.key == "x509.corrupt"  # one byte short really is corrupt
