"""Signing Facturae invoices (XAdES-EPES) and loading signing keys.

Every signed output is verified twice: by our verifier and, independently, by xmlsec with the
signing certificate's key loaded explicitly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from facturahub.errors import InvalidInput
from facturahub.i18n import has_message
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures.xades import (
    FACTURAE_POLICY_HASH,
    FACTURAE_POLICY_IDENTIFIER,
    verify_invoice_signature,
)
from facturahub.signatures.xades_keys import load_pem_cert_and_key, load_pkcs12
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.signatures.xml import parse_xml

DS = "{http://www.w3.org/2000/09/xmldsig#}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
P12_FILES = ("facturae-php-facturae.p12", "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12")
UNSIGNED = (
    "fawno-unsigned-factura-prueba-v1-2-0.xml",
    "fawno-unsigned-factura_consorciodeaguas.xml",
    "fawno-unsigned-factura_dfb.xml",
    "fawno-unsigned-factura_ejemplo.xml",
)
ALGORITHMS = {
    "rsa-sha1": (algorithms.RSA_SHA1, algorithms.SHA1),
    "rsa-sha256": (algorithms.RSA_SHA256, algorithms.SHA256),
    "rsa-sha512": (algorithms.RSA_SHA512, algorithms.SHA512),
}


def _p12(shared_data: Path, name: str) -> bytes:
    return (shared_data / "certs" / name).read_bytes()


def _unsigned(shared_data: Path, name: str = "fawno-unsigned-factura_dfb.xml") -> bytes:
    return (shared_data / "facturae" / "samples" / name).read_bytes()


def _xmlsec_verifies(signed: bytes, certificate: x509.Certificate) -> None:
    """Independent check: libxmlsec1, with only the given certificate's key."""
    root = parse_xml(signed).getroot()
    xmlsec.tree.add_ids(root, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        certificate.public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
    )
    context.verify(root.find(f"{DS}Signature"))


def _self_signed(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, name: str) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
@pytest.mark.parametrize("unsigned_name", UNSIGNED)
@pytest.mark.parametrize("p12_name", P12_FILES)
def test_each_sample_signed_with_each_algorithm_and_certificate_verifies(
    shared_data: Path, p12_name: str, unsigned_name: str, algorithm: str
) -> None:
    certificate, key, chain = load_pkcs12(_p12(shared_data, p12_name), "1234")
    signing_time = datetime(2025, 6, 1, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    original = parse_xml(_unsigned(shared_data, unsigned_name)).getroot()

    signed = sign_invoice(
        _unsigned(shared_data, unsigned_name),
        certificate,
        key,
        chain=chain,
        algorithm=algorithm,
        signing_time=signing_time,
    )

    verified = verify_invoice_signature(signed)
    signature_method, digest_method = ALGORITHMS[algorithm]
    assert verified.signature_algorithm == signature_method
    assert verified.digest_algorithm == digest_method
    assert verified.certificate == certificate
    assert verified.embedded_certificates == chain
    assert verified.signing_time == datetime(2025, 6, 1, 8, 30, tzinfo=UTC)
    assert verified.policy_identifier == FACTURAE_POLICY_IDENTIFIER
    assert verified.signer_roles == ("emisor",)
    assert verified.root.tag == original.tag
    _xmlsec_verifies(signed, certificate)


def test_signature_layout_is_xades_epes_enveloped_with_inclusive_c14n(shared_data: Path) -> None:
    certificate, key, chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), b"1234")

    root = parse_xml(sign_invoice(_unsigned(shared_data), certificate, key, chain=chain)).getroot()

    signature = root[-1]
    assert signature.tag == f"{DS}Signature"
    signed_info = signature.find(f"{DS}SignedInfo")
    assert signed_info.find(f"{DS}CanonicalizationMethod").get("Algorithm") == algorithms.C14N_10
    assert signed_info.find(f"{DS}SignatureMethod").get("Algorithm") == algorithms.RSA_SHA256
    references = signed_info.findall(f"{DS}Reference")
    assert [reference.get("URI") for reference in references] == [
        "",
        f"#{signature.get('Id')}-SignedProperties",
        f"#{signature.get('Id')}-KeyInfo",
    ]
    assert [t.get("Algorithm") for t in references[0].iter(f"{DS}Transform")] == [
        algorithms.ENVELOPED_SIGNATURE
    ]
    assert references[1].get("Type") == "http://uri.etsi.org/01903#SignedProperties"
    certificates = signature.findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert len(certificates) == 1 + len(chain)
    assert signature.find(f".//{DS}KeyValue") is None
    properties = signature.find(f"{DS}Object/{XADES}QualifyingProperties/{XADES}SignedProperties")
    assert properties.findtext(f".//{XADES}SigPolicyId/{XADES}Identifier") == FACTURAE_POLICY_IDENTIFIER
    assert properties.findtext(f".//{XADES}SigPolicyHash/{DS}DigestValue") == FACTURAE_POLICY_HASH
    assert properties.findtext(f".//{XADES}IssuerSerial/{DS}X509SerialNumber") == str(
        certificate.serial_number
    )


