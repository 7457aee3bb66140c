"""Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization, with or without comments, of a
whole document or of one element and its descendants, with lxml (libxml2), the same engine xmlsec
uses: the one canonicaliser of both signature profiles (WS-Security and XAdES).

Two gaps of ``lxml.etree.tostring(method="c14n")`` are closed here, so that the bytes are exactly
what the signer (xmlsec, Apache Santuario, .NET) digested:

* inclusive c14n 1.0 of a subtree inherits the ``xml:*`` attributes of its ancestors (``xml:lang``
  on the Envelope, say); lxml's subtree serialisation drops them, so they are set on the element
  for the duration;
* lxml silently drops an ``InclusiveNamespaces`` prefix its document dictionary has never seen,
  which always includes the special ``#default`` token. With a prefix list we therefore canonicalise
  a re-parsed copy (of a subtree, it keeps every in-scope namespace with its prefix, which is all
  exclusive c14n depends on) after making sure the parser dictionary of this thread knows
  ``#default``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

from lxml import etree

from facturahub.signatures.dsig_algorithms import C14N_METHODS

_XML_ATTRIBUTE = "{http://www.w3.org/XML/1998/namespace}"

#: What can be canonicalised: an element (a ``#id`` reference, SignedInfo) or a whole document.
Node: TypeAlias = etree._Element | etree._ElementTree


def canonicalize(
    node: Node, algorithm: str, prefixes: Sequence[str] = (), *, keep_comments: bool = False
) -> bytes:
    """Canonical octets of ``node`` by ``algorithm`` (a URI of ``C14N_METHODS``; ValueError otherwise).

    Comments are kept only by a ``#WithComments`` algorithm asked to ``keep_comments``: a node-set
    obtained through a URI (``""`` or ``#id``) never carries comments, whatever the method says,
    while SignedInfo's own canonicalisation keeps them. ``prefixes`` is exclusive c14n's
    ``InclusiveNamespaces PrefixList`` (inclusive c14n has none).
    """
    try:
        exclusive, with_comments = C14N_METHODS[algorithm]
    except KeyError:
        raise ValueError(f"unsupported canonicalization {algorithm!r}") from None
    options: dict[str, Any] = {"exclusive": exclusive, "with_comments": with_comments and keep_comments}
    if exclusive and prefixes:
        return _exclusive_with_prefixes(node, list(prefixes), options)
    inherited = _inherited_xml_attributes(node) if not exclusive else {}
    for name, value in inherited.items():  # set for the duration (a copy could rename prefixes)
        node.set(name, value)
    try:
        return bytes(etree.tostring(node, method="c14n", **options))
    finally:
        for name in inherited:
            del node.attrib[name]


def canonicalize_octets(data: bytes, algorithm: str, prefixes: Sequence[str] = ()) -> bytes:
    """Apply a further c14n transform to the octets produced by a previous one (octets → node-set
    conversion parses them as a whole document)."""
    root = etree.fromstring(data, parser=_trusted_parser())
    return canonicalize(root, algorithm, prefixes)


def _inherited_xml_attributes(node: Node) -> dict[str, str]:
    """The ``xml:*`` attributes an element inherits from its ancestors (the nearest one's value
    wins); none for a whole document."""
    inherited: dict[str, str] = {}
    if isinstance(node, etree._ElementTree):
        return inherited
    for ancestor in node.iterancestors():
        for name, value in ancestor.attrib.items():
            if str(name).startswith(_XML_ATTRIBUTE) and name not in node.attrib:
                inherited.setdefault(str(name), str(value))
    return inherited


def _exclusive_with_prefixes(node: Node, prefixes: list[str], options: dict[str, Any]) -> bytes:
    # Intern "#default" in this thread's parser dictionary (namespace names are interned), then
    # re-parse the node in the same thread so its document uses that dictionary. lxml serialises a
    # subtree with every namespace declaration in scope, each prefix as it was.
    parser = _trusted_parser()
    etree.fromstring(b'<x xmlns="#default"/>', parser=parser)
    reparsed: Node
    if isinstance(node, etree._ElementTree):
        reparsed = etree.fromstring(etree.tostring(node), parser=parser).getroottree()
    else:
        reparsed = etree.fromstring(etree.tostring(node, with_tail=False), parser=parser)
    return bytes(etree.tostring(reparsed, method="c14n", inclusive_ns_prefixes=prefixes, **options))


def _trusted_parser() -> etree.XMLParser:
    # Only ever fed our own serialisation of an already hardened-parsed (or built) tree.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        remove_blank_text=False,
        collect_ids=False,
    )
