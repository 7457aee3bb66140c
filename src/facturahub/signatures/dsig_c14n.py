"""Canonical XML 1.0 (inclusive) and Exclusive XML Canonicalization of one element and its
descendants — a same-document ``#id`` reference, or SignedInfo — with lxml (libxml2), the same
engine xmlsec uses.

Two gaps of ``lxml.etree.tostring(method="c14n")`` on a subtree are closed here, so that the bytes
are exactly what the signer (xmlsec, Apache Santuario, .NET) digested:

* inclusive c14n 1.0 of a subtree inherits the ``xml:*`` attributes of its ancestors (``xml:lang``
  on the Envelope, say); lxml's subtree serialisation drops them;
* lxml silently drops an ``InclusiveNamespaces`` prefix its document dictionary has never seen,
  which always includes the special ``#default`` token. With a prefix list we therefore canonicalise
  a re-parsed copy of the subtree (it keeps every in-scope namespace, which is all exclusive c14n
  depends on) after making sure the parser dictionary of this thread knows ``#default``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml import etree

from facturahub.signatures.dsig_algorithms import C14N_10, EXC_C14N

_XML_ATTRIBUTE = "{http://www.w3.org/XML/1998/namespace}"


def canonicalize(element: etree._Element, algorithm: str, prefixes: Sequence[str] = ()) -> bytes:
    """Canonical bytes of ``element`` (comments omitted, as for ``#id`` references and SignedInfo)."""
    if algorithm == EXC_C14N:
        if prefixes:
            return _exclusive_with_prefixes(element, list(prefixes))
        return bytes(etree.tostring(element, method="c14n", exclusive=True, with_comments=False))
    if algorithm == C14N_10:
        return _inclusive(element)
    raise ValueError(f"unsupported canonicalization {algorithm!r}")


def canonicalize_octets(data: bytes, algorithm: str, prefixes: Sequence[str] = ()) -> bytes:
    """Apply a further c14n transform to the octets produced by a previous one (octets → node-set
    conversion parses them as a whole document)."""
    root = etree.fromstring(data, parser=_trusted_parser())
    return canonicalize(root, algorithm, prefixes)


def _inclusive(element: etree._Element) -> bytes:
    inherited: dict[str, str] = {}
    for ancestor in element.iterancestors():
        for name, value in ancestor.attrib.items():
            if str(name).startswith(_XML_ATTRIBUTE) and name not in element.attrib:
                inherited.setdefault(str(name), str(value))
    if not inherited:
        return bytes(etree.tostring(element, method="c14n", exclusive=False, with_comments=False))
    clone = _detached_copy(element)
    for name, value in inherited.items():
        clone.set(name, value)
    return bytes(etree.tostring(clone, method="c14n", exclusive=False, with_comments=False))


def _exclusive_with_prefixes(element: etree._Element, prefixes: list[str]) -> bytes:
    # Intern "#default" in this thread's parser dictionary (namespace names are interned), then
    # re-parse the subtree in the same thread so its document uses that dictionary.
    parser = _trusted_parser()
    etree.fromstring(b'<x xmlns="#default"/>', parser=parser)
    holder = _detached_copy(element).getparent()
    reparsed = etree.fromstring(etree.tostring(holder), parser=parser)[0]
    return bytes(
        etree.tostring(
            reparsed,
            method="c14n",
            exclusive=True,
            with_comments=False,
            inclusive_ns_prefixes=prefixes,
        )
    )


def _detached_copy(element: etree._Element) -> etree._Element:
    """A copy of ``element`` with every namespace in scope at the original (``deepcopy`` keeps only
    the ones its subtree uses): the copy is the only child of a holder that has the element's tag
    (so no namespace is added) and declares the whole in-scope namespace map."""
    holder = etree.Element(element.tag, nsmap=element.nsmap)
    clone = copy.deepcopy(element)
    clone.tail = None
    holder.append(clone)
    return clone


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
