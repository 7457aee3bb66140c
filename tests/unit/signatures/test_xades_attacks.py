"""Negative tests of the invoice-signature rules (security.md F1-F4, S4 applied to XAdES).

Most attacks start from a genuine signature and are then *re-signed* where the attacker could do
so (``_resign`` recomputes every local reference digest and the SignatureValue with a key the
attacker holds), so that each test fails for the rule it is about and not for a broken digest.
``_resign`` is written here with plain lxml + cryptography, independently of the code under test.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from tests.xmlsec_signing import UNUSED_DEFAULT_NAMESPACE, resign_exclusive_with_default_prefix

from facturahub.errors import SecurityError, SignatureInvalid
from facturahub.i18n import has_message
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures import dsig_c14n, xades_dsig
from facturahub.signatures.xades import POLICY_ERROR_KEYS, verify_invoice_signature
from facturahub.signatures.xades_keys import load_pkcs12
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.signatures.xml import parse_xml

DS_NS = "http://www.w3.org/2000/09/xmldsig#"
DS = f"{{{DS_NS}}}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
NS = {"ds": DS_NS, "xades": XADES[1:-1]}
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_HASHLIB = {
    "http://www.w3.org/2000/09/xmldsig#sha1": "sha1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "sha256",
    "http://www.w3.org/2001/04/xmlenc#sha512": "sha512",
}
_SIGNATURE_HASH = {
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1": hashes.SHA1(),  # noqa: S303 - rsa-sha1 is in the allow-list
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512(),
}


# --- fixtures and helpers -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def victim(shared_data: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    p12 = (shared_data / "certs" / "facturae-php-facturae.p12").read_bytes()
    certificate, key, _chain = load_pkcs12(p12, "1234")
    return certificate, key


@pytest.fixture(scope="module")
def attacker() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Mallory")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(4242)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate, key


@pytest.fixture
def signed(shared_data: Path, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]) -> Any:
    """A fresh tree of a fawno invoice signed by the victim (rsa-sha256) with our signer."""
    unsigned = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    certificate, key = victim
    data = sign_invoice(unsigned, certificate, key, signing_time=datetime(2025, 3, 1, 12, 0, tzinfo=UTC))
    verify_invoice_signature(data)  # the starting point is genuine
    return parse_xml(data)


def _sample(shared_data: Path, name: str) -> Any:
    return parse_xml((shared_data / "facturae" / "samples" / name).read_bytes())


def _signature(tree: Any) -> Any:
    return tree.find(f".//{DS}Signature")


def _c14n(node: Any, *, exclusive: bool = False) -> bytes:
    return bytes(etree.tostring(node, method="c14n", exclusive=exclusive, with_comments=False))


def _exclusive(element: Any) -> bool:
    """Whether the canonicalisation named in ``element`` (or among its Transforms) is exclusive."""
    return any((e.get("Algorithm") or "").startswith(EXC_C14N) for e in element.iter())


def _resign(tree: Any, key: rsa.RSAPrivateKey, *, keep_digests: bool = False) -> Any:
    """Recompute every local reference digest (unless ``keep_digests``) and the SignatureValue."""
    signature = _signature(tree)
    signed_info = signature.find(f"{DS}SignedInfo")
    if not keep_digests:
        for reference in signed_info.findall(f"{DS}Reference"):
            uri = reference.get("URI")
            targets = (
                tree.xpath("//*[@Id=$id]", id=uri[1:]) if uri and re.fullmatch(r"#[\w.\-]+", uri) else []
            )
            if not uri or (targets and targets[0] is tree.getroot()):
                clone = copy.deepcopy(tree)
                clone_signature = _signature(clone)
                clone_signature.getparent().remove(clone_signature)  # our signatures have no tail
                octets = _c14n(clone if not uri else clone.getroot(), exclusive=_exclusive(reference))
            elif targets:
                octets = _c14n(targets[0], exclusive=_exclusive(reference))
            else:
                continue
            method = _HASHLIB.get(reference.find(f"{DS}DigestMethod").get("Algorithm"), "sha256")
            digest = hashlib.new(method, octets).digest()
            reference.find(f"{DS}DigestValue").text = base64.b64encode(digest).decode()
    method = signed_info.find(f"{DS}SignatureMethod").get("Algorithm")
    octets = _c14n(signed_info, exclusive=_exclusive(signed_info.find(f"{DS}CanonicalizationMethod")))
    value = key.sign(octets, padding.PKCS1v15(), _SIGNATURE_HASH.get(method, hashes.SHA256()))
    signature.find(f"{DS}SignatureValue").text = base64.b64encode(value).decode()
    return tree


def _bytes(tree: Any) -> bytes:
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


def _refused(tree_or_bytes: Any, key: str, **params: object) -> SignatureInvalid:
    """Verify from serialised bytes (as a client would send them); expect ``key`` and ``params``."""
    data = tree_or_bytes if isinstance(tree_or_bytes, bytes) else _bytes(tree_or_bytes)
    with pytest.raises(SignatureInvalid) as caught:
        verify_invoice_signature(data)
    error = caught.value
    assert error.key == key, (error.key, error.params)
    for name, value in params.items():
        assert error.params.get(name) == value, (name, error.params)
    assert has_message(error.key)
    for language in ("es", "en"):
        assert not re.search(r"\{\w+\}", error.message(language))
    return error


def _first(tree: Any, path: str) -> Any:
    found = tree.xpath(path, namespaces=NS)
    assert found, path
    return found[0]


def _reference(tree: Any, uri: str, digest_method: str = "http://www.w3.org/2001/04/xmlenc#sha256") -> Any:
    signed_info = _signature(tree).find(f"{DS}SignedInfo")
    reference = etree.SubElement(signed_info, f"{DS}Reference", URI=uri)
    etree.SubElement(reference, f"{DS}DigestMethod", Algorithm=digest_method)
    etree.SubElement(reference, f"{DS}DigestValue").text = base64.b64encode(b"\0" * 32).decode()
    return reference


# --- F1 forged key --------------------------------------------------------------------------------


def _rsa_key_value(key: rsa.RSAPrivateKey) -> Any:
    numbers = key.public_key().public_numbers()
    key_value = etree.Element(f"{DS}KeyValue")
    rsa_value = etree.SubElement(key_value, f"{DS}RSAKeyValue")
    modulus = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    etree.SubElement(rsa_value, f"{DS}Modulus").text = base64.b64encode(modulus).decode()
    etree.SubElement(rsa_value, f"{DS}Exponent").text = base64.b64encode(
        numbers.e.to_bytes(3, "big")
    ).decode()
    return key_value


def test_f1_forged_signature_with_victims_certificate_and_attackers_keyvalue(
    signed: Any, attacker: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//InvoiceTotal").text = "1.00"
    _first(signed, "//ds:KeyInfo").append(_rsa_key_value(attacker[1]))
    _resign(signed, attacker[1])
    # A verifier trusting the KeyValue would accept this: it does verify with the attacker's key.
    attacker[1].public_key().verify(
        base64.b64decode(_first(signed, "//ds:SignatureValue").text),
        _c14n(_first(signed, "//ds:SignedInfo")),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )

    _refused(signed, "xades.signature_value_invalid", certificates=1)


def test_f1_forged_signature_over_a_real_sample_keeping_its_keyvalue(
    shared_data: Path, attacker: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    _first(tree, "//InvoiceTotal").text = "1.00"
    key_value = _first(tree, "//ds:KeyValue")
    key_value.getparent().replace(key_value, _rsa_key_value(attacker[1]))
    _resign(tree, attacker[1])

    _refused(tree, "xades.signature_value_invalid")


def test_f1_attackers_own_certificate_cannot_claim_the_victims_signing_certificate(
    signed: Any, attacker: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    x509_data = _first(signed, "//ds:X509Data")
    attacker_der = attacker[0].public_bytes(serialization.Encoding.DER)
    element = etree.Element(f"{DS}X509Certificate")
    element.text = base64.b64encode(attacker_der).decode()
    x509_data.insert(0, element)
    _resign(signed, attacker[1])

    # The signature does verify, with the attacker's certificate; SigningCertificate names the victim.
    error = _refused(signed, "xades.signing_certificate_mismatch")
    assert error.params["actual"] == base64.b64encode(hashlib.sha256(attacker_der).digest()).decode()


def test_f1_keyvalue_without_x509_certificate_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    key_info = _first(signed, "//ds:KeyInfo")
    key_info.remove(key_info.find(f"{DS}X509Data"))
    key_info.append(_rsa_key_value(victim[1]))  # even the genuine key: a bare key names nobody
    _resign(signed, victim[1])

    _refused(signed, "xades.certificate_missing")


# --- F2 enveloped signature wrapping --------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["factura-prueba-v1-2-0.xsig", "aapp2face-sample-factura-firmada-32v1.xsig", "oca-facturae_01.xsig"],
)
def test_f2_second_facturae_hidden_in_the_signature_object_is_refused(shared_data: Path, name: str) -> None:
    tree = _sample(shared_data, name)
    forged = copy.deepcopy(tree.getroot())
    forged.remove(forged.find(f"{DS}Signature"))
    _first(forged, "//InvoiceTotal").text = "999999.99"
    # The enveloped-signature transform removes the whole ds:Signature from the digest: a Facturae
    # inside it is outside the signed node, the digest would still match.
    etree.SubElement(_signature(tree), f"{DS}Object").append(forged)

    error = _refused(tree, "xades.unexpected_signature_content", element="Facturae")
    assert error.params["namespace"].startswith("http://www.facturae.es/")


def test_f2_unqualified_invoice_hidden_in_the_signature_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "factura-prueba-v1-2-0.xsig")
    invoice = copy.deepcopy(_first(tree, "//Invoice"))
    _first(tree, "//ds:Object").append(invoice)

    _refused(tree, "xades.unexpected_signature_content", element="Invoice", namespace="")


def test_f2_signed_facturae_wrapped_under_a_forged_root_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "factura-prueba-v1-2-0.xsig")
    genuine = tree.getroot()
    forged_root = copy.deepcopy(genuine)
    forged_root.remove(forged_root.find(f"{DS}Signature"))
    _first(forged_root, "//InvoiceTotal").text = "999999.99"
    forged_root.append(genuine)

    _refused(etree.ElementTree(forged_root), "xades.signature_not_enveloped", parent="Facturae")


def test_f2_signature_moved_into_an_object_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    root = tree.getroot()
    signature = root.find(f"{DS}Signature")
    etree.SubElement(root, f"{DS}Object").append(signature)

    _refused(tree, "xades.signature_not_enveloped", parent="Object")


def test_f2_signature_moved_into_the_object_of_a_second_signature_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    root = tree.getroot()
    genuine = root.find(f"{DS}Signature")
    outer = copy.deepcopy(genuine)
    outer.find(f"{DS}Object").append(genuine)
    root.append(outer)

    _refused(tree, "xades.signature_multiple", count=2)


def test_f2_extra_reference_to_an_invoice_element_is_refused_before_any_crypto(shared_data: Path) -> None:
    tree = _sample(shared_data, "factura-prueba-v1-2-0.xsig")
    _first(tree, "//Invoice").set("Id", "invoice-1")
    _reference(tree, "#invoice-1")

    _refused(tree, "xades.unexpected_reference", uri="#invoice-1")


def test_f2_extra_reference_validly_signed_is_still_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//Invoice").set("Id", "invoice-1")
    _reference(signed, "#invoice-1")
    _resign(signed, victim[1])

    _refused(signed, "xades.unexpected_reference", uri="#invoice-1")


def test_f2_second_whole_document_reference_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    extra = _reference(signed, "")
    transforms = etree.Element(f"{DS}Transforms")
    etree.SubElement(transforms, f"{DS}Transform", Algorithm=algorithms.ENVELOPED_SIGNATURE)
    extra.insert(0, transforms)
    _resign(signed, victim[1])

    _refused(signed, "xades.document_reference_multiple", count=2)


def test_f2_document_reference_by_id_must_name_the_root_itself(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    document_reference = _first(signed, "//ds:Reference[@URI='']")
    signed.getroot().set("Id", "whole")
    document_reference.set("URI", "#whole")
    _resign(signed, victim[1])
    assert verify_invoice_signature(_bytes(signed)).root.get("Id") == "whole"

    _first(signed, "//Invoice").set("Id", "just-one-invoice")
    document_reference.set("URI", "#just-one-invoice")
    _resign(signed, victim[1])
    _refused(signed, "xades.unexpected_reference", uri="#just-one-invoice")


def test_f2_signed_properties_must_be_referenced(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    reference = _first(signed, "//ds:Reference[@Type='http://uri.etsi.org/01903#SignedProperties']")
    reference.getparent().remove(reference)
    _resign(signed, victim[1])

    _refused(signed, "xades.signed_properties_not_referenced")


def test_f2_reference_typed_signed_properties_must_point_to_them(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    key_info_reference = _first(signed, "//ds:Reference[contains(@URI, 'KeyInfo')]")
    key_info_reference.set("Type", "http://uri.etsi.org/01903#SignedProperties")
    _resign(signed, victim[1])

    _refused(signed, "xades.unexpected_reference", uri=key_info_reference.get("URI"))


def test_f2_reference_to_a_missing_id_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _reference(signed, "#nowhere")
    _resign(signed, victim[1])

    _refused(signed, "xades.reference_target_missing", uri="#nowhere")


# --- F3 tampering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("factura-prueba-v1-2-0.xsig", ""),
        ("aapp2face-sample-factura-firmada-32v1.xsig", ""),
        ("oca-facturae_01.xsig", ""),  # reported as URI="" although the attribute is absent
    ],
)
def test_f3_changing_one_amount_of_a_real_sample_fails_the_document_reference(
    shared_data: Path, name: str, uri: str
) -> None:
    tree = _sample(shared_data, name)
    total = _first(tree, "//InvoiceTotal")
    total.text = str(float(total.text) + 0.01)

    error = _refused(tree, "xades.reference_digest_mismatch", uri=uri)
    assert error.params["expected"] != error.params["found"]


def test_f3_changing_the_signing_time_fails_the_signed_properties_reference(shared_data: Path) -> None:
    tree = _sample(shared_data, "factura-prueba-v1-2-0.xsig")
    _first(tree, "//xades:SigningTime").text = "2017-08-12T10:32:51+02:00"

    _refused(
        tree,
        "xades.reference_digest_mismatch",
        uri="#Signature-650b29a8-a16e-4084-9ecf-2763912f8b6e-SignedProperties",
    )


def test_f3_changing_the_policy_of_a_real_sample_is_tampering_not_a_policy_error(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    _first(tree, "//xades:SigPolicyHash/ds:DigestValue").text = "AAAA"

    error = _refused(tree, "xades.reference_digest_mismatch", uri="#Signature966845-SignedProperties617941")
    assert error.key not in POLICY_ERROR_KEYS


def test_f3_changing_signed_key_info_fails_its_reference(shared_data: Path) -> None:
    tree = _sample(shared_data, "factura-prueba-v1-2-0.xsig")
    x509_data = _first(tree, "//ds:X509Data")
    x509_data.append(x509_data[0])  # reorder the chain: same certificates, different signed bytes

    _refused(
        tree, "xades.reference_digest_mismatch", uri="#Signature-650b29a8-a16e-4084-9ecf-2763912f8b6e-KeyInfo"
    )


def test_f3_changing_signed_info_breaks_the_signature_value(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    _first(tree, "//ds:SignedInfo").set("Id", "Signature-SignedInfo999999")

    _refused(tree, "xades.signature_value_invalid", algorithm=algorithms.RSA_SHA1, certificates=1)


def test_f3_forged_invoice_appended_inside_the_signed_root_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "oca-facturae_01.xsig")
    invoices = _first(tree, "//Invoices")
    invoices.append(copy.deepcopy(invoices[0]))

    _refused(tree, "xades.reference_digest_mismatch", uri="")


def test_f3_reindenting_our_own_signed_output_fails(signed: Any) -> None:
    etree.indent(signed)

    _refused(signed, "xades.reference_digest_mismatch", uri="")


def test_comments_are_not_signed_and_signed_content_has_none(signed: Any) -> None:
    total = _first(signed, "//InvoiceTotal")
    total.text = "62"
    comment = etree.Comment(" ignored ")
    comment.tail = ".07"
    total.append(comment)

    verified = verify_invoice_signature(_bytes(signed))

    # XML-DSig drops comments from URI="" references: read values from signed_content (rule X4).
    assert b"<InvoiceTotal>62.07</InvoiceTotal>" in verified.signed_content
    assert b"ignored" not in verified.signed_content


# --- F4 policy ------------------------------------------------------------------------------------


def _policy(tree: Any) -> Any:
    return _first(tree, "//xades:SignaturePolicyIdentifier")


def test_f4_wrong_policy_hash_is_a_policy_error(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//xades:SigPolicyHash/ds:DigestValue").text = "V2hhdGV2ZXIgaGFzaCAxMjM0NTY="
    _resign(signed, victim[1])

    error = _refused(
        signed,
        "xades.policy_hash_mismatch",
        expected="Ohixl6upD6av8N7pEvDABhEL6hM=",
        found="V2hhdGV2ZXIgaGFzaCAxMjM0NTY=",
        algorithm=algorithms.SHA1,
    )
    assert error.key in POLICY_ERROR_KEYS


def test_f4_right_value_under_another_hash_algorithm_is_a_policy_error(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//xades:SigPolicyHash/ds:DigestMethod").set("Algorithm", algorithms.SHA256)
    _resign(signed, victim[1])

    _refused(signed, "xades.policy_hash_mismatch", algorithm=algorithms.SHA256)


def test_f4_missing_policy_is_a_policy_error(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    policy = _policy(signed)
    policy.getparent().remove(policy)
    _resign(signed, victim[1])

    error = _refused(signed, "xades.policy_missing")
    assert error.key in POLICY_ERROR_KEYS


def test_f4_implied_policy_is_a_missing_policy(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    policy = _policy(signed)
    for child in list(policy):
        policy.remove(child)
    etree.SubElement(policy, f"{XADES}SignaturePolicyImplied")
    _resign(signed, victim[1])

    _refused(signed, "xades.policy_missing")


def test_f4_another_policy_is_a_policy_error(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    age_policy = "urn:oid:2.16.724.1.3.1.1.2.1.9"
    _first(signed, "//xades:SigPolicyId/xades:Identifier").text = age_policy
    _resign(signed, victim[1])

    error = _refused(signed, "xades.policy_unknown", identifier=age_policy)
    assert error.key in POLICY_ERROR_KEYS


def test_f4_policy_url_variant_is_accepted(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    variant = "https://www.facturae.gob.es/politica_de_firma_formato_facturae/politica_de_firma_formato_facturae_v3_1.pdf"
    _first(signed, "//xades:SigPolicyId/xades:Identifier").text = variant
    _resign(signed, victim[1])

    assert verify_invoice_signature(_bytes(signed)).policy_identifier == variant


# --- SigningCertificate ---------------------------------------------------------------------------


def test_signing_certificate_digest_mismatch_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    wrong = base64.b64encode(hashlib.sha256(b"another certificate").digest()).decode()
    _first(signed, "//xades:CertDigest/ds:DigestValue").text = wrong
    _resign(signed, victim[1])

    victim_digest = hashlib.sha256(victim[0].public_bytes(serialization.Encoding.DER)).digest()
    _refused(
        signed,
        "xades.signing_certificate_mismatch",
        claimed=wrong,
        actual=base64.b64encode(victim_digest).decode(),
        algorithm=algorithms.SHA256,
    )


@pytest.mark.parametrize("claimed", ["12345", "²", "٣", "1" * 5000, "-5"])
def test_signing_certificate_serial_mismatch_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], claimed: str
) -> None:
    """Unicode digits pass ``str.isdigit`` but not ``int``, and 5,000 digits exceed ``int``'s limit:
    each is the precise mismatch, never an internal error."""
    _first(signed, "//xades:IssuerSerial/ds:X509SerialNumber").text = claimed
    _resign(signed, victim[1])

    _refused(
        signed,
        "xades.signing_certificate_serial_mismatch",
        claimed=claimed,
        actual=str(victim[0].serial_number),
    )


def test_signing_certificate_issuer_mismatch_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//xades:IssuerSerial/ds:X509IssuerName").text = "CN=AC FNMT Usuarios,OU=Ceres,O=Evil,C=ES"
    _resign(signed, victim[1])

    _refused(
        signed,
        "xades.signing_certificate_issuer_mismatch",
        claimed="CN=AC FNMT Usuarios,OU=Ceres,O=Evil,C=ES",
    )


@pytest.mark.parametrize(
    "issuer",
    [
        "C=ES, O=FNMT-RCM, OU=Ceres, CN=AC FNMT Usuarios",
        "cn=ac fnmt usuarios; ou=Ceres; o=FNMT-RCM; c=ES",
        "CN=AC\\20FNMT Usuarios,OU=Ceres,O=FNMT\\2DRCM,2.5.4.6=#13024553",
    ],
)
def test_signing_certificate_issuer_in_other_dialects_is_accepted(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], issuer: str
) -> None:
    _first(signed, "//xades:IssuerSerial/ds:X509IssuerName").text = issuer
    _resign(signed, victim[1])

    assert verify_invoice_signature(_bytes(signed)).certificate == victim[0]


def test_signing_certificate_digest_with_md5_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//xades:CertDigest/ds:DigestMethod").set(
        "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5"
    )
    _resign(signed, victim[1])

    _refused(
        signed,
        "xades.algorithm_refused",
        kind="digest",
        algorithm="http://www.w3.org/2001/04/xmldsig-more#md5",
    )


@pytest.mark.parametrize(
    ("element", "key"),
    [
        ("SigningTime", "xades.signing_time_missing"),
        ("SigningCertificate", "xades.signing_certificate_missing"),
    ],
)
def test_missing_signed_properties_are_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], element: str, key: str
) -> None:
    node = _first(signed, f"//xades:{element}")
    node.getparent().remove(node)
    _resign(signed, victim[1])

    _refused(signed, key)


def test_invalid_signing_time_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//xades:SigningTime").text = "yesterday"
    _resign(signed, victim[1])

    _refused(signed, "xades.signing_time_invalid", value="yesterday")


# --- duplicate Ids and structure ------------------------------------------------------------------


def test_duplicate_id_in_a_real_sample_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "oca-facturae_01.xsig")
    _first(tree, "//Invoice").set("Id", "Signature88339-SignedProperties01631")

    _refused(tree, "xades.duplicate_id", id="Signature88339-SignedProperties01631")


def test_duplicate_id_through_another_id_attribute_spelling_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    key_info_id = _first(signed, "//ds:KeyInfo").get("Id")
    _first(signed, "//Invoice").set("id", key_info_id)
    _resign(signed, victim[1])

    _refused(signed, "xades.duplicate_id", id=key_info_id)


def test_unsigned_invoice_is_refused(shared_data: Path) -> None:
    _refused(_sample(shared_data, "fawno-unsigned-factura_dfb.xml"), "xades.signature_missing")


def test_signature_without_qualifying_properties_is_not_xades(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    obj = _first(signed, "//ds:Object")
    obj.getparent().remove(obj)

    _refused(signed, "xades.signed_properties_missing")


def test_qualifying_properties_of_another_signature_are_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    _first(tree, "//xades:QualifyingProperties").set("Target", "#Signature1")

    _refused(
        tree,
        "xades.qualifying_properties_target_mismatch",
        target="#Signature1",
        signature_id="Signature966845",
    )


def test_unreadable_embedded_certificate_is_refused(shared_data: Path) -> None:
    tree = _sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig")
    _first(tree, "//ds:X509Certificate").text = base64.b64encode(b"0\x03\x02\x01\x01").decode()

    _refused(tree, "xades.certificate_unreadable", position=1)


def test_doctype_is_refused_by_the_hardened_parser(shared_data: Path) -> None:
    data = (shared_data / "facturae" / "samples" / "oca-facturae_01.xsig").read_bytes()
    hostile = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n' + data

    with pytest.raises(SecurityError) as caught:
        verify_invoice_signature(hostile)
    assert caught.value.key == "xml.doctype_forbidden"


def test_exclusive_c14n_signed_info_and_references_are_accepted(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    _first(signed, "//ds:CanonicalizationMethod").set("Algorithm", EXC_C14N)
    for reference in signed.xpath("//ds:Reference", namespaces=NS):
        transforms = reference.find(f"{DS}Transforms")
        if transforms is None:
            transforms = etree.Element(f"{DS}Transforms")
            reference.insert(0, transforms)
        etree.SubElement(transforms, f"{DS}Transform", Algorithm=EXC_C14N)
    _resign(signed, victim[1])
    data = _bytes(signed)
    # Exclusive C14N really gives other octets here (the Facturae namespace is not inherited).
    signed_info = _first(signed, "//ds:SignedInfo")
    assert _c14n(signed_info, exclusive=True) != _c14n(signed_info)

    verified = verify_invoice_signature(data)

    assert verified.canonicalization_algorithm == EXC_C14N
    root = parse_xml(data).getroot()
    xmlsec.tree.add_ids(root, ["Id"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        victim[0].public_bytes(serialization.Encoding.PEM), xmlsec.constants.KeyDataFormatCertPem
    )
    context.verify(root.find(f"{DS}Signature"))  # an independent implementation agrees


def test_exclusive_c14n_with_default_in_the_prefix_list_signed_by_xmlsec_is_accepted(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    """lxml drops the ``#default`` token of a prefix list unless the document's parser dictionary
    already knows it, so the verification runs in a fresh interpreter too, as in a hub worker that
    has never canonicalised with a prefix list before."""
    data = resign_exclusive_with_default_prefix(_bytes(signed), victim[1])
    signed_info = _first(parse_xml(data), "//ds:SignedInfo")
    declaration = f'xmlns="{UNUSED_DEFAULT_NAMESPACE}"'.encode()
    assert declaration in dsig_c14n.canonicalize(signed_info, EXC_C14N, ["#default"])
    assert declaration not in _c14n(signed_info, exclusive=True)  # the token really changes the octets

    verify = (
        "import sys\n"
        "from facturahub.signatures.xades import verify_invoice_signature\n"
        "print(verify_invoice_signature(sys.stdin.buffer.read()).canonicalization_algorithm)\n"
    )
    fresh = subprocess.run(
        [sys.executable, "-c", verify], input=data, capture_output=True, check=False, timeout=60
    )
    assert fresh.returncode == 0, fresh.stderr.decode()
    assert fresh.stdout.decode().strip() == EXC_C14N
    assert verify_invoice_signature(data).canonicalization_algorithm == EXC_C14N


# --- S4 algorithms and URIs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "algorithm",
    [
        "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    ],
)
def test_s4_signature_methods_off_the_allow_list_are_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], algorithm: str
) -> None:
    _first(signed, "//ds:SignatureMethod").set("Algorithm", algorithm)
    _resign(signed, victim[1])

    _refused(signed, "xades.algorithm_refused", kind="signature", algorithm=algorithm)


@pytest.mark.parametrize(
    "algorithm",
    ["http://www.w3.org/2001/04/xmldsig-more#md5", "http://www.w3.org/2001/04/xmldsig-more#sha384"],
)
def test_s4_digest_methods_off_the_allow_list_are_refused(signed: Any, algorithm: str) -> None:
    _first(signed, "//ds:Reference[@URI='']/ds:DigestMethod").set("Algorithm", algorithm)

    _refused(signed, "xades.algorithm_refused", kind="digest", algorithm=algorithm)


def test_s4_c14n_11_is_refused(signed: Any) -> None:
    algorithm = "http://www.w3.org/2006/12/xml-c14n11"
    _first(signed, "//ds:CanonicalizationMethod").set("Algorithm", algorithm)

    _refused(signed, "xades.algorithm_refused", kind="canonicalization", algorithm=algorithm)


@pytest.mark.parametrize(
    "algorithm",
    [
        "http://www.w3.org/TR/1999/REC-xslt-19991116",
        "http://www.w3.org/TR/1999/REC-xpath-19991116",
        "http://www.w3.org/2002/06/xmldsig-filter2",
        "http://www.w3.org/2000/09/xmldsig#base64",
    ],
)
def test_s4_transforms_off_the_allow_list_are_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], algorithm: str
) -> None:
    transforms = _first(signed, "//ds:Reference[@URI='']/ds:Transforms")
    transform = etree.SubElement(transforms, f"{DS}Transform", Algorithm=algorithm)
    if "xslt" in algorithm:
        stylesheet = etree.SubElement(
            transform, "{http://www.w3.org/1999/XSL/Transform}stylesheet", version="1.0"
        )
        etree.SubElement(stylesheet, "{http://www.w3.org/1999/XSL/Transform}template", match="/")
    _resign(signed, victim[1], keep_digests=True)

    _refused(signed, "xades.algorithm_refused", kind="transform", algorithm=algorithm)


def test_s4_more_than_five_transforms_are_refused(signed: Any) -> None:
    transforms = _first(signed, "//ds:Reference[@URI='']/ds:Transforms")
    for _ in range(5):
        etree.SubElement(transforms, f"{DS}Transform", Algorithm=algorithms.ENVELOPED_SIGNATURE)

    _refused(signed, "xades.too_many_transforms", uri="", count=6, limit=5)


def test_s4_transforms_in_a_meaningless_order_are_refused(signed: Any) -> None:
    transforms = _first(signed, "//ds:Reference[@URI='']/ds:Transforms")
    transforms.insert(0, etree.Element(f"{DS}Transform", Algorithm=algorithms.C14N_10))

    _refused(signed, "xades.transform_order", uri="")


def test_s4_more_than_thirty_references_are_refused(signed: Any) -> None:
    for _ in range(28):
        _reference(signed, "")

    _refused(signed, "xades.too_many_references", count=31, limit=30)


def test_s4_retrieval_method_is_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey]
) -> None:
    etree.SubElement(_first(signed, "//ds:KeyInfo"), f"{DS}RetrievalMethod", URI="http://127.0.0.1:1/key")
    _resign(signed, victim[1])

    _refused(signed, "xades.retrieval_method_forbidden")


@pytest.fixture
def canary() -> Iterator[tuple[int, Callable[[], bool]]]:
    """A loopback server that records every connection (and closes it at once, so that a verifier
    that did fetch would fail fast instead of hanging), and a probe telling whether anyone came."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.05)
    connections: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, address = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connections.append(address)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    def contacted() -> bool:
        stop.set()
        thread.join(timeout=2)
        return bool(connections)

    try:
        yield server.getsockname()[1], contacted
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()


