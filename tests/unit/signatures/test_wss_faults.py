"""Envelope faults (SOAP codes 101-104) and the other precise WS-Security refusals: missing
header or signature, bad signature value, digest mismatch naming the reference, unreadable token."""

from __future__ import annotations

import base64

import pytest
from lxml import etree
from tests.unit.signatures.wss_fixtures import (
    NOW,
    SOAP,
    WSSE,
    WSU_ID,
    WSU_NS,
    find,
    handbuilt_request,
    identity,
    parse,
    serialize,
    xmlsec_sign,
    zeep_request,
)

from facturahub.errors import SecurityError
from facturahub.i18n import translate
from facturahub.signatures.wssecurity import WSSPolicy, check_envelope, parse_envelope, verify_request

STRICT = WSSPolicy()
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def _key(data: bytes | etree._Element) -> SecurityError:
    with pytest.raises(SecurityError) as caught:
        verify_request(data if isinstance(data, bytes) else serialize(data), STRICT, NOW)
    return caught.value


# --- envelope: 101-104 -------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"   \r\n\t"])
def test_empty_request(data: bytes) -> None:
    assert _key(data).key == "wss.request_empty"
    with pytest.raises(SecurityError) as caught:
        parse_envelope(data)
    assert caught.value.key == "wss.request_empty"


@pytest.mark.parametrize(
    ("xml", "found"),
    [
        (b"<factura/>", "factura"),
        (f'<s:Envelope xmlns:s="{SOAP12}"><s:Body/></s:Envelope>'.encode(), f"Envelope ({SOAP12})"),
        (f'<s:Body xmlns:s="{SOAP}"/>'.encode(), f"Body ({SOAP})"),
    ],
)
def test_no_envelope(xml: bytes, found: str) -> None:
    error = _key(xml)
    assert error.key == "wss.no_envelope"
    assert error.params["found"] == found


def test_no_body() -> None:
    xml = f'<s:Envelope xmlns:s="{SOAP}"><s:Header/></s:Envelope>'.encode()
    assert _key(xml).key == "wss.no_body"


def test_no_header() -> None:
    xml = f'<s:Envelope xmlns:s="{SOAP}"><s:Body><op/></s:Body></s:Envelope>'.encode()
    assert _key(xml).key == "wss.no_header"


def test_check_envelope_returns_header_and_body() -> None:
    root = parse(zeep_request(identity("client")))
    parts = check_envelope(root)
    assert parts.envelope is root
    assert parts.header is find(root, "soapenv:Header")
    assert parts.body is find(root, "soapenv:Body")
    assert check_envelope(etree.ElementTree(root)).body is parts.body


@pytest.mark.parametrize(
    ("inner", "detail"),
    [
        ("<s:Header/><s:Header/><s:Body/>", "2 Header elements"),
        ("<s:Body/><s:Header/>", "Header after Body"),
        ("<s:Header/><s:Body/><x:Extra xmlns:x='urn:x'/>", "unexpected element Extra (urn:x)"),
    ],
)
def test_malformed_envelopes(inner: str, detail: str) -> None:
    error = _key(f'<s:Envelope xmlns:s="{SOAP}">{inner}</s:Envelope>'.encode())
    assert error.key == "wss.envelope_malformed"
    assert error.params["detail"] == detail


def test_malformed_xml_and_doctype_come_from_the_hardened_parser() -> None:
    assert _key(b"<s:Envelope").key == "xml.malformed"
    assert (
        _key(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>').key
        == "xml.doctype_forbidden"
    )


def test_size_cap_applies_before_parsing() -> None:
    data = zeep_request(identity("client"))
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW, max_bytes=len(data) - 1)
    assert caught.value.key == "xml.too_large"


# --- security header and signature -------------------------------------------------------------


def test_missing_security_header() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, "soapenv:Header").remove(find(root, ".//wsse:Security"))
    assert _key(root).key == "wss.security_missing"


