"""Rule S4: algorithm allow-lists, transform and reference caps, no external URIs, no
RetrievalMethod, SignedInfo verified before any reference is dereferenced.

Where it matters the mutated SignedInfo is validly re-signed, so the refusal can only come from the
rule under test; canaries (a loopback socket, a FIFO) prove nothing was fetched.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import hmac
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, utils
from lxml import etree
from tests.unit.signatures.wss_fixtures import (
    NOW,
    add_reference,
    canary_port,
    connections,
    find,
    handbuilt_request,
    identity,
    parse,
    resign_rsa,
    serialize,
    xmlsec_sign,
    zeep_request,
)

from facturahub.errors import SecurityError
from facturahub.signatures.dsig_algorithms import C14N_10, DS_NS, EXC_C14N, RSA_SHA256, SHA256
from facturahub.signatures.wssecurity import WSSPolicy, verify_request

STRICT = WSSPolicy()
DS = f"{{{DS_NS}}}"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"


def _key(root: etree._Element, policy: WSSPolicy = STRICT) -> SecurityError:
    with pytest.raises(SecurityError) as caught:
        verify_request(serialize(root), policy, NOW)
    return caught.value


def _signed_info_bytes(root: etree._Element) -> bytes:
    return bytes(
        etree.tostring(find(root, ".//ds:SignedInfo"), method="c14n", exclusive=True, with_comments=False)
    )


def _set_signature_method(root: etree._Element, algorithm: str) -> None:
    find(root, ".//ds:SignatureMethod").set("Algorithm", algorithm)


def _set_signature_value(root: etree._Element, value: bytes) -> None:
    find(root, ".//ds:SignatureValue").text = base64.b64encode(value).decode()


# --- signature methods -------------------------------------------------------------------------


def test_hmac_keyed_with_the_public_certificate() -> None:
    # The classic key-confusion attack: HMAC "keyed" with the certificate everyone can read.
    root = parse(handbuilt_request(identity("client")))
    _set_signature_method(root, "http://www.w3.org/2000/09/xmldsig#hmac-sha1")
    _set_signature_value(
        root, hmac.new(identity("client").der, _signed_info_bytes(root), hashlib.sha1).digest()
    )
    error = _key(root)
    assert error.key == "wss.signature_method_forbidden"
    assert error.params["algorithm"].endswith("hmac-sha1")


def test_hmac_sha256_with_output_length() -> None:
    root = parse(handbuilt_request(identity("client")))
    method = find(root, ".//ds:SignatureMethod")
    method.set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256")
    etree.SubElement(method, f"{DS}HMACOutputLength").text = "8"
    _set_signature_value(root, b"\x01")
    assert _key(root).key == "wss.signature_method_forbidden"


def test_rsa_md5() -> None:
    root = parse(handbuilt_request(identity("client")))
    _set_signature_method(root, "http://www.w3.org/2001/04/xmldsig-more#rsa-md5")
    resign_rsa(root, identity("client"), hashes.MD5())  # noqa: S303  (the attack under test)
    assert _key(root).key == "wss.signature_method_forbidden"


def test_dsa() -> None:
    root = parse(handbuilt_request(identity("client")))
    _set_signature_method(root, "http://www.w3.org/2000/09/xmldsig#dsa-sha1")
    key = dsa.generate_private_key(key_size=1024)  # noqa: S505  (q of 160 bits, as dsa-sha1 needs)
    r, s = utils.decode_dss_signature(key.sign(_signed_info_bytes(root), hashes.SHA1()))  # noqa: S303
    _set_signature_value(root, r.to_bytes(20, "big") + s.to_bytes(20, "big"))
    assert _key(root).key == "wss.signature_method_forbidden"


def test_ecdsa() -> None:
    root = parse(handbuilt_request(identity("client")))
    _set_signature_method(root, "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
    assert _key(root).key == "wss.signature_method_forbidden"


def test_policy_can_narrow_the_allow_list() -> None:
    rsa_sha1_request = parse(zeep_request(identity("client")))  # zeep's default is rsa-sha1/sha1
    error = _key(rsa_sha1_request, WSSPolicy(signature_methods=frozenset({RSA_SHA256})))
    assert error.key == "wss.signature_method_forbidden"
    error = _key(rsa_sha1_request, WSSPolicy(digest_methods=frozenset({SHA256})))
    assert error.key == "wss.digest_method_forbidden"


def test_md5_digest() -> None:
    root = parse(handbuilt_request(identity("client")))
    find(root, ".//ds:DigestMethod").set("Algorithm", "http://www.w3.org/2001/04/xmldsig-more#md5")
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.digest_method_forbidden"
    assert error.params["uri"] == "#Body-1"


@pytest.mark.parametrize(
    ("where", "algorithm"),
    [
        ("SignedInfo", "http://www.w3.org/2006/12/xml-c14n11"),
        ("SignedInfo", "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"),
        ("SignedInfo", XSLT),
    ],
)
def test_signed_info_canonicalization_allow_list(where: str, algorithm: str) -> None:
    root = parse(handbuilt_request(identity("client")))
    find(root, ".//ds:CanonicalizationMethod").set("Algorithm", algorithm)
    error = _key(root)
    assert error.key == "wss.c14n_forbidden"
    assert error.params == {"algorithm": algorithm, "where": where}


# --- transforms --------------------------------------------------------------------------------


def _body_transforms(root: etree._Element) -> etree._Element:
    return find(root, ".//ds:Reference/ds:Transforms")


def test_xslt_transform() -> None:
    root = parse(handbuilt_request(identity("client")))
    transform = etree.SubElement(_body_transforms(root), f"{DS}Transform", Algorithm=XSLT)
    stylesheet = etree.SubElement(
        transform, "{http://www.w3.org/1999/XSL/Transform}stylesheet", version="1.0"
    )
    etree.SubElement(stylesheet, "{http://www.w3.org/1999/XSL/Transform}template", match="/")
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.transform_forbidden"
    assert error.params == {"uri": "#Body-1", "algorithm": XSLT}


@pytest.mark.parametrize(
    "algorithm",
    [
        XPATH,
        "http://www.w3.org/2002/06/xmldsig-filter2",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2000/09/xmldsig#base64",
    ],
)
def test_other_transforms(algorithm: str) -> None:
    root = parse(handbuilt_request(identity("client")))
    transform = etree.SubElement(_body_transforms(root), f"{DS}Transform", Algorithm=algorithm)
    if algorithm == XPATH:
        etree.SubElement(transform, f"{DS}XPath").text = "true()"
    resign_rsa(root, identity("client"), hashes.SHA256())
    assert _key(root).key == "wss.transform_forbidden"


def test_five_transforms_are_accepted_six_are_not() -> None:
    root = parse(handbuilt_request(identity("client")))
    transforms = _body_transforms(root)
    for algorithm in (C14N_10, EXC_C14N, C14N_10, EXC_C14N):
        etree.SubElement(transforms, f"{DS}Transform", Algorithm=algorithm)
    resigned = xmlsec_sign(serialize(root), identity("client"))  # xmlsec computes the 5-step chain
    verify_request(resigned, STRICT, NOW)
    root = parse(resigned)
    etree.SubElement(_body_transforms(root), f"{DS}Transform", Algorithm=EXC_C14N)
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.transforms_too_many"
    assert (error.params["count"], error.params["limit"]) == (6, 5)


def test_more_than_thirty_references() -> None:
    root = parse(handbuilt_request(identity("client")))
    for _ in range(30):
        add_reference(root, "#Body-1")
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.references_too_many"
    assert (error.params["count"], error.params["limit"]) == (32, 30)


def test_same_element_referenced_twice() -> None:
    root = parse(handbuilt_request(identity("client")))
    add_reference(root, "#Body-1")
    resign_rsa(root, identity("client"), hashes.SHA256())
    assert _key(root).key == "wss.reference_duplicate"


# --- URIs: nothing is ever fetched -------------------------------------------------------------


def test_reference_to_loopback_http_canary_is_refused_and_not_fetched() -> None:
    with canary_port() as (port, server):
        uri = f"http://127.0.0.1:{port}/body"
        root = parse(handbuilt_request(identity("client")))
        add_reference(root, uri)
        resign_rsa(root, identity("client"), hashes.SHA256())
        error = _key(root)
        assert error.key == "wss.reference_uri_forbidden"
        assert error.params["uri"] == uri
        assert connections(server) == 0
        # The canary works: a real fetch would have been seen.
        with pytest.raises(OSError):
            urllib.request.urlopen(uri, timeout=0.5)
        assert connections(server) == 1


def test_reference_to_etc_passwd_is_refused() -> None:
    root = parse(handbuilt_request(identity("client")))
    add_reference(root, "file:///etc/passwd")
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.reference_uri_forbidden"
    assert error.params["uri"] == "file:///etc/passwd"


def test_reference_to_a_fifo_canary_is_not_opened(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer appears: a verifier that tried to read it
    # would hang (caught by the timeout); afterwards no reader may hold it open.
    fifo = tmp_path / "canary"
    os.mkfifo(fifo)
    root = parse(handbuilt_request(identity("client")))
    add_reference(root, fifo.as_uri())
    resign_rsa(root, identity("client"), hashes.SHA256())
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(verify_request, serialize(root), STRICT, NOW)
        with pytest.raises(SecurityError) as caught:
            future.result(timeout=5)
    assert caught.value.key == "wss.reference_uri_forbidden"
    with pytest.raises(OSError) as no_reader:
        os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    assert no_reader.value.errno == errno.ENXIO


@pytest.mark.parametrize("uri", ["", "#xpointer(/)", "#xpointer(id('Body-1'))", "Body-1", "#a b", "//evil/x"])
def test_other_uri_forms(uri: str) -> None:
    root = parse(handbuilt_request(identity("client")))
    find(root, ".//ds:Reference").set("URI", uri)
    resign_rsa(root, identity("client"), hashes.SHA256())
    assert _key(root).key == "wss.reference_uri_forbidden"


def test_reference_without_uri() -> None:
    root = parse(handbuilt_request(identity("client")))
    del find(root, ".//ds:Reference").attrib["URI"]
    assert _key(root).key == "wss.reference_uri_forbidden"


def test_retrieval_method_to_canary_is_refused_and_not_fetched() -> None:
    with canary_port() as (port, server):
        root = parse(handbuilt_request(identity("client")))
        key_info = find(root, ".//ds:KeyInfo")
        for child in list(key_info):
            key_info.remove(child)
        etree.SubElement(
            key_info,
            f"{DS}RetrievalMethod",
            URI=f"http://127.0.0.1:{port}/cert",
            Type="http://www.w3.org/2000/09/xmldsig#X509Data",
        )
        assert _key(root).key == "wss.retrieval_method_forbidden"
        assert connections(server) == 0


def test_token_reference_to_canary_is_refused_and_not_fetched() -> None:
    with canary_port() as (port, server):
        root = parse(handbuilt_request(identity("client")))
        find(root, ".//wsse:SecurityTokenReference/wsse:Reference").set(
            "URI", f"http://127.0.0.1:{port}/cert"
        )
        assert _key(root).key == "wss.reference_uri_forbidden"
        assert connections(server) == 0


def test_key_value_supplied_by_the_message_is_not_trusted() -> None:
    root = parse(handbuilt_request(identity("client")))
    key_info = find(root, ".//ds:KeyInfo")
    for child in list(key_info):
        key_info.remove(child)
    etree.SubElement(etree.SubElement(key_info, f"{DS}KeyValue"), f"{DS}RSAKeyValue")
    error = _key(root)
    assert error.key == "wss.key_reference_unsupported"
    assert "KeyValue" in error.params["detail"]


def test_key_smaller_than_the_policy_minimum() -> None:
    error = _key(parse(zeep_request(identity("client"))), WSSPolicy(min_rsa_key_bits=4096))
    assert error.key == "wss.key_too_small"
    assert (error.params["bits"], error.params["minimum"]) == (2048, 4096)


# --- SignedInfo first --------------------------------------------------------------------------


def test_signed_info_is_verified_before_references_are_dereferenced() -> None:
    root = parse(zeep_request(identity("client")))
    find(root, ".//numeroRegistro").text = "201900000666"  # digest would mismatch...
    value = bytearray(base64.b64decode("".join((find(root, ".//ds:SignatureValue").text or "").split())))
    value[10] ^= 0xFF
    _set_signature_value(root, bytes(value))
    assert _key(root).key == "wss.signature_invalid"  # ...but the SignatureValue fails first


def test_dangling_reference_with_invalid_signature_reports_the_signature() -> None:
    root = parse(handbuilt_request(identity("client")))
    add_reference(root, "#nowhere")  # SignedInfo changed, not re-signed
    assert _key(root).key == "wss.signature_invalid"
    resign_rsa(root, identity("client"), hashes.SHA256())
    error = _key(root)
    assert error.key == "wss.reference_target_missing"
    assert error.params["uri"] == "#nowhere"


def test_default_policy_accepts_exactly_the_documented_algorithms() -> None:
    assert STRICT.signature_methods == {
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    }
    assert STRICT.digest_methods == {
        "http://www.w3.org/2000/09/xmldsig#sha1",
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    }