def test_the_canary_does_notice_a_fetch(canary: tuple[int, Callable[[], bool]]) -> None:
    port, contacted = canary
    with socket.create_connection(("127.0.0.1", port), timeout=2) as client:
        client.sendall(b"GET /invoice.xml HTTP/1.0\r\n\r\n")
        with contextlib.suppress(ConnectionResetError):
            client.recv(1)  # returns when the canary has accepted and closed
    assert contacted()


@pytest.mark.parametrize("where", ["extra", "document"])
def test_s4_external_http_reference_is_refused_and_never_fetched(
    signed: Any,
    victim: tuple[x509.Certificate, rsa.RSAPrivateKey],
    canary: tuple[int, Callable[[], bool]],
    where: str,
) -> None:
    port, contacted = canary
    uri = f"http://127.0.0.1:{port}/invoice.xml"
    if where == "extra":
        _reference(signed, uri)
    else:
        _first(signed, "//ds:Reference[@URI='']").set("URI", uri)
    _resign(signed, victim[1])  # a genuine signature: a naive verifier would now fetch the URI

    _refused(signed, "xades.reference_uri_refused", uri=uri)
    assert not contacted()


@pytest.mark.parametrize(
    "uri",
    [
        "file:///etc/passwd",
        "/etc/passwd",
        "invoice.xml",
        "#xpointer(/)",
        "#xpointer(id('x'))",
        "# spaced",
        "#id\n",
    ],
)
def test_s4_non_local_or_xpointer_uris_are_refused(
    signed: Any, victim: tuple[x509.Certificate, rsa.RSAPrivateKey], uri: str
) -> None:
    _reference(signed, uri)
    _resign(signed, victim[1])

    _refused(signed, "xades.reference_uri_refused", uri=uri)