def test_inherited_xml_attributes_are_canonicalised_as_c14n_requires(shared_data: Path) -> None:
    """Inclusive C14N 1.0 of SignedInfo/SignedProperties carries xml:lang and xml:space inherited
    from the root; lxml alone leaves them out, xmlsec (and other verifiers) do not."""
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    unsigned = _unsigned(shared_data)
    tag_end = unsigned.index(b" ", unsigned.index(b"Facturae"))
    unsigned = unsigned[:tag_end] + b' xml:lang="es" xml:space="preserve"' + unsigned[tag_end:]

    signed = sign_invoice(unsigned, certificate, key)

    assert verify_invoice_signature(signed).root.get("{http://www.w3.org/XML/1998/namespace}lang") == "es"
    _xmlsec_verifies(signed, certificate)


def test_signer_role_is_optional(shared_data: Path) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[1]), "1234")

    signed = sign_invoice(_unsigned(shared_data), certificate, key, signer_role=None)

    assert b"SignerRole" not in signed
    verified = verify_invoice_signature(signed)
    assert verified.signer_roles == ()
    assert verified.embedded_certificates == ()


def test_default_signing_time_is_now(shared_data: Path) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    before = datetime.now(UTC).replace(microsecond=0)

    verified = verify_invoice_signature(sign_invoice(_unsigned(shared_data), certificate, key))

    assert before <= verified.signing_time <= datetime.now(UTC)


def test_signing_twice_is_refused(shared_data: Path) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    signed = sign_invoice(_unsigned(shared_data), certificate, key)

    with pytest.raises(InvalidInput) as caught:
        sign_invoice(signed, certificate, key)

    assert caught.value.key == "xades_sign.already_signed"


@pytest.mark.parametrize("algorithm", ["rsa-md5", "hmac-sha256", "dsa-sha1", "RSA-SHA256", "rsa-sha384"])
def test_unsupported_signing_algorithms_are_refused(shared_data: Path, algorithm: str) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")

    with pytest.raises(InvalidInput) as caught:
        sign_invoice(_unsigned(shared_data), certificate, key, algorithm=algorithm)

    assert caught.value.key == "xades_sign.algorithm_unsupported"
    assert caught.value.params == {"algorithm": algorithm, "supported": "rsa-sha1, rsa-sha256, rsa-sha512"}


def test_naive_signing_time_is_refused(shared_data: Path) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")

    with pytest.raises(InvalidInput) as caught:
        sign_invoice(_unsigned(shared_data), certificate, key, signing_time=datetime(2025, 1, 1))

    assert caught.value.key == "xades_sign.signing_time_naive"


def test_signing_with_a_key_that_is_not_the_certificates_is_refused(shared_data: Path) -> None:
    certificate, _key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    _other_certificate, other_key, _ = load_pkcs12(_p12(shared_data, P12_FILES[1]), "1234")

    with pytest.raises(InvalidInput) as caught:
        sign_invoice(_unsigned(shared_data), certificate, other_key)

    assert caught.value.key == "signing_key.certificate_mismatch"
    assert "99999972C" in caught.value.params["subject"]


