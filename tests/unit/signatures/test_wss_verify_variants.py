"""verify_request accepts every request shape of protocols.md §1.1, from real zeep clients and from
hand-built PHP / Java / .NET shapes signed by xmlsec, and returns what the SOAP layer needs."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, timedelta, timezone

import pytest
import xmlsec
from cryptography import x509
from lxml import etree
from tests.unit.signatures.wss_fixtures import (
    FACE,
    NOW,
    SOAP,
    Identity,
    find,
    handbuilt_request,
    identity,
    parse,
    zeep_request,
)
from tests.x500_dialects import OTHER_NAMES, WRITTEN, issued_by_spanish_ca

from facturahub.errors import SecurityError
from facturahub.signatures.dsig_algorithms import (
    C14N_10,
    RSA_SHA1,
    RSA_SHA256,
    RSA_SHA512,
    SHA1,
    SHA512,
)
from facturahub.signatures.wssecurity import (
    CertificateReference,
    IssuerSerialReference,
    KeyReference,
    WSSPolicy,
    verify_request,
)

STRICT = WSSPolicy()  # eFACT: a signed Timestamp is mandatory
LENIENT = WSSPolicy(require_timestamp=False, require_signed_timestamp=False)  # FACe
OPERATION = f"{{{FACE}}}consultarFactura"
CEST = timezone(timedelta(hours=2))


def test_zeep_binary_signature_with_signed_timestamp() -> None:
    client = identity("client")
    data = zeep_request(client)
    result = verify_request(data, STRICT, NOW)
    assert result.operation.tag == OPERATION
    assert result.body.tag == f"{{{SOAP}}}Body"
    assert result.operation.getparent() is result.body
    assert result.certificate == client.certificate
    assert result.certificate_der == client.der
    assert result.issuer_serial is None
    assert isinstance(result.key_reference, CertificateReference)
    assert result.key_reference.source == "BinarySecurityToken"
    assert result.timestamp_signed is True
    assert result.timestamp_created == NOW
    assert result.timestamp_expires == NOW + timedelta(seconds=300)
    assert result.timestamp_created.tzinfo is not None
    assert result.signature_method == RSA_SHA1
    signature_value = find(parse(data), ".//ds:SignatureValue").text or ""
    assert result.replay_key == hashlib.sha256(base64.b64decode("".join(signature_value.split()))).hexdigest()
    assert result.replay_expires == NOW + timedelta(seconds=600)  # Expires + skew


@pytest.mark.parametrize(
    ("method", "digest", "expected"),
    [
        (xmlsec.Transform.RSA_SHA256, xmlsec.Transform.SHA256, RSA_SHA256),
        (xmlsec.Transform.RSA_SHA512, xmlsec.Transform.SHA512, RSA_SHA512),
        (xmlsec.Transform.RSA_SHA1, xmlsec.Transform.SHA256, RSA_SHA1),
    ],
)
def test_zeep_algorithms(method: object, digest: object, expected: str) -> None:
    result = verify_request(
        zeep_request(identity("client"), signature_method=method, digest_method=digest), STRICT, NOW
    )
    assert result.signature_method == expected


def test_zeep_timestamp_with_offset_notation() -> None:
    result = verify_request(zeep_request(identity("client"), zulu=False), STRICT, NOW)
    assert result.timestamp_created == NOW


def test_returned_body_is_the_node_of_the_tree_passed_in() -> None:
    tree = parse(zeep_request(identity("client")))
    result = verify_request(tree, STRICT, NOW)
    assert result.body is tree.find(f"{{{SOAP}}}Body")
    result = verify_request(etree.ElementTree(tree), STRICT, NOW)
    assert result.body is tree.find(f"{{{SOAP}}}Body")


def test_zeep_without_timestamp_depends_on_policy() -> None:
    data = zeep_request(identity("client"), timestamp=False)
    result = verify_request(data, LENIENT, NOW)
    assert result.timestamp_created is None
    assert result.timestamp_signed is False
    # the bytes verify as long as the certificate is valid: remembered that long (plus the skew)
    assert result.replay_expires == result.certificate.not_valid_after_utc + timedelta(seconds=300)
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW)
    assert caught.value.key == "wss.timestamp_missing"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({"timestamp": "first", "signature_before_token": False}, id="wss4j-timestamp-first"),
        pytest.param({"timestamp": "last", "signature_before_token": True}, id="timestamp-last"),
        pytest.param(
            {"transforms": None, "signature_method": RSA_SHA512, "digest_method": SHA512, "zone": CEST},
            id="php-sha512-no-transforms-plus0200",
        ),
        pytest.param({"zone": UTC, "signature_method": RSA_SHA1, "digest_method": SHA1}, id="sha1"),
        pytest.param({"signature_method": RSA_SHA256, "digest_method": SHA512}, id="rsa-sha256-sha512"),
        pytest.param(
            {"c14n_prefixes": "wsse soapenv", "transform_prefixes": "wsu"},
            id="inclusive-namespaces-prefixlist",
        ),
        pytest.param(
            {
                "envelope_attributes": ' xmlns="urn:default" xmlns:x="urn:unused"',
                "c14n_prefixes": "#default x",
                "transform_prefixes": "#default soapenv",
            },
            id="prefixlist-with-default",
        ),
        pytest.param({"c14n": C14N_10, "transforms": C14N_10}, id="inclusive-c14n"),
        pytest.param(
            {
                "c14n": C14N_10,
                "transforms": None,
                "envelope_attributes": ' xml:lang="es" xmlns:x="urn:unused"',
            },
            id="inclusive-c14n-inherits-xml-lang",
        ),
        pytest.param({"id_attribute": "plain"}, id="unqualified-id"),
        pytest.param({"sign_token": True}, id="token-signed-too"),
    ],
)
def test_handbuilt_variants(variant: dict[str, object]) -> None:
    result = verify_request(handbuilt_request(identity("client"), **variant), STRICT, NOW)  # type: ignore[arg-type]
    assert result.operation.tag == OPERATION
    assert result.timestamp_signed is True
    assert result.certificate == identity("client").certificate


def test_plus_0200_timestamps_are_read_as_utc() -> None:
    created = NOW + timedelta(seconds=30)
    result = verify_request(handbuilt_request(identity("client"), created=created, zone=CEST), STRICT, NOW)
    assert result.timestamp_created == created
    assert result.timestamp_created.utcoffset() == timedelta(0)


def test_body_only_signature_with_unsigned_timestamp_face_style() -> None:
    data = handbuilt_request(identity("client"), sign_timestamp=False, timestamp="last")
    result = verify_request(data, LENIENT, NOW)
    assert result.timestamp_signed is False
    assert result.timestamp_created == NOW
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW)
    assert caught.value.key == "wss.timestamp_not_signed"


def test_body_only_signature_without_timestamp() -> None:
    result = verify_request(handbuilt_request(identity("client"), timestamp=None), LENIENT, NOW)
    assert result.timestamp_created is None


# --- key references and the caller's registry --------------------------------------------------


def _registry(
    *certificates: x509.Certificate,
) -> tuple[Callable[[KeyReference], x509.Certificate | None], list[KeyReference]]:
    """A stand-in for the caller's certificate registry (thumbprint or issuer-serial lookup)."""
    calls: list[KeyReference] = []

    def resolve(reference: KeyReference) -> x509.Certificate | None:
        calls.append(reference)
        for certificate in certificates:
            if isinstance(reference, CertificateReference) and reference.certificate == certificate:
                return certificate
            if isinstance(reference, IssuerSerialReference) and reference.matches(certificate):
                return certificate
        return None

    return resolve, calls


