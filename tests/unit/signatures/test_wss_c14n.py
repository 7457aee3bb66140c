"""Canonicalisation corner cases where lxml's subtree serialisation alone differs from what xmlsec
and Java signers digest, and the completeness of the wss message catalog."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from lxml import etree

from facturahub.signatures.dsig_algorithms import (
    C14N_10,
    C14N_10_WITH_COMMENTS,
    EXC_C14N,
    EXC_C14N_WITH_COMMENTS,
)
from facturahub.signatures.dsig_c14n import canonicalize, canonicalize_octets
from facturahub.signatures.wss_messages import MESSAGES
from facturahub.signatures.xml import parse_xml

DOCUMENT = (
    b'<a:Envelope xmlns:a="urn:a" xmlns="urn:default" xmlns:unused="urn:unused" xml:lang="es">'
    b'<a:Body a:Id="1"><!-- comment --><a:op>x</a:op><plain/></a:Body>tail</a:Envelope>'
)


def _body() -> etree._Element:
    return parse_xml(DOCUMENT).getroot()[0]


def test_exclusive_renders_only_visibly_used_namespaces_and_no_comments() -> None:
    assert canonicalize(_body(), EXC_C14N) == (
        b'<a:Body xmlns:a="urn:a" a:Id="1"><a:op>x</a:op><plain xmlns="urn:default"></plain></a:Body>'
    )


def test_exclusive_prefix_list_with_default_and_an_unused_prefix() -> None:
    assert canonicalize(_body(), EXC_C14N, ["#default", "unused"]) == (
        b'<a:Body xmlns="urn:default" xmlns:a="urn:a" xmlns:unused="urn:unused" a:Id="1">'
        b"<a:op>x</a:op><plain></plain></a:Body>"
    )


def test_prefix_list_works_in_a_thread_other_than_the_parsing_one() -> None:
    body = _body()
    results: list[bytes] = []
    thread = threading.Thread(target=lambda: results.append(canonicalize(body, EXC_C14N, ["#default"])))
    thread.start()
    thread.join()
    assert results == [canonicalize(body, EXC_C14N, ["#default"])]
    assert results[0].startswith(b'<a:Body xmlns="urn:default" xmlns:a="urn:a"')


def test_inclusive_renders_every_namespace_in_scope_and_inherits_xml_attributes() -> None:
    assert canonicalize(_body(), C14N_10) == (
        b'<a:Body xmlns="urn:default" xmlns:a="urn:a" xmlns:unused="urn:unused" xml:lang="es" a:Id="1">'
        b"<a:op>x</a:op><plain></plain></a:Body>"
    )


def test_own_xml_attribute_wins_over_the_inherited_one() -> None:
    root = parse_xml(DOCUMENT).getroot()
    root[0].set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    assert b'xml:lang="en"' in canonicalize(root[0], C14N_10)
    assert b"xml:lang" not in canonicalize(root[0], EXC_C14N).replace(b'xml:lang="en"', b"")


def test_canonicalize_leaves_the_tree_untouched() -> None:
    root = parse_xml(DOCUMENT).getroot()
    before = etree.tostring(root)
    canonicalize(root[0], C14N_10)
    canonicalize(root[0], EXC_C14N, ["#default"])
    assert etree.tostring(root) == before


# Two prefixes bound to one namespace: the signer digested the prefix the element was written with.
TWIN_PREFIXES = b'<r xmlns:ds="urn:s" xmlns:d2="urn:s" xml:lang="es"><d2:S><ds:T/></d2:S></r>'


def test_prefix_list_keeps_each_element_s_own_prefix_among_twins() -> None:
    signature = parse_xml(TWIN_PREFIXES).getroot()[0]
    assert canonicalize(signature, EXC_C14N, ["#default"]) == (
        b'<d2:S xmlns:d2="urn:s"><ds:T xmlns:ds="urn:s"></ds:T></d2:S>'
    )
    assert canonicalize(signature, EXC_C14N, ["#default"]) == canonicalize(signature, EXC_C14N)


def test_inherited_xml_attributes_keep_each_element_s_own_prefix_among_twins() -> None:
    root = parse_xml(TWIN_PREFIXES).getroot()
    before = etree.tostring(root)
    assert canonicalize(root[0], C14N_10) == (
        b'<d2:S xmlns:d2="urn:s" xmlns:ds="urn:s" xml:lang="es"><ds:T></ds:T></d2:S>'
    )
    assert etree.tostring(root) == before


def test_with_comments_methods_keep_comments_only_when_asked() -> None:
    body = _body()
    assert b"<!-- comment -->" in canonicalize(body, C14N_10_WITH_COMMENTS, keep_comments=True)
    assert b"<!--" not in canonicalize(body, C14N_10_WITH_COMMENTS)
    assert b"<!--" not in canonicalize(body, C14N_10, keep_comments=True)
    assert b"<!-- comment -->" in canonicalize(body, EXC_C14N_WITH_COMMENTS, ["#default"], keep_comments=True)


def test_unknown_algorithm_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="c14n11"):
        canonicalize(_body(), "http://www.w3.org/2006/12/xml-c14n11")


def test_chained_transform_reparses_octets() -> None:
    first = canonicalize(_body(), C14N_10)
    assert canonicalize_octets(first, EXC_C14N) == canonicalize(_body(), EXC_C14N).replace(
        b'<a:Body xmlns:a="urn:a" a:Id="1">', b'<a:Body xmlns:a="urn:a" xml:lang="es" a:Id="1">'
    )


def test_every_wss_key_raised_by_the_library_has_spanish_and_english_text() -> None:
    package = Path(__file__).resolve().parents[3] / "src" / "facturahub" / "signatures"
    sources = [path for path in package.glob("*.py") if path.name.startswith(("wss", "dsig_"))]
    used = {key for path in sources for key in re.findall(r'"(wss\.[a-z_]+)"', path.read_text())}
    assert len(used) > 40
    missing = sorted(key for key in used if key not in MESSAGES)
    assert missing == []
    for key in used:
        assert MESSAGES[key]["es"] and MESSAGES[key]["en"]
        assert set(re.findall(r"{(\w+)}", MESSAGES[key]["es"])) == set(
            re.findall(r"{(\w+)}", MESSAGES[key]["en"])
        )
