"""The project's only way to parse XML from outside: hardened against XXE, DTD retrieval, entity
expansion (billion laughs), XInclude and network access (security rules X1, X2, X3).

Any ``<!DOCTYPE`` is refused outright, before and after parsing; no entity is resolved; the
parser never touches the network; ``huge_tree`` is only enabled by callers that have already
capped the input size.

Canonicalisation (c14n, exclusive or not) costs, per element, the square of the namespaces in
scope and of its attributes: 40,000 namespace declarations on an unsigned Envelope made
canonicalising its SignedInfo, before any key is tried, take minutes. So a document may have at
most :data:`MAX_NAMESPACES_IN_SCOPE` namespaces in scope at any element and
:data:`MAX_ATTRIBUTES_PER_ELEMENT` attributes on one; real envelopes and invoices have about ten
and five.
"""

from __future__ import annotations

from lxml import etree

from facturahub.errors import SecurityError

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MAX_NAMESPACES_IN_SCOPE = 32
MAX_ATTRIBUTES_PER_ELEMENT = 64
_CROWDED_ELEMENT = etree.XPath(f"(//*[count(@*) > {MAX_ATTRIBUTES_PER_ELEMENT}])[1]")

_DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
    b"<!ENTITY",
    "<!ENTITY".encode("utf-16-le"),
    "<!ENTITY".encode("utf-16-be"),
)
# Every marker above contains the byte 0x21 ("!"); data without it cannot hold any of them, and one
# memchr-speed scan spares the six substring searches on the (usual) documents that have none.
_BANG = b"!"


def _parser(huge_tree: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge_tree,
        remove_blank_text=False,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Parse untrusted XML bytes into a tree, or raise :class:`SecurityError` with a stable key.

    ``max_bytes`` caps the input before any parsing; inputs allowed above libxml2's 10 MB text
    node default are parsed with ``huge_tree`` because the cap has already been applied.
    """
    if len(data) > max_bytes:
        raise SecurityError("xml.too_large", size=len(data), limit=max_bytes)
    if _declares_doctype(data):
        raise SecurityError("xml.doctype_forbidden")
    try:
        tree = etree.ElementTree(
            etree.fromstring(data, parser=_parser(huge_tree=max_bytes > 10 * 1024 * 1024))
        )
    except etree.XMLSyntaxError as exc:
        raise SecurityError("xml.malformed", detail=_syntax_detail(exc)) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise SecurityError("xml.doctype_forbidden")
    for _ in tree.iter(etree.Entity):
        raise SecurityError("xml.entity_forbidden")
    _check_crowding(data, tree.getroot())
    return tree


def _check_crowding(data: bytes, root: etree._Element) -> None:
    """Refuse a document whose canonicalisation would cost more than its size (see above). The
    walks run only when the bytes could hold that many: every declaration is written ``xmlns``
    (in an encoding where ASCII is one byte, i.e. no NUL in the first four), every attribute and
    declaration has a ``=`` (its byte 0x3D is there in UTF-16 and UTF-32 too)."""
    one_byte_ascii = b"\x00" not in data[:4]
    if not one_byte_ascii or data.count(b"xmlns") > MAX_NAMESPACES_IN_SCOPE:
        in_scope = 0
        for event, _ in etree.iterwalk(root, events=("start-ns", "end-ns")):
            in_scope += 1 if event == "start-ns" else -1
            if in_scope > MAX_NAMESPACES_IN_SCOPE:
                raise SecurityError("xml.too_many_namespaces", limit=MAX_NAMESPACES_IN_SCOPE)
    if data.count(b"=") <= MAX_ATTRIBUTES_PER_ELEMENT:
        return
    crowded = _CROWDED_ELEMENT(root)
    if crowded:
        element = crowded[0]
        raise SecurityError(
            "xml.too_many_attributes",
            element=etree.QName(element).localname,
            line=element.sourceline,
            count=len(element.attrib),
            limit=MAX_ATTRIBUTES_PER_ELEMENT,
        )


def _declares_doctype(data: bytes) -> bool:
    return _BANG in data and any(marker in data for marker in _DOCTYPE_MARKERS)


def _syntax_detail(exc: etree.XMLSyntaxError) -> str:
    line, column = exc.position if exc.position else (0, 0)
    message = str(exc.msg or exc).strip()
    return f"line {line}, column {column}: {message}" if line else message