def test_issuer_serial_reference_verifies_with_the_registered_certificate() -> None:
    client = identity("client")
    data = handbuilt_request(client, key_reference="issuer_serial")
    resolve, calls = _registry(identity("attacker").certificate, client.certificate)
    result = verify_request(data, STRICT, NOW, resolve_key=resolve)
    assert result.certificate == client.certificate
    assert result.certificate_der is None
    assert result.issuer_serial == (
        client.certificate.issuer.rfc4514_string(),
        client.certificate.serial_number,
    )
    assert len(calls) == 1 and isinstance(calls[0], IssuerSerialReference)


def test_issuer_serial_without_resolver_cannot_be_verified() -> None:
    with pytest.raises(SecurityError) as caught:
        verify_request(handbuilt_request(identity("client"), key_reference="issuer_serial"), STRICT, NOW)
    assert caught.value.key == "wss.key_unresolvable"


def test_unregistered_certificate_is_refused_by_the_resolver() -> None:
    resolve, calls = _registry(identity("hub").certificate)
    with pytest.raises(SecurityError) as caught:
        verify_request(zeep_request(identity("attacker")), STRICT, NOW, resolve_key=resolve)
    assert caught.value.key == "wss.certificate_unknown"
    assert "attacker" in caught.value.params["reference"]
    assert isinstance(calls[0], CertificateReference) and calls[0].der == identity("attacker").der


