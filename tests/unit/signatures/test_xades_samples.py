"""Real signed Facturae samples (../shared/data/facturae/samples): the three genuine signatures
verify cryptographically, the re-indented gobl one fails naming its reference, and the OCA one was
made with a certificate that had already expired."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from facturahub.errors import SignatureInvalid
from facturahub.i18n import has_message
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures.xades import (
    FACTURAE_POLICY_IDENTIFIER,
    POLICY_ERROR_KEYS,
    certificate_valid_at,
    certificate_validity_at,
    is_facturae_policy,
    parse_signing_time,
    require_certificate_valid_at_signing,
    verify_invoice_signature,
)
from facturahub.signatures.xml import parse_xml


def _sample(shared_data: Path, name: str) -> bytes:
    return (shared_data / "facturae" / "samples" / name).read_bytes()


def _rendered(error: SignatureInvalid) -> None:
    """Every refusal has a registered, fully rendered text in both languages."""
    assert has_message(error.key), error.key
    for language in ("es", "en"):
        assert not re.search(r"\{\w+\}", error.message(language)), error.message(language)


def test_face_official_test_invoice_verifies_rsa_sha1_with_sha512_digests(shared_data: Path) -> None:
    verified = verify_invoice_signature(_sample(shared_data, "factura-prueba-v1-2-0.xsig"))

    assert verified.signature_algorithm == algorithms.RSA_SHA1
    assert verified.digest_algorithm == algorithms.SHA512
    assert verified.canonicalization_algorithm == algorithms.C14N_10
    assert verified.signing_time == datetime(2017, 8, 11, 8, 32, 51, tzinfo=UTC)
    assert verified.certificate.serial_number == 13097810054193311204
    assert "JUAN CAMARA" in verified.certificate.subject.rfc4514_string()
    # The other two certificates of KeyInfo (the chain) are handed over, untrusted, for chain building.
    assert len(verified.embedded_certificates) == 2
    assert verified.policy_identifier == FACTURAE_POLICY_IDENTIFIER
    assert verified.signer_roles == ("emisor",)
    assert verified.root.tag == "{http://www.facturae.es/Facturae/2014/v3.2.1/Facturae}Facturae"
    assert verified.signature_id == "Signature-650b29a8-a16e-4084-9ecf-2763912f8b6e-Signature"
    # signed_content is the canonical document the signer digested: no Signature inside.
    assert b"<fe:Facturae" in verified.signed_content
    assert b"Signature" not in verified.signed_content
    assert b"<InvoiceTotal>" in verified.signed_content


def test_aapp2face_sample_verifies(shared_data: Path) -> None:
    verified = verify_invoice_signature(_sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig"))

    assert verified.signature_algorithm == algorithms.RSA_SHA1
    assert verified.digest_algorithm == algorithms.SHA1
    assert verified.signing_time == datetime(2010, 3, 10, 11, 46, 58, tzinfo=UTC)
    assert verified.certificate.serial_number == 135
    assert verified.embedded_certificates == ()


def test_oca_sample_whose_document_reference_has_no_uri_verifies(shared_data: Path) -> None:
    data = _sample(shared_data, "oca-facturae_01.xsig")
    document_reference = re.search(rb"<ds:Reference Id=\"Reference64743\">", data)
    assert document_reference is not None  # the sample really has a Reference without URI

    verified = verify_invoice_signature(data)

    assert verified.signing_time == datetime(2018, 5, 30, 14, 16, 41, tzinfo=UTC)
    assert verified.signer_roles == ("supplier",)
    assert "Aleksey Sanin" in verified.certificate.subject.rfc4514_string()


def test_oca_sample_certificate_had_expired_when_it_signed(shared_data: Path) -> None:
    verified = verify_invoice_signature(_sample(shared_data, "oca-facturae_01.xsig"))

    validity = certificate_validity_at(verified.certificate, verified.signing_time)
    assert validity.not_after == datetime(2013, 3, 28, 4, 2, 22, tzinfo=UTC)
    assert validity.at == datetime(2018, 5, 30, 14, 16, 41, tzinfo=UTC)
    assert validity.expired and not validity.valid and not validity.not_yet_valid
    assert not certificate_valid_at(verified.certificate, verified.signing_time)

    with pytest.raises(SignatureInvalid) as caught:
        require_certificate_valid_at_signing(verified)
    assert caught.value.key == "xades.certificate_expired_at_signing"
    assert caught.value.params == {
        "not_after": "2013-03-28T04:02:22+00:00",
        "signing_time": "2018-05-30T14:16:41+00:00",
    }
    assert "2013-03-28" in caught.value.message("es") and "2018-05-30" in caught.value.message("es")
    _rendered(caught.value)


@pytest.mark.parametrize("name", ["factura-prueba-v1-2-0.xsig", "aapp2face-sample-factura-firmada-32v1.xsig"])
def test_genuine_samples_were_signed_within_their_certificate_validity(shared_data: Path, name: str) -> None:
    verified = verify_invoice_signature(_sample(shared_data, name))

    validity = require_certificate_valid_at_signing(verified)

    assert validity.valid
    assert validity.not_before < verified.signing_time < validity.not_after


def test_certificate_not_yet_valid_at_signing_names_both_dates(shared_data: Path) -> None:
    verified = verify_invoice_signature(_sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig"))
    backdated = dataclasses.replace(verified, signing_time=datetime(2009, 1, 1, tzinfo=UTC))

    with pytest.raises(SignatureInvalid) as caught:
        require_certificate_valid_at_signing(backdated)

    assert caught.value.key == "xades.certificate_not_yet_valid_at_signing"
    assert caught.value.params["not_before"] == "2009-10-15T16:09:34+00:00"
    assert caught.value.params["signing_time"] == "2009-01-01T00:00:00+00:00"


def test_certificate_validity_needs_an_aware_datetime(shared_data: Path) -> None:
    verified = verify_invoice_signature(_sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig"))
    certificate: x509.Certificate = verified.certificate

    with pytest.raises(ValueError, match="aware"):
        certificate_valid_at(certificate, datetime(2010, 3, 10))


def test_gobl_sample_reindented_after_signing_fails_naming_the_document_reference(shared_data: Path) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        verify_invoice_signature(_sample(shared_data, "gobl-invoice-face.xml"))

    error = caught.value
    assert error.key == "xades.reference_digest_mismatch"
    assert error.params["uri"] == ""
    assert error.params["reference_id"] == "Reference-679f2f25-7483-11ec-9722-7ea2cb436ff6"
    assert error.params["algorithm"] == algorithms.SHA512
    assert error.params["expected"].startswith("QScpfVs9mP2OjrW6")
    assert error.params["found"] != error.params["expected"]
    assert error.key not in POLICY_ERROR_KEYS
    _rendered(error)


def test_a_parsed_tree_and_its_root_element_are_accepted_too(shared_data: Path) -> None:
    tree = parse_xml(_sample(shared_data, "aapp2face-sample-factura-firmada-32v1.xsig"))

    assert verify_invoice_signature(tree).root is tree.getroot()
    assert verify_invoice_signature(tree.getroot()).root is tree.getroot()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-03-10T12:46:58+01:00", datetime(2010, 3, 10, 11, 46, 58, tzinfo=UTC)),
        ("2018-05-30T14:16:41Z", datetime(2018, 5, 30, 14, 16, 41, tzinfo=UTC)),
        ("2018-05-30T14:16:41.123456789-02:30", datetime(2018, 5, 30, 16, 46, 41, 123456, tzinfo=UTC)),
        (" 2018-05-30T14:16:41 ", datetime(2018, 5, 30, 14, 16, 41, tzinfo=UTC)),
    ],
)
def test_signing_time_is_read_as_aware_utc(text: str, expected: datetime) -> None:
    parsed = parse_signing_time(text)
    assert parsed == expected
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    "text", ["", "2018-05-30", "30/05/2018 14:16", "2018-13-30T14:16:41Z", "2018-05-30T14:16"]
)
def test_signing_time_that_is_not_a_datetime_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_signing_time(text)


@pytest.mark.parametrize(
    ("identifier", "accepted"),
    [
        (FACTURAE_POLICY_IDENTIFIER, True),
        (f"  {FACTURAE_POLICY_IDENTIFIER}\n", True),
        (FACTURAE_POLICY_IDENTIFIER.replace("http://", "https://"), True),
        (FACTURAE_POLICY_IDENTIFIER.replace("www.facturae.es", "www.facturae.gob.es"), True),
        (FACTURAE_POLICY_IDENTIFIER.replace("www.facturae.es", "WWW.FACTURAE.ES"), True),
        (f"urn:oid:{FACTURAE_POLICY_IDENTIFIER}", True),
        (FACTURAE_POLICY_IDENTIFIER.replace("v3_1", "v3_0"), False),
        (FACTURAE_POLICY_IDENTIFIER.replace("www.facturae.es", "www.facturae.es.evil.example"), False),
        ("urn:oid:2.16.724.1.3.1.1.2.1.9", False),  # the AGE policy, not Facturae's
        ("", False),
    ],
)
def test_facturae_policy_identifier_variants(identifier: str, accepted: bool) -> None:
    assert is_facturae_policy(identifier) is accepted
