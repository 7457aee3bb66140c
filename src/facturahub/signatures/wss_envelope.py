"""SOAP 1.1 envelope structure and the WS-Security header elements (envelope faults 101-104, and
the structural half of rule S1: one Envelope, one Header, one Body, one wsse:Security, Ids unique
document-wide).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from facturahub.errors import SecurityError
from facturahub.signatures import wss_messages as _wss_messages  # noqa: F401  (registers the catalog)
from facturahub.signatures import xml_ids
from facturahub.signatures.dsig_algorithms import DS_NS
from facturahub.signatures.xml import DEFAULT_MAX_BYTES, parse_xml

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"

ENVELOPE = f"{{{SOAP11_NS}}}Envelope"
HEADER = f"{{{SOAP11_NS}}}Header"
BODY = f"{{{SOAP11_NS}}}Body"
SECURITY = f"{{{WSSE_NS}}}Security"
ACTOR = f"{{{SOAP11_NS}}}actor"
ACTOR_NEXT = "http://schemas.xmlsoap.org/soap/actor/next"
BINARY_SECURITY_TOKEN = f"{{{WSSE_NS}}}BinarySecurityToken"
SECURITY_TOKEN_REFERENCE = f"{{{WSSE_NS}}}SecurityTokenReference"
TIMESTAMP = f"{{{WSU_NS}}}Timestamp"
WSU_ID = f"{{{WSU_NS}}}Id"
SIGNATURE = f"{{{DS_NS}}}Signature"

# The attributes a "#id" reference may name: wsu:Id, or an unqualified Id (PHP, .NET, ds elements).
ID_ATTRIBUTES = (WSU_ID, "Id")


@dataclass(frozen=True)
class EnvelopeParts:
    envelope: etree._Element
    header: etree._Element
    body: etree._Element


def parse_envelope(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse request bytes with the hardened parser; an empty request is ``wss.request_empty``."""
    if not data.strip():
        raise SecurityError("wss.request_empty")
    return parse_xml(data, max_bytes=max_bytes).getroot()


def check_envelope(tree: etree._Element | etree._ElementTree) -> EnvelopeParts:
    """Check the SOAP 1.1 envelope shape and return its Header and Body.

    Raises ``wss.no_envelope`` (102), ``wss.no_body`` (103), ``wss.no_header`` (104) or
    ``wss.envelope_malformed`` (a second Header or Body, Header after Body, another child).
    """
    root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
    if root.tag != ENVELOPE:
        raise SecurityError("wss.no_envelope", found=describe(root))
    children = [child for child in root if isinstance(child.tag, str)]
    headers = [child for child in children if child.tag == HEADER]
    bodies = [child for child in children if child.tag == BODY]
    others = [child for child in children if child.tag not in (HEADER, BODY)]
    if not bodies:
        raise SecurityError("wss.no_body")
    if len(bodies) > 1:
        raise SecurityError("wss.envelope_malformed", detail=f"{len(bodies)} Body elements")
    if not headers:
        raise SecurityError("wss.no_header")
    if len(headers) > 1:
        raise SecurityError("wss.envelope_malformed", detail=f"{len(headers)} Header elements")
    if others:
        raise SecurityError("wss.envelope_malformed", detail=f"unexpected element {describe(others[0])}")
    if children.index(headers[0]) > children.index(bodies[0]):
        raise SecurityError("wss.envelope_malformed", detail="Header after Body")
    return EnvelopeParts(envelope=root, header=headers[0], body=bodies[0])


def find_security(header: etree._Element) -> etree._Element:
    """The ``wsse:Security`` header addressed to the hub: the one without a SOAP ``actor`` (or with
    the ``next`` actor, which includes the ultimate receiver). Blocks for other actors (an
    intermediary's) are left alone, as SOAP 1.1 §4.2.2 and WS-Security §6.1 say; two blocks for the
    hub are ambiguous and refused."""
    found = list(header.iterchildren(SECURITY))
    ours = [element for element in found if element.get(ACTOR) in (None, ACTOR_NEXT)]
    if not ours:
        if found:
            actors = ", ".join(sorted({str(element.get(ACTOR)) for element in found}))
            raise SecurityError("wss.security_for_other_actors", actors=actors)
        raise SecurityError("wss.security_missing")
    if len(ours) > 1:
        raise SecurityError("wss.security_duplicate", count=len(ours))
    return ours[0]


def find_signature(security: etree._Element) -> etree._Element:
    found = list(security.iterchildren(SIGNATURE))
    if not found:
        raise SecurityError("wss.signature_missing")
    if len(found) > 1:
        raise SecurityError("wss.signature_duplicate", count=len(found))
    return found[0]


def index_ids(root: etree._Element) -> dict[str, etree._Element]:
    """Every wsu:Id / Id value in the document and its element; a value on two elements is
    ``wss.id_duplicate`` (signature wrapping relies on ambiguous ids)."""
    return xml_ids.index_ids(root, ID_ATTRIBUTES, _duplicate_id)


def _duplicate_id(value: str) -> SecurityError:
    return SecurityError("wss.id_duplicate", id=value)


def element_id(element: etree._Element) -> str | None:
    for attribute in ID_ATTRIBUTES:
        value = element.get(attribute)
        if value is not None:
            return str(value)
    return None


def describe(element: etree._Element) -> str:
    """A short, human-readable name for an element in error messages."""
    tag = element.tag
    if not isinstance(tag, str):
        return "(not an element)"
    qname = etree.QName(tag)
    return f"{qname.localname} ({qname.namespace})" if qname.namespace else qname.localname