def test_s4_signed_info_is_verified_before_any_reference_is_digested(
    signed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_verify, real_octets = algorithms.rsa_verify, xades_dsig.reference_octets

    def verify(*args: Any) -> bool:
        events.append("verify SignedInfo")
        return bool(real_verify(*args))

    def octets(reference: xades_dsig.Reference, *args: Any) -> bytes:
        events.append(f"digest {reference.label}")
        return bytes(real_octets(reference, *args))

    monkeypatch.setattr(algorithms, "rsa_verify", verify)
    monkeypatch.setattr(xades_dsig, "reference_octets", octets)

    verify_invoice_signature(_bytes(signed))

    assert events[0] == "verify SignedInfo"
    assert len(events) == 4 and all(event.startswith("digest") for event in events[1:])


def test_s4_forged_signature_value_with_untouched_references_is_refused(signed: Any) -> None:
    value = _first(signed, "//ds:SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[-1] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()

    _refused(signed, "xades.signature_value_invalid", algorithm=algorithms.RSA_SHA256, certificates=1)


def test_malformed_base64_signature_value_is_refused(signed: Any) -> None:
    _first(signed, "//ds:SignatureValue").text = "not base64!"

    _refused(signed, "xades.signature_malformed", detail="SignatureValue is not valid base64")
