"""Rule S1, signature wrapping: the processed Body is the very node that was digested.

Each attack starts from a genuine zeep-signed request and only rearranges it, as an attacker who
captured it could (no re-signing).
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from lxml import etree
from tests.unit.signatures.wss_fixtures import (
    FACE,
    NOW,
    SOAP,
    WSU_ID,
    WSU_NS,
    find,
    handbuilt_request,
    identity,
    parse,
    resign_rsa,
    serialize,
    zeep_request,
)

from facturahub.errors import SecurityError
from facturahub.signatures.wssecurity import WSSPolicy, verify_request

STRICT = WSSPolicy()
BODY = f"{{{SOAP}}}Body"


def _forged_body() -> etree._Element:
    body = etree.Element(BODY)
    operation = etree.SubElement(body, f"{{{FACE}}}anularFactura")
    etree.SubElement(operation, "numeroRegistro").text = "201900000666"
    etree.SubElement(operation, "motivo").text = "forged"
    return body


def _move_body_into_header(root: etree._Element) -> etree._Element:
    """Put the signed Body in a header wrapper and a forged Body in its place; return the forged."""
    body = find(root, "soapenv:Body")
    wrapper = etree.SubElement(find(root, "soapenv:Header"), "{urn:attacker}Wrapper")
    wrapper.append(body)
    forged = _forged_body()
    root.append(forged)
    return forged


def _reject(root: etree._Element, key: str) -> SecurityError:
    with pytest.raises(SecurityError) as caught:
        verify_request(serialize(root), STRICT, NOW)
    assert caught.value.key == key, caught.value
    return caught.value


def test_untouched_request_is_accepted() -> None:
    verify_request(zeep_request(identity("client")), STRICT, NOW)


def test_moved_body_keeping_its_id() -> None:
    root = parse(zeep_request(identity("client")))
    _move_body_into_header(root)
    error = _reject(root, "wss.signed_body_misplaced")
    assert error.params["uri"].startswith("#id-")


def test_moved_body_with_changed_id_and_forged_body_taking_it() -> None:
    root = parse(zeep_request(identity("client")))
    original_id = find(root, "soapenv:Body").get(WSU_ID)
    moved = find(root, "soapenv:Body")
    forged = _move_body_into_header(root)
    moved.set(WSU_ID, "id-moved")
    forged.set(WSU_ID, original_id)
    error = _reject(root, "wss.digest_mismatch")
    assert error.params["uri"] == f"#{original_id}"
    assert "Body" in error.params["element"]


def test_moved_body_with_changed_id_and_forged_body_without_id() -> None:
    root = parse(zeep_request(identity("client")))
    moved = find(root, "soapenv:Body")
    _move_body_into_header(root)
    moved.set(WSU_ID, "id-moved")
    _reject(root, "wss.reference_target_missing")


def test_duplicate_ids() -> None:
    root = parse(zeep_request(identity("client")))
    original_id = find(root, "soapenv:Body").get(WSU_ID)
    forged = _move_body_into_header(root)
    forged.set(WSU_ID, original_id)
    error = _reject(root, "wss.id_duplicate")
    assert error.params["id"] == original_id


def test_duplicate_ids_across_wsu_and_unqualified_id() -> None:
    root = parse(zeep_request(identity("client")))
    original_id = find(root, "soapenv:Body").get(WSU_ID)
    etree.SubElement(find(root, "soapenv:Header"), "{urn:attacker}Decoy", Id=original_id)
    _reject(root, "wss.id_duplicate")


def test_id_moved_to_a_sibling() -> None:
    root = parse(zeep_request(identity("client")))
    body = find(root, "soapenv:Body")
    body_id = body.attrib.pop(WSU_ID)
    find(root, "soapenv:Header").set(WSU_ID, body_id)
    error = _reject(root, "wss.reference_unexpected")
    assert "Header" in error.params["element"]


def test_extra_reference_to_an_unrelated_element() -> None:
    # The client itself signs a third element (a WS-Addressing header): not Body, Timestamp or token.
    data = handbuilt_request(
        identity("client"),
        header_extra=f'<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing" '
        f'xmlns:wsu="{WSU_NS}" wsu:Id="MID-1">urn:uuid:1</wsa:MessageID>',
        extra_signed_ids=("MID-1",),
    )
    with pytest.raises(SecurityError) as caught:
        verify_request(data, STRICT, NOW)
    assert caught.value.key == "wss.reference_unexpected"
    assert caught.value.params["uri"] == "#MID-1"
    assert "MessageID" in caught.value.params["element"]


def test_unsigned_addressing_headers_are_ignored() -> None:
    # What docs/integrators.md tells clients that sign WS-Addressing headers to do instead.
    data = handbuilt_request(
        identity("client"),
        header_extra='<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing" '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" soapenv:mustUnderstand="1">'
        "urn:uuid:1</wsa:MessageID>",
    )
    verified = verify_request(data, STRICT, NOW)
    assert etree.QName(verified.operation).localname == "consultarFactura"
    assert verified.operation.findtext("numeroRegistro") == "201900000001"


def test_reference_to_the_whole_envelope() -> None:
    root = parse(handbuilt_request(identity("client")))
    root.set(WSU_ID, "ENV-1")
    find(root, ".//ds:Reference").set("URI", "#ENV-1")
    _reject(root, "wss.signature_invalid")  # SignedInfo changed: caught before dereferencing
    resign_rsa(root, identity("client"), hashes.SHA256())  # even validly signed by the client
    error = _reject(root, "wss.reference_unexpected")
    assert "Envelope" in error.params["element"]


def test_signed_timestamp_moved_out_of_security_with_a_fresh_one_in_its_place() -> None:
    root = parse(zeep_request(identity("client")))
    security = find(root, ".//wsse:Security")
    signed_timestamp = find(security, "wsu:Timestamp")
    etree.SubElement(find(root, "soapenv:Header"), "{urn:attacker}Wrapper").append(signed_timestamp)
    fresh = etree.SubElement(security, f"{{{WSU_NS}}}Timestamp")
    etree.SubElement(fresh, f"{{{WSU_NS}}}Created").text = "2024-05-01T10:00:00Z"
    etree.SubElement(fresh, f"{{{WSU_NS}}}Expires").text = "2024-05-01T10:05:00Z"
    _reject(root, "wss.signed_timestamp_misplaced")


def test_timestamp_nested_inside_security() -> None:
    root = parse(zeep_request(identity("client")))
    security = find(root, ".//wsse:Security")
    timestamp = find(security, "wsu:Timestamp")
    etree.SubElement(security, "{urn:attacker}Wrapper").append(timestamp)
    _reject(root, "wss.timestamp_misplaced")


def test_body_not_signed_at_all() -> None:
    # A signature over the Timestamp only (the client's own key) does not authorise any Body.
    data = handbuilt_request(identity("client"))
    root = parse(data)
    references = root.findall(".//{http://www.w3.org/2000/09/xmldsig#}Reference")
    assert references[0].get("URI") == "#Body-1"
    references[0].getparent().remove(references[0])
    resign_rsa(root, identity("client"), hashes.SHA256())
    _reject(root, "wss.body_not_signed")


def test_second_body_in_envelope() -> None:
    root = parse(zeep_request(identity("client")))
    root.append(_forged_body())
    error = _reject(root, "wss.envelope_malformed")
    assert "2 Body" in error.params["detail"]


def test_operation_is_the_first_child_of_the_signed_body_whatever_the_soapaction() -> None:
    # S6: dispatch is on the signed Body's first child; nothing else in the message can change it.
    result = verify_request(zeep_request(identity("client")), STRICT, NOW)
    assert result.operation.tag == f"{{{FACE}}}consultarFactura"
    assert result.operation.getparent() is result.body
