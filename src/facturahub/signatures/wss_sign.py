"""Signing SOAP 1.1 responses (faults included) the way protocols.md §1 prescribes: a wsse:Security
header with a BinarySecurityToken holding the hub's certificate, a signed wsu:Timestamp, and a
ds:Signature over Body and Timestamp — exclusive c14n with **no** InclusiveNamespaces element,
rsa-sha256 by default (rsa-sha1 configurable), wsu:Id on every signed element (zeep and WSS4J look
ids up as wsu:Id).
"""

from __future__ import annotations

import base64
import copy
import uuid
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from facturahub.errors import ConfigurationError
from facturahub.signatures.dsig_algorithms import (
    DIGEST_METHOD_NAMES,
    DS_NS,
    EXC_C14N,
    SIGNATURE_METHOD_NAMES,
    rsa_sign,
)
from facturahub.signatures.dsig_algorithms import (
    digest as compute_digest,
)
from facturahub.signatures.dsig_c14n import canonicalize
from facturahub.signatures.wss_envelope import (
    BODY,
    ENVELOPE,
    HEADER,
    SECURITY,
    SOAP11_NS,
    WSSE_NS,
    WSU_ID,
    WSU_NS,
)
from facturahub.signatures.wss_keys import BASE64_BINARY, X509V3

_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# id(certificate) -> (the certificate, kept alive so the id stays its own; its base64 DER).
_TOKEN_TEXTS: dict[int, tuple[x509.Certificate, str]] = {}
_REFERENCE_TEMPLATE = (
    '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="{exc_c14n}"/></ds:Transforms>'
    '<ds:DigestMethod Algorithm="{{digest_method}}"/><ds:DigestValue/></ds:Reference>'
)
# The header exactly as building it element by element gives it (attribute order included).
_SECURITY_TEMPLATE = (
    '<wsse:Security xmlns:wsse="{wsse}" xmlns:wsu="{wsu}">'
    '<wsu:Timestamp wsu:Id="{{timestamp_id}}"><wsu:Created>{{created}}</wsu:Created>'
    "<wsu:Expires>{{expires}}</wsu:Expires></wsu:Timestamp>"
    '<wsse:BinarySecurityToken EncodingType="{base64_binary}" ValueType="{x509v3}" wsu:Id="{{token_id}}">'
    "{{token}}</wsse:BinarySecurityToken>"
    '<ds:Signature xmlns:ds="{ds}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{exc_c14n}"/>'
    '<ds:SignatureMethod Algorithm="{{signature_method}}"/>{reference}{reference}</ds:SignedInfo>'
    "<ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference>"
    '<wsse:Reference ValueType="{x509v3}" URI="#{{token_id}}"/></wsse:SecurityTokenReference></ds:KeyInfo>'
    "</ds:Signature></wsse:Security>"
).format(
    wsse=WSSE_NS,
    wsu=WSU_NS,
    ds=DS_NS,
    exc_c14n=EXC_C14N,
    base64_binary=BASE64_BINARY,
    x509v3=X509V3,
    reference=_REFERENCE_TEMPLATE.format(exc_c14n=EXC_C14N),
)


