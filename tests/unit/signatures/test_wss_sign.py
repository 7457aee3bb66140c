"""sign_envelope: responses (faults included) signed as protocols.md §1 says, verifiable by zeep's
BinarySignature.verify — with the hub certificate configured, and with the key taken from the
response's own token as zeep-based clients do — and by our own verifier."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.unit.signatures.wss_fixtures import FACE, NOW, SOAP, WSU_ID, Identity, find, identity, parse
from zeep.exceptions import SignatureVerificationFailed
from zeep.wsse.signature import BinarySignature, MemorySignature

from facturahub.errors import ConfigurationError
from facturahub.signatures.dsig_algorithms import EXC_C14N, RSA_SHA1, RSA_SHA256, SHA1, SHA256
from facturahub.signatures.wssecurity import (
    CertificateReference,
    WSSPolicy,
    sign_envelope,
    verify_request,
)

RESPONSE = (
    f'<SOAP-ENV:Envelope xmlns:SOAP-ENV="{SOAP}" xmlns:ns1="{FACE}"><SOAP-ENV:Body>'
    "<ns1:consultarFacturaResponse><return><resultado><codigo>0</codigo><descripcion>Correcto</descripcion>"
    "<codigoSeguimiento/></resultado></return></ns1:consultarFacturaResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
FAULT = (
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Header/><soapenv:Body><soapenv:Fault>'
    "<faultcode>soapenv:Client</faultcode><faultstring>T-1 - 100 - Firma incorrecta</faultstring>"
    "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
)


class TokenKeyBinarySignature(BinarySignature):
    """What zeep-based clients do to check a response: zeep's verification, with the certificate
    taken from the response's BinarySecurityToken."""

    def __init__(self) -> None:  # no key files: this object only verifies
        pass

    def verify(self, envelope: etree._Element) -> etree._Element:
        token = find(envelope, ".//wsse:BinarySecurityToken").text or ""
        pem = b"-----BEGIN CERTIFICATE-----\n" + token.strip().encode() + b"\n-----END CERTIFICATE-----\n"
        return MemorySignature(b"", pem).verify(envelope)  # type: ignore[no-any-return]


def _zeep_with_hub_certificate(hub: Identity) -> MemorySignature:
    # BinarySignature(key_file, cert_file).verify is MemorySignature.verify with the cert bytes.
    signature = MemorySignature(hub.key_pem, hub.cert_pem)
    assert BinarySignature.verify is MemorySignature.verify
    return signature


def _sign(xml: str = RESPONSE, **options: object) -> bytes:
    hub = identity("hub")
    return sign_envelope(etree.fromstring(xml), hub.certificate, hub.key, now=NOW, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("xml", [RESPONSE, FAULT], ids=["response", "fault"])
def test_zeep_verifies_the_signed_response(xml: str) -> None:
    signed = _sign(xml)
    _zeep_with_hub_certificate(identity("hub")).verify(etree.fromstring(signed))
    TokenKeyBinarySignature().verify(etree.fromstring(signed))


def test_zeep_rejects_a_tampered_response() -> None:
    signed = parse(_sign())
    find(signed, ".//codigo").text = "1"
    with pytest.raises(SignatureVerificationFailed):
        TokenKeyBinarySignature().verify(signed)


def test_zeep_rejects_a_response_checked_against_another_certificate() -> None:
    with pytest.raises(SignatureVerificationFailed):
        _zeep_with_hub_certificate(identity("client")).verify(etree.fromstring(_sign()))


def test_our_verifier_accepts_the_signed_response() -> None:
    result = verify_request(_sign(), WSSPolicy(), NOW)
    assert result.certificate == identity("hub").certificate
    assert isinstance(result.key_reference, CertificateReference)
    assert result.timestamp_signed is True
    assert result.timestamp_created == NOW
    assert result.timestamp_expires == NOW + timedelta(seconds=300)
    assert result.operation.tag == f"{{{FACE}}}consultarFacturaResponse"
    assert result.signature_method == RSA_SHA256


def test_shape_of_the_security_header() -> None:
    signed = _sign()
    assert signed.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = parse(signed)
    security = find(root, "soapenv:Header/wsse:Security")
    assert security.get(f"{{{SOAP}}}mustUnderstand") == "1"
    token = find(security, "wsse:BinarySecurityToken")
    assert base64.b64decode(token.text or "") == identity("hub").certificate.public_bytes(
        serialization.Encoding.DER
    )
    assert b"InclusiveNamespaces" not in signed
    assert find(security, "ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod").get("Algorithm") == EXC_C14N
    assert find(security, ".//ds:SignatureMethod").get("Algorithm") == RSA_SHA256
    uris = [
        reference.get("URI")
        for reference in security.iterfind(".//ds:Reference", {"ds": "http://www.w3.org/2000/09/xmldsig#"})
    ]
    body = find(root, "soapenv:Body")
    timestamp = find(security, "wsu:Timestamp")
    assert uris == [f"#{body.get(WSU_ID)}", f"#{timestamp.get(WSU_ID)}"]
    assert {
        d.get("Algorithm") for d in security.iterfind(".//{http://www.w3.org/2000/09/xmldsig#}DigestMethod")
    } == {SHA256}
    assert find(timestamp, "wsu:Created").text == "2024-05-01T10:00:00.000Z"
    assert find(timestamp, "wsu:Expires").text == "2024-05-01T10:05:00.000Z"
    reference = find(security, "ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference")
    assert reference.get("URI") == f"#{token.get(WSU_ID)}"
    # wsu is declared once, on the Envelope: no invented ns0 prefixes.
    assert b"ns0:" not in signed and b"xmlns:ns0" not in signed


def test_rsa_sha1_is_configurable_and_still_verifiable_by_zeep() -> None:
    signed = _sign(algorithm="rsa-sha1", digest="sha1")
    root = parse(signed)
    assert find(root, ".//ds:SignatureMethod").get("Algorithm") == RSA_SHA1
    assert find(root, ".//ds:DigestMethod").get("Algorithm") == SHA1
    TokenKeyBinarySignature().verify(root)
    assert verify_request(signed, WSSPolicy(), NOW).signature_method == RSA_SHA1


def test_lifetime_is_configurable() -> None:
    root = parse(_sign(lifetime_seconds=60))
    assert find(root, ".//wsu:Expires").text == "2024-05-01T10:01:00.000Z"


def test_input_tree_is_not_modified() -> None:
    tree = etree.fromstring(RESPONSE)
    before = etree.tostring(tree)
    hub = identity("hub")
    sign_envelope(etree.ElementTree(tree), hub.certificate, hub.key, now=NOW)
    assert etree.tostring(tree) == before


def test_existing_header_is_reused() -> None:
    root = parse(_sign(FAULT))
    assert len(root.findall(f"{{{SOAP}}}Header")) == 1


def test_key_must_match_the_certificate() -> None:
    with pytest.raises(ConfigurationError) as caught:
        sign_envelope(
            etree.fromstring(RESPONSE), identity("hub").certificate, identity("client").key, now=NOW
        )
    assert caught.value.key == "wss.signing_key_mismatch"


@pytest.mark.parametrize("options", [{"algorithm": "hmac-sha1"}, {"digest": "md5"}])
def test_unknown_algorithms_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="unsupported"):
        _sign(**options)


def test_already_signed_envelope_is_refused() -> None:
    hub = identity("hub")
    with pytest.raises(ValueError, match="already"):
        sign_envelope(parse(_sign()), hub.certificate, hub.key, now=NOW)