# --- loading keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize("p12_name", P12_FILES)
def test_pkcs12_gives_certificate_key_and_chain(shared_data: Path, p12_name: str) -> None:
    certificate, key, chain = load_pkcs12(_p12(shared_data, p12_name), "1234")

    assert "EIDAS CERTIFICADO PRUEBAS" in certificate.subject.rfc4514_string()
    assert key.key_size >= 2048
    assert [c.subject.rfc4514_string() for c in chain] == [
        "CN=AC FNMT Usuarios,OU=Ceres,O=FNMT-RCM,C=ES",
        "OU=AC RAIZ FNMT-RCM,O=FNMT-RCM,C=ES",
    ]


def test_pkcs12_without_private_key_is_refused_precisely(shared_data: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_pkcs12(_p12(shared_data, "gobl-client-without-key.p12"), "invopop")

    assert caught.value.key == "signing_key.pkcs12_no_private_key"
    assert caught.value.params == {"certificates": 1}
    assert has_message(caught.value.key)
    assert "clave privada" in caught.value.message("es")


def test_pkcs12_with_a_key_but_no_certificate_is_refused_precisely() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = pkcs12.serialize_key_and_certificates(
        b"key only", key, None, None, serialization.BestAvailableEncryption(b"1234")
    )

    with pytest.raises(InvalidInput) as caught:
        load_pkcs12(data, "1234")

    assert caught.value.key == "signing_key.pkcs12_no_certificate"


@pytest.mark.parametrize(
    ("name", "password"),
    [(P12_FILES[0], "12345"), (P12_FILES[1], ""), ("gobl-client-without-key.p12", "1234")],
)
def test_pkcs12_with_wrong_password_is_refused_precisely(shared_data: Path, name: str, password: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_pkcs12(_p12(shared_data, name), password)

    assert caught.value.key == "signing_key.pkcs12_wrong_password"


@pytest.mark.parametrize("data", [b"", b"not a p12 at all", b"0\x03\x02\x01\x05"])
def test_data_that_is_not_pkcs12_is_refused_as_unreadable(data: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_pkcs12(data, "1234")

    assert caught.value.key == "signing_key.pkcs12_unreadable"


def test_pem_certificate_and_key_load_and_sign(shared_data: Path) -> None:
    certificate, key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[1]), "1234")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )

    loaded_certificate, loaded_key, chain = load_pem_cert_and_key(cert_pem, key_pem, "secret")
    assert chain == ()

    assert loaded_certificate == certificate
    signed = sign_invoice(_unsigned(shared_data), loaded_certificate, loaded_key, algorithm="rsa-sha512")
    assert verify_invoice_signature(signed).certificate == certificate


def test_pem_key_of_another_certificate_is_refused(shared_data: Path) -> None:
    certificate, _key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    with pytest.raises(InvalidInput) as caught:
        load_pem_cert_and_key(certificate.public_bytes(serialization.Encoding.PEM), key_pem)

    assert caught.value.key == "signing_key.certificate_mismatch"


def test_non_rsa_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, "EC signer")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )

    with pytest.raises(InvalidInput) as caught:
        load_pem_cert_and_key(certificate.public_bytes(serialization.Encoding.PEM), key_pem)

    assert caught.value.key == "signing_key.key_unsupported"
    assert caught.value.params == {"key_type": "EC"}


@pytest.mark.parametrize(
    ("cert_pem", "key_pem", "password", "key"),
    [
        (b"garbage", b"", None, "signing_key.pem_certificate_unreadable"),
        (
            None,
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            None,
            "signing_key.pem_key_unreadable",
        ),
        (None, "encrypted", "wrong", "signing_key.pem_key_unreadable"),
        (None, "encrypted", None, "signing_key.pem_key_unreadable"),
    ],
)
def test_unreadable_pem_is_refused_precisely(
    shared_data: Path, cert_pem: bytes | None, key_pem: bytes | str, password: str | None, key: str
) -> None:
    certificate, private_key, _chain = load_pkcs12(_p12(shared_data, P12_FILES[0]), "1234")
    if cert_pem is None:
        cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    if key_pem == "encrypted":
        key_pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"right"),
        )
    assert isinstance(key_pem, bytes)

    with pytest.raises(InvalidInput) as caught:
        load_pem_cert_and_key(cert_pem, key_pem, password)

    assert caught.value.key == key