def sign_envelope(
    envelope_tree: etree._Element | etree._ElementTree,
    certificate: x509.Certificate,
    private_key: rsa.RSAPrivateKey,
    *,
    algorithm: str = "rsa-sha256",
    digest: str | None = None,
    now: datetime,
    lifetime_seconds: int = 300,
) -> bytes:
    """Return the signed envelope as UTF-8 bytes with an XML declaration. The input is not changed.

    ``algorithm``: ``rsa-sha1`` | ``rsa-sha256`` | ``rsa-sha512``; ``digest``: ``sha1`` | ``sha256``
    | ``sha512``, by default the algorithm's own (rsa-sha1 digests with sha1, and so on). The
    envelope must be SOAP 1.1 with a Body and no wsse:Security yet.
    """
    digest = digest or algorithm.removeprefix("rsa-")
    signature_method = SIGNATURE_METHOD_NAMES.get(algorithm)
    digest_method = DIGEST_METHOD_NAMES.get(digest)
    if signature_method is None or digest_method is None:
        raise ValueError(f"unsupported algorithm {algorithm!r} or digest {digest!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if lifetime_seconds <= 0:
        raise ValueError("lifetime_seconds must be positive")
    if private_key.public_key() != certificate.public_key():
        raise ConfigurationError("wss.signing_key_mismatch", subject=certificate.subject.rfc4514_string())

    source = envelope_tree.getroot() if isinstance(envelope_tree, etree._ElementTree) else envelope_tree
    envelope = _with_wsu_declared(copy.deepcopy(source))
    body = _single_child(envelope, BODY)
    if body is None:
        raise ValueError("the envelope has no SOAP 1.1 Body")
    header = _single_child(envelope, HEADER)
    if header is None:
        header = etree.SubElement(envelope, HEADER)
        envelope.insert(0, header)
    if header.find(SECURITY) is not None:
        raise ValueError("the envelope already has a wsse:Security header")

    security = _security_header(
        certificate, now.astimezone(UTC), lifetime_seconds, signature_method, digest_method
    )
    header.append(security)
    security.set(f"{{{SOAP11_NS}}}mustUnderstand", "1")
    if body.get(WSU_ID) is None:
        body.set(WSU_ID, f"id-{uuid.uuid4()}")
    timestamp, signature = security[0], security[2]
    signed_info = signature[0]
    for reference, target in zip(signed_info[2:], (body, timestamp), strict=True):
        reference.set("URI", f"#{target.get(WSU_ID)}")
        value = compute_digest(digest_method, canonicalize(target, EXC_C14N))
        reference[2].text = base64.b64encode(value).decode()
    signature_value = rsa_sign(signature_method, private_key, canonicalize(signed_info, EXC_C14N))
    signature[1].text = base64.b64encode(signature_value).decode()
    return _XML_DECLARATION + bytes(etree.tostring(envelope, encoding="UTF-8"))


def _security_header(
    certificate: x509.Certificate,
    now: datetime,
    lifetime_seconds: int,
    signature_method: str,
    digest_method: str,
) -> etree._Element:
    """The wsse:Security header, parsed from a template (one parse instead of building twenty-odd
    elements): Timestamp, BinarySecurityToken, and a Signature whose two References (Body, then
    Timestamp) have an empty ``URI`` and ``DigestValue``, and whose SignatureValue is empty. Every
    value written into the template is ours (uuids, times, base64, allow-listed algorithm URIs).
    Once appended to the Header, the template's own declarations of namespaces the envelope already
    declares are dropped by lxml, so the elements use the envelope's prefixes (if the envelope already
    binds the XML-DSig namespace to another prefix, the signature uses that prefix, not ``ds``)."""
    timestamp_id, token_id = f"TS-{uuid.uuid4()}", f"X509-{uuid.uuid4()}"
    xml = _SECURITY_TEMPLATE.format(
        timestamp_id=timestamp_id,
        created=_wsu_time(now),
        expires=_wsu_time(now + timedelta(seconds=lifetime_seconds)),
        token_id=token_id,
        token=_token_text(certificate),
        signature_method=signature_method,
        digest_method=digest_method,
    )
    return etree.fromstring(xml.encode(), parser=etree.XMLParser(resolve_entities=False, no_network=True))


def _token_text(certificate: x509.Certificate) -> str:
    """The base64 DER of the hub's certificate, kept per certificate object (one or two sign every
    response; hashing a certificate costs about as much as a lookup saves, identity does not)."""
    cached = _TOKEN_TEXTS.get(id(certificate))
    if cached is not None and cached[0] is certificate:
        return cached[1]
    text = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    if len(_TOKEN_TEXTS) >= 8:
        _TOKEN_TEXTS.clear()
    _TOKEN_TEXTS[id(certificate)] = (certificate, text)
    return text


def _with_wsu_declared(envelope: etree._Element) -> etree._Element:
    """Declare ``wsu`` on the Envelope (lxml cannot add a declaration to an existing element), so
    ids on Body and Timestamp read ``wsu:Id`` instead of an invented ``ns0:Id``."""
    if envelope.tag != ENVELOPE:
        raise ValueError("not a SOAP 1.1 Envelope")
    if WSU_NS in envelope.nsmap.values():
        return envelope
    nsmap = dict(envelope.nsmap)
    nsmap["wsu" if "wsu" not in nsmap else "wsu1"] = WSU_NS
    rebuilt = etree.Element(envelope.tag, attrib=dict(envelope.attrib), nsmap=nsmap)
    rebuilt.text = envelope.text
    for child in list(envelope):
        rebuilt.append(child)
    return rebuilt


def _single_child(parent: etree._Element, tag: str) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise ValueError(f"the envelope has {len(found)} {etree.QName(tag).localname} elements")
    return found[0] if found else None


def _wsu_time(moment: datetime) -> str:
    """``2024-05-01T10:00:00.123Z`` (``moment`` in UTC)."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )
