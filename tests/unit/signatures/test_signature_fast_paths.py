"""The faster paths of signature verification compute exactly what the straightforward ones did:
the enveloped-signature transform without copying the document, the Id index, the DOCTYPE pre-scan
and the certificate cache."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from lxml import etree

from facturahub.errors import SecurityError, SignatureInvalid
from facturahub.signatures import certgen
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures import xades_dsig as dsig
from facturahub.signatures.certificate_cache import load_base64_certificate
from facturahub.signatures.wss_envelope import index_ids as wss_index_ids
from facturahub.signatures.xml import _DOCTYPE_MARKERS, parse_xml

DS_NS = algorithms.DS_NS
METHODS = [
    dsig.Transform(algorithms.C14N_10),
    dsig.Transform(algorithms.C14N_10_WITH_COMMENTS),
    dsig.Transform(algorithms.EXC_C14N),
    dsig.Transform(algorithms.EXC_C14N_WITH_COMMENTS),
    dsig.Transform(algorithms.EXC_C14N, ("p", "q")),
    dsig.Transform(algorithms.EXC_C14N_WITH_COMMENTS, ("#default", "ds")),
]
# Signatures in odd places of odd documents: default namespaces inside and around the signature,
# text, comments, processing instructions and CDATA around it, elements after it, a nested element
# that looks like it, and a stray element named like the markers.
TRICKY = [
    b'<?xml version="1.0"?>\n<!-- c --><root xmlns="urn:r" xmlns:a="urn:a" a:x="1" xml:lang="es">\n'
    b' <a:b>t&amp;</a:b><Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="S"><SignedInfo/>\n'
    b'<Object><q xmlns="urn:r">x</q></Object>\n</Signature>\n<after/><?pi d?>text</root><?z?>',
    b'<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><x/><ds:Signature/></r>',
    b'<r xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:x/>pre<ds:Signature '
    b'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns="urn:other"><ds:Y/><z/></ds:Signature>post<w/></r>',
    b'<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:d2="http://www.w3.org/2000/09/xmldsig#" '
    b'xml:space="preserve"><facturahub-enveloped-signature-marker nonce="abc">'
    b"</facturahub-enveloped-signature-marker><![CDATA[cd<ata>]]>&#60;ds:Signature&#62;"
    b'<d2:Signature Id="x"><ds:Object><ds:Signature xmlns:ds="http://uri.etsi.org/01903/v1.3.2#">in'
    b"</ds:Signature><?pi </d2:Signature>?></ds:Object><![CDATA[</d2:Signature>]]></d2:Signature>"
    b'<![CDATA[tail]]>&amp;<e a="&lt;&gt;&quot;"/></r>',
]


def _documents(shared_data: Path) -> list[bytes]:
    samples = sorted((shared_data / "facturae" / "samples").glob("*.xsig"))
    assert samples
    return [path.read_bytes() for path in samples] + TRICKY


def _copied_without(target: object, signature: object, method: dsig.Transform) -> bytes:
    """The enveloped-signature transform the obvious way: canonicalise a copy without the signature."""
    return dsig.canonicalize(dsig.without(target, signature), method, comments=False)


def test_enveloped_transform_matches_canonicalising_a_copy(shared_data: Path) -> None:
    for data in _documents(shared_data):
        tree = parse_xml(data)
        signature = next(tree.iter(f"{{{DS_NS}}}Signature"))
        serialised = etree.tostring(tree)
        for method in METHODS:
            for target in (tree, tree.getroot()):
                expected = _copied_without(target, signature, method)
                assert dsig._canonical_without(target, signature, method) == expected
                reference = dsig.Reference(
                    element=None,
                    uri="",
                    id=None,
                    type=None,
                    transforms=(dsig.Transform(algorithms.ENVELOPED_SIGNATURE), method),
                    digest_method=algorithms.SHA256,
                    digest_value=b"",
                )
                assert dsig.reference_octets(reference, target, signature) == expected
        # The markers are gone and nothing else moved.
        assert etree.tostring(tree) == serialised


def test_octets_without_the_expected_markers_are_not_cut() -> None:
    assert dsig._cut_signature(b"<r><ds:Signature></ds:Signature></r>", b"00", "ds") is None
    marker = b'<facturahub-enveloped-signature-marker nonce="00"></facturahub-enveloped-signature-marker>'
    # One marker only, or the markers not around a Signature element.
    assert dsig._cut_signature(b"<r>" + marker + b"<ds:Signature></ds:Signature></r>", b"00", "ds") is None
    assert dsig._cut_signature(b"<r>" + marker + b"<x>" + marker + b"</x></r>", b"00", "ds") is None
    well_formed = b"<r>a" + marker + b"<ds:Signature>" + marker + b"</ds:Signature>b</r>"
    assert dsig._cut_signature(well_formed, b"00", "ds") == b"<r>ab</r>"


def _scan_ids(tree: etree._ElementTree) -> dict[str, etree._Element]:
    index: dict[str, etree._Element] = {}
    for element in tree.iter(etree.Element):
        for name in dsig.ID_ATTRIBUTES:
            value = element.get(name)
            if value is not None and index.setdefault(value, element) is not element:
                raise AssertionError(value)
    return index


def test_id_index_is_the_element_by_element_scan(shared_data: Path) -> None:
    for data in _documents(shared_data):
        tree = parse_xml(data)
        assert dsig.index_ids(tree) == _scan_ids(tree)


def test_duplicate_ids_name_the_value_the_scan_meets_first() -> None:
    tree = parse_xml(b'<r><a id="x" Id="y"/><b id="x" ID="z" Id="y"/></r>')
    with pytest.raises(SignatureInvalid) as refused:
        dsig.index_ids(tree)
    assert refused.value.key == "xades.duplicate_id"
    assert refused.value.params["id"] == "y"
    # The same value twice on one element is not a duplicate.
    assert set(dsig.index_ids(parse_xml(b'<r><a id="x" Id="x"/></r>'))) == {"x"}


def test_wss_id_index_reads_wsu_id_and_unqualified_id_only() -> None:
    wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
    root = etree.fromstring(
        f'<e xmlns:wsu="{wsu}" xmlns:o="urn:o"><a wsu:Id="1"/><b Id="2"/><c o:Id="3" id="4" ID="5"/></e>'.encode()
    )
    assert set(wss_index_ids(root)) == {"1", "2"}
    with pytest.raises(SecurityError) as refused:
        wss_index_ids(etree.fromstring(f'<e xmlns:wsu="{wsu}"><a wsu:Id="1"/><b Id="1"/></e>'.encode()))
    assert refused.value.key == "wss.id_duplicate"


def test_every_doctype_marker_holds_the_byte_the_pre_scan_looks_for() -> None:
    assert all(b"!" in marker for marker in _DOCTYPE_MARKERS)
    for marker in _DOCTYPE_MARKERS:
        with pytest.raises(SecurityError):
            parse_xml(b"<r>" + marker + b"</r>")


def test_certificate_cache_returns_what_decoding_returns_and_caches_no_failure() -> None:
    identity = certgen.issue("cache")
    text = base64.b64encode(identity.certificate_der).decode()
    der, certificate = load_base64_certificate(f"{text[:64]}\n  {text[64:]}")
    assert der == identity.certificate_der
    assert certificate == identity.certificate
    assert load_base64_certificate(text)[1] is certificate
    for _ in range(2):
        with pytest.raises(ValueError):
            load_base64_certificate("not base64!")
        with pytest.raises(ValueError):
            load_base64_certificate(base64.b64encode(b"not a certificate").decode())
