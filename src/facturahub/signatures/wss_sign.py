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
    BINARY_SECURITY_TOKEN,
    BODY,
    ENVELOPE,
    HEADER,
    SECURITY,
    SECURITY_TOKEN_REFERENCE,
    SOAP11_NS,
    TIMESTAMP,
    WSSE_NS,
    WSU_ID,
    WSU_NS,
)
from facturahub.signatures.wss_keys import BASE64_BINARY, X509V3

_DS = f"{{{DS_NS}}}"
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def sign_envelope(
    envelope_tree: etree._Element | etree._ElementTree,
    certificate: x509.Certificate,
    private_key: rsa.RSAPrivateKey,
    *,
    algorithm: str = "rsa-sha256",
    digest: str = "sha256",
    now: datetime,
    lifetime_seconds: int = 300,
) -> bytes:
    """Return the signed envelope as UTF-8 bytes with an XML declaration. The input is not changed.

    ``algorithm``: ``rsa-sha1`` | ``rsa-sha256`` | ``rsa-sha512``; ``digest``: ``sha1`` | ``sha256``
    | ``sha512``. The envelope must be SOAP 1.1 with a Body and no wsse:Security yet.
    """
    signature_method = SIGNATURE_METHOD_NAMES.get(algorithm)
    digest_method = DIGEST_METHOD_NAMES.get(digest)
    if signature_method is None or digest_method is None:
        raise ValueError(f"unsupported algorithm {algorithm!r} or digest {digest!r}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    if lifetime_seconds <= 0:
        raise ValueError("lifetime_seconds must be positive")
    if private_key.public_key().public_numbers() != _rsa_public_numbers(certificate):
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

    security = etree.SubElement(header, SECURITY, nsmap={"wsse": WSSE_NS})
    security.set(f"{{{SOAP11_NS}}}mustUnderstand", "1")
    timestamp = _timestamp(security, now.astimezone(UTC), lifetime_seconds)
    token = _token(security, certificate)
    if body.get(WSU_ID) is None:
        body.set(WSU_ID, f"id-{uuid.uuid4()}")

    signature = etree.SubElement(security, f"{_DS}Signature", nsmap={"ds": DS_NS})
    signed_info = etree.SubElement(signature, f"{_DS}SignedInfo")
    etree.SubElement(signed_info, f"{_DS}CanonicalizationMethod", Algorithm=EXC_C14N)
    etree.SubElement(signed_info, f"{_DS}SignatureMethod", Algorithm=signature_method)
    for target in (body, timestamp):
        _reference(signed_info, target, digest_method)
    signature_value = rsa_sign(signature_method, private_key, canonicalize(signed_info, EXC_C14N))
    etree.SubElement(signature, f"{_DS}SignatureValue").text = base64.b64encode(signature_value).decode()
    key_info = etree.SubElement(signature, f"{_DS}KeyInfo")
    reference = etree.SubElement(
        etree.SubElement(key_info, SECURITY_TOKEN_REFERENCE), f"{{{WSSE_NS}}}Reference", ValueType=X509V3
    )
    reference.set("URI", f"#{token.get(WSU_ID)}")
    return _XML_DECLARATION + bytes(etree.tostring(envelope, encoding="UTF-8"))


def _timestamp(security: etree._Element, now: datetime, lifetime_seconds: int) -> etree._Element:
    timestamp = etree.SubElement(security, TIMESTAMP)
    timestamp.set(WSU_ID, f"TS-{uuid.uuid4()}")
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Created").text = _wsu_time(now)
    etree.SubElement(timestamp, f"{{{WSU_NS}}}Expires").text = _wsu_time(
        now + timedelta(seconds=lifetime_seconds)
    )
    return timestamp


def _token(security: etree._Element, certificate: x509.Certificate) -> etree._Element:
    token = etree.SubElement(security, BINARY_SECURITY_TOKEN, EncodingType=BASE64_BINARY, ValueType=X509V3)
    token.set(WSU_ID, f"X509-{uuid.uuid4()}")
    token.text = base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode()
    return token


def _reference(signed_info: etree._Element, target: etree._Element, digest_method: str) -> None:
    reference = etree.SubElement(signed_info, f"{_DS}Reference", URI=f"#{target.get(WSU_ID)}")
    transforms = etree.SubElement(reference, f"{_DS}Transforms")
    etree.SubElement(transforms, f"{_DS}Transform", Algorithm=EXC_C14N)
    etree.SubElement(reference, f"{_DS}DigestMethod", Algorithm=digest_method)
    value = compute_digest(digest_method, canonicalize(target, EXC_C14N))
    etree.SubElement(reference, f"{_DS}DigestValue").text = base64.b64encode(value).decode()


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


def _rsa_public_numbers(certificate: x509.Certificate) -> rsa.RSAPublicNumbers | None:
    key = certificate.public_key()
    return key.public_numbers() if isinstance(key, rsa.RSAPublicKey) else None


def _wsu_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