def test_the_registered_key_verifies_not_the_one_in_the_message() -> None:
    # The resolver maps the reference to the registered (victim's) certificate: the attacker's
    # signature, made with the key of the certificate it embedded, must not verify with it.
    data = zeep_request(identity("attacker"))
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW, resolve_key=lambda reference: identity("client").certificate)
    assert caught.value.key == "wss.signature_invalid"
    assert "client" in caught.value.params["subject"]


def test_issuer_serial_matching_tolerates_formatting() -> None:
    certificate = identity("client").certificate
    reference = IssuerSerialReference(
        issuer="CN=client test certificate, O=facturahub tests, C=ES", serial=certificate.serial_number
    )
    assert reference.matches(certificate)
    assert not IssuerSerialReference(issuer=reference.issuer, serial=1).matches(certificate)
    assert not IssuerSerialReference(issuer="CN=other,C=ES", serial=certificate.serial_number).matches(
        certificate
    )


@pytest.mark.parametrize("dialect", sorted(WRITTEN))
def test_issuer_serial_in_each_client_dialect_names_the_registered_certificate(dialect: str) -> None:
    """WSS4J writes serialNumber, organizationIdentifier and emailAddress as ``OID=#hex``, .NET as
    ``OID.2.5.4.97=``, xmlsec as ``\\C3\\B3`` escapes: each resolves to the certificate whose issuer
    that is, and the request verifies with its key."""
    issued = issued_by_spanish_ca("cliente java", "12345678Z")
    client = Identity(issued.private_key, issued.certificate)
    data = handbuilt_request(client, key_reference="issuer_serial", issuer_name=WRITTEN[dialect])
    resolve, calls = _registry(identity("client").certificate, client.certificate)
    result = verify_request(data, STRICT, NOW, resolve_key=resolve)
    assert result.certificate == client.certificate
    assert isinstance(calls[0], IssuerSerialReference) and calls[0].issuer == WRITTEN[dialect]


@pytest.mark.parametrize("difference", sorted(OTHER_NAMES))
def test_issuer_serial_naming_another_issuer_resolves_to_nothing(difference: str) -> None:
    issued = issued_by_spanish_ca("cliente java", "12345678Z")
    client = Identity(issued.private_key, issued.certificate)
    data = handbuilt_request(client, key_reference="issuer_serial", issuer_name=OTHER_NAMES[difference])
    resolve, _calls = _registry(client.certificate)
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW, resolve_key=resolve)
    assert caught.value.key == "wss.certificate_unknown"


def test_issuer_name_that_cannot_be_read_is_a_malformed_reference_saying_why() -> None:
    data = handbuilt_request(identity("client"), key_reference="issuer_serial", issuer_name="CN=x,FOO=y")
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW, resolve_key=_registry(identity("client").certificate)[0])
    assert caught.value.key == "wss.key_reference_malformed"
    assert "unknown attribute 'FOO'" in caught.value.params["detail"]


def test_policy_refuses_unsupported_algorithms_in_its_allow_list() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        WSSPolicy(signature_methods=frozenset({"http://www.w3.org/2000/09/xmldsig#hmac-sha1"}))


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        verify_request(zeep_request(identity("client")), STRICT, NOW.replace(tzinfo=None))


@pytest.mark.parametrize("serial", ["²", "٣", "1" * 5000, "-5", ""])
def test_issuer_serial_with_a_serial_that_is_not_a_decimal_number_is_malformed(serial: str) -> None:
    """Unicode digits pass ``str.isdigit`` but not ``int``; 5000 digits exceed ``int``'s limit and
    any real serial: each is a precise key-reference refusal, never an internal error."""
    data = handbuilt_request(identity("client"), key_reference="issuer_serial").decode()
    data, replaced = re.subn(
        r"(<ds:X509SerialNumber>)[0-9]+(</ds:X509SerialNumber>)", rf"\g<1>{serial}\g<2>", data
    )
    assert replaced == 1
    resolve, _calls = _registry(identity("client").certificate)
    with pytest.raises(SecurityError) as caught:
        verify_request(data.encode(), STRICT, NOW, resolve_key=resolve)
    assert caught.value.key == "wss.key_reference_malformed"
    assert "X509IssuerSerial" in caught.value.params["detail"]