def test_security_in_another_namespace_is_not_security() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:Security").tag = "{http://schemas.xmlsoap.org/ws/2002/07/secext}Security"
    assert _key(root).key == "wss.security_missing"


def test_two_security_headers() -> None:
    root = parse(zeep_request(identity("client")))
    etree.SubElement(find(root, "soapenv:Header"), f"{{{WSSE}}}Security")
    error = _key(root)
    assert error.key == "wss.security_duplicate"
    assert error.params["count"] == 2


ACTOR = f"{{{SOAP}}}actor"
NEXT = "http://schemas.xmlsoap.org/soap/actor/next"


def _add_security_for(root: etree._Element, actor: str | None, *, first: bool = False) -> etree._Element:
    """An intermediary's wsse:Security block (its own unsigned Timestamp), added after signing."""
    security = etree.Element(f"{{{WSSE}}}Security")
    if actor is not None:
        security.set(ACTOR, actor)
    timestamp = etree.SubElement(security, f"{{{WSU_NS}}}Timestamp", {WSU_ID: "TS-proxy"})
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Created").text = "2026-03-01T12:00:00Z"
    header = find(root, "soapenv:Header")
    if first:
        header.insert(0, security)
    else:
        header.append(security)
    return security


@pytest.mark.parametrize("first", [True, False])
def test_a_security_block_for_another_actor_is_left_alone(first: bool) -> None:
    root = parse(zeep_request(identity("client")))
    _add_security_for(root, "urn:example:proxy", first=first)
    result = verify_request(serialize(root), STRICT, NOW)
    assert result.certificate == identity("client").certificate and result.timestamp_signed


def test_the_next_actor_is_the_hub() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:Security").set(ACTOR, NEXT)
    assert verify_request(serialize(root), STRICT, NOW).timestamp_signed
    _add_security_for(root, None)  # now two blocks are addressed to the hub
    error = _key(root)
    assert error.key == "wss.security_duplicate" and error.params["count"] == 2


def test_only_blocks_for_other_actors_is_a_missing_header_naming_them() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:Security").set(ACTOR, "urn:example:b")
    _add_security_for(root, "urn:example:a")
    error = _key(root)
    assert error.key == "wss.security_for_other_actors"
    assert error.params["actors"] == "urn:example:a, urn:example:b"


def test_a_signature_covering_another_actors_block_is_refused() -> None:
    """The hub's signature may not reach into an intermediary's block: its Timestamp is not the one
    the hub checks, so signing it proves nothing about this message's freshness."""
    proxy = (
        '<wsse:Security soapenv:actor="urn:example:proxy"><wsu:Timestamp wsu:Id="TS-proxy">'
        "<wsu:Created>2026-03-01T12:00:00Z</wsu:Created></wsu:Timestamp></wsse:Security>"
    )
    data = handbuilt_request(identity("client"), extra_signed_ids=("TS-proxy",), header_extra=proxy)
    error = _key(data)
    assert error.key == "wss.signed_timestamp_misplaced" and error.params["uri"] == "#TS-proxy"


def test_missing_signature() -> None:
    root = parse(zeep_request(identity("client")))
    security = find(root, ".//wsse:Security")
    security.remove(find(security, "ds:Signature"))
    assert _key(root).key == "wss.signature_missing"


def test_two_signatures() -> None:
    root = parse(zeep_request(identity("client")))
    security = find(root, ".//wsse:Security")
    security.append(etree.fromstring(etree.tostring(find(security, "ds:Signature"))))
    assert _key(root).key == "wss.signature_duplicate"


def test_signature_without_signed_info() -> None:
    root = parse(zeep_request(identity("client")))
    signature = find(root, ".//ds:Signature")
    signature.remove(find(signature, "ds:SignedInfo"))
    assert _key(root).key == "wss.signature_malformed"


def test_signature_value_not_base64() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//ds:SignatureValue").text = "not*base64"
    error = _key(root)
    assert error.key == "wss.signature_malformed"
    assert "SignatureValue" in error.params["detail"]


def test_bad_signature_value() -> None:
    root = parse(zeep_request(identity("client")))
    element = find(root, ".//ds:SignatureValue")
    value = bytearray(base64.b64decode("".join((element.text or "").split())))
    value[-1] ^= 0x01
    element.text = base64.b64encode(bytes(value)).decode()
    error = _key(root)
    assert error.key == "wss.signature_invalid"
    assert "client test certificate" in error.params["subject"]


def test_signature_by_another_key_with_the_victims_certificate_in_the_token() -> None:
    data = handbuilt_request(identity("attacker"), token_certificate=identity("client").certificate)
    assert _key(data).key == "wss.signature_invalid"


def test_digest_mismatch_names_the_reference() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//numeroRegistro").text = "201900000666"
    body_id = find(root, "soapenv:Body").get(WSU_ID)
    error = _key(root)
    assert error.key == "wss.digest_mismatch"
    assert error.params["uri"] == f"#{body_id}"
    assert error.params["element"] == f"Body ({SOAP})"
    assert f"#{body_id}" in error.message("en") and f"#{body_id}" in error.message("es")


def test_digest_mismatch_on_the_timestamp() -> None:
    root = parse(handbuilt_request(identity("client")))
    find(root, ".//wsu:Expires").text = "2024-05-01T10:04:00.000Z"  # still valid, but not as signed
    error = _key(root)
    assert error.key == "wss.digest_mismatch"
    assert error.params["uri"] == "#TS-1"


def test_whitespace_added_inside_the_signed_body_breaks_the_digest() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//numeroRegistro").tail = "\n"
    assert _key(root).key == "wss.digest_mismatch"


# --- token -------------------------------------------------------------------------------------


def test_token_certificate_unparseable() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:BinarySecurityToken").text = base64.b64encode(b"not a certificate").decode()
    assert _key(root).key == "wss.token_certificate_invalid"


def test_token_not_base64() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:BinarySecurityToken").text = "%%%"
    assert _key(root).key == "wss.token_certificate_invalid"


def test_token_reference_to_nothing() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:SecurityTokenReference/wsse:Reference").set("URI", "#missing")
    error = _key(root)
    assert error.key == "wss.token_missing"
    assert error.params["uri"] == "#missing"


def test_token_reference_to_a_token_outside_security() -> None:
    root = parse(zeep_request(identity("client")))
    token = find(root, ".//wsse:BinarySecurityToken")
    etree.SubElement(find(root, "soapenv:Header"), "{urn:attacker}Wrapper").append(token)
    assert _key(root).key == "wss.token_missing"


def test_token_of_another_type() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//wsse:BinarySecurityToken").set(
        "ValueType", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#PKCS7"
    )
    assert _key(root).key == "wss.token_type_unsupported"


def test_key_info_missing() -> None:
    root = parse(zeep_request(identity("client")))
    signature = find(root, ".//ds:Signature")
    signature.remove(find(signature, "ds:KeyInfo"))
    assert _key(root).key == "wss.key_reference_missing"


def test_signed_body_without_an_operation() -> None:
    # The client signs a Body whose only content is a comment: valid signature, nothing to dispatch.
    data = handbuilt_request(identity("client")).replace(
        b"<web:consultarFactura", b"<!--<web:consultarFactura"
    )
    data = data.replace(b"</web:consultarFactura>", b"</web:consultarFactura>-->")
    assert _key(xmlsec_sign(data, identity("client"))).key == "wss.operation_missing"


def test_empty_request_message_in_both_languages() -> None:
    error = _key(b"")
    assert translate(error.key, "es") == "La petición está vacía"
    assert translate(error.key, "en") == "The request is empty"
