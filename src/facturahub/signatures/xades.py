"""Verification of Facturae invoice signatures (XAdES-EPES, security rules F1-F4 and S4).

:func:`verify_invoice_signature` accepts a document only if, in this order:

1. it holds exactly one ``ds:Signature``, a child of the root element (enveloped), made only of
   XML-DSig and XAdES elements (no ``RetrievalMethod``, nothing that could smuggle a second invoice
   past the enveloped-signature transform);
2. ``SignedInfo`` uses allowed algorithms only (rsa-sha1/256/512, sha1/256/512, c14n 1.0 or
   exclusive c14n, the enveloped-signature transform; ≤ 30 references, ≤ 5 transforms each) and
   local URIs only; every Id in the document is unique; the references are exactly one
   whole-document reference (``URI=""``, no URI, or ``#id`` of the root itself), exactly one
   reference to this signature's ``SignedProperties``, and optionally references into ``KeyInfo``;
3. the ``SignatureValue`` verifies over the canonical ``SignedInfo`` with the key of an embedded
   ``X509Certificate`` — never a ``KeyValue`` — before any reference is digested;
4. every reference digest matches;
5. ``SignedProperties`` holds ``SigningTime`` and a ``SigningCertificate`` whose digest and
   issuer/serial name the very certificate that verified;
6. the signature policy is Facturae v3.1 with its SHA-1 hash (keys in :data:`POLICY_ERROR_KEYS`).

Each failure raises :class:`SignatureInvalid` with a stable key (see ``xades_messages.py``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from facturahub.errors import SignatureInvalid
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures import xades_dsig as dsig
from facturahub.signatures import xades_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.signatures.certificate_cache import load_base64_certificate
from facturahub.signatures.xades_dsig import ds, element_children
from facturahub.signatures.xades_properties import (
    FACTURAE_POLICY_HASH,
    FACTURAE_POLICY_IDENTIFIER,
    POLICY_ERROR_KEYS,
    XADES_122_NS,
    XADES_141_NS,
    XADES_NS,
    is_facturae_policy,
    parse_signing_time,
    read_signed_properties,
)
from facturahub.signatures.xml import DEFAULT_MAX_BYTES, parse_xml

__all__ = [
    "FACTURAE_POLICY_HASH",
    "FACTURAE_POLICY_IDENTIFIER",
    "MAX_CERTIFICATES",
    "POLICY_ERROR_KEYS",
    "CertificateValidity",
    "VerifiedSignature",
    "certificate_valid_at",
    "certificate_validity_at",
    "is_facturae_policy",
    "parse_signing_time",
    "require_certificate_valid_at_signing",
    "verify_invoice_signature",
]

MAX_CERTIFICATES = 10

_QUALIFYING_NAMESPACES = (XADES_NS, XADES_122_NS)
_QUALIFYING_TAGS = frozenset(f"{{{namespace}}}QualifyingProperties" for namespace in _QUALIFYING_NAMESPACES)
_XADES_NAMESPACES = frozenset({XADES_NS, XADES_122_NS, XADES_141_NS})
_DS_ELEMENTS = frozenset(
    {
        "Signature", "SignedInfo", "CanonicalizationMethod", "SignatureMethod", "Reference", "Transforms",
        "Transform", "DigestMethod", "DigestValue", "SignatureValue", "KeyInfo", "KeyName", "KeyValue",
        "RSAKeyValue", "Modulus", "Exponent", "X509Data", "X509Certificate", "X509IssuerSerial",
        "X509IssuerName", "X509SerialNumber", "X509SubjectName", "X509SKI", "X509CRL", "Object",
    }
)  # fmt: skip

# Clark names of the elements allowed anywhere inside the signature besides the XAdES namespaces.
_ALLOWED_TAGS = frozenset(
    {ds(local) for local in _DS_ELEMENTS} | {f"{{{algorithms.EXC_C14N}}}InclusiveNamespaces"}
)
_RETRIEVAL_METHOD = ds("RetrievalMethod")


@dataclass(frozen=True)
class VerifiedSignature:
    """What a verified invoice signature proves. ``root`` is the element that was signed: process
    that element (or ``signed_content``, the canonical octets the signer digested), nothing else."""

    root: Any
    certificate: x509.Certificate
    certificate_der: bytes
    embedded_certificates: tuple[x509.Certificate, ...]
    signing_time: datetime
    signature_algorithm: str
    digest_algorithm: str
    canonicalization_algorithm: str
    policy_identifier: str
    signer_roles: tuple[str, ...]
    signed_content: bytes
    signature_id: str | None


@dataclass(frozen=True)
class CertificateValidity:
    """A certificate's validity period judged at one moment (all datetimes aware, UTC)."""

    at: datetime
    not_before: datetime
    not_after: datetime

    @property
    def valid(self) -> bool:
        return self.not_before <= self.at <= self.not_after

    @property
    def expired(self) -> bool:
        return self.at > self.not_after

    @property
    def not_yet_valid(self) -> bool:
        return self.at < self.not_before


@dataclass(frozen=True)
class _Parts:
    signed_info: Any
    signature_value: Any
    key_info: Any | None
    qualifying_properties: Any
    signed_properties: Any

    @property
    def xades(self) -> str:
        return str(etree.QName(self.qualifying_properties).namespace)

    def x(self, local: str) -> str:
        return f"{{{self.xades}}}{local}"


@dataclass(frozen=True)
class _Plan:
    """The references, each with the node it digests, in SignedInfo order."""

    targets: tuple[tuple[dsig.Reference, Any], ...]
    document: dsig.Reference


def verify_invoice_signature(
    document: bytes | Any, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> VerifiedSignature:
    """Verify the XAdES-EPES signature of a Facturae document (bytes, or a tree/element parsed
    with :func:`facturahub.signatures.xml.parse_xml`). Raises :class:`SignatureInvalid` (or the
    parser's ``SecurityError`` for bytes that are not acceptable XML)."""
    tree = _as_tree(document, max_bytes)
    root = tree.getroot()
    signature = _enveloped_signature(tree, root)
    parts = _signature_parts(signature)
    signed_info = dsig.parse_signed_info(parts.signed_info)
    _refuse_foreign_content(signature)
    plan = _plan_references(signed_info, dsig.index_ids(tree), tree, root, parts)
    certificates = _embedded_certificates(parts.key_info)
    signer_der, signer = _verify_signed_info(signed_info, parts, certificates, plan, signature)
    signed_content = _check_digests(plan, signature)
    properties = read_signed_properties(parts.signed_properties, signer_der, signer)
    return VerifiedSignature(
        root=root,
        certificate=signer,
        certificate_der=signer_der,
        embedded_certificates=tuple(cert for der, cert in certificates if der != signer_der),
        signing_time=properties.signing_time,
        signature_algorithm=signed_info.signature_method,
        digest_algorithm=plan.document.digest_method,
        canonicalization_algorithm=signed_info.canonicalization.algorithm,
        policy_identifier=properties.policy_identifier,
        signer_roles=properties.signer_roles,
        signed_content=signed_content,
        signature_id=signature.get("Id"),
    )


def certificate_validity_at(certificate: x509.Certificate, when: datetime) -> CertificateValidity:
    if when.tzinfo is None:
        raise ValueError("certificate validity needs an aware datetime")
    return CertificateValidity(
        at=when.astimezone(UTC),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def certificate_valid_at(certificate: x509.Certificate, when: datetime) -> bool:
    return certificate_validity_at(certificate, when).valid


def require_certificate_valid_at_signing(verified: VerifiedSignature) -> CertificateValidity:
    """Refuse a signature whose certificate was not valid at its own ``SigningTime``, naming both
    dates (``xades.certificate_expired_at_signing`` / ``xades.certificate_not_yet_valid_at_signing``)."""
    validity = certificate_validity_at(verified.certificate, verified.signing_time)
    if validity.expired:
        raise SignatureInvalid(
            "xades.certificate_expired_at_signing",
            not_after=validity.not_after.isoformat(),
            signing_time=validity.at.isoformat(),
        )
    if validity.not_yet_valid:
        raise SignatureInvalid(
            "xades.certificate_not_yet_valid_at_signing",
            not_before=validity.not_before.isoformat(),
            signing_time=validity.at.isoformat(),
        )
    return validity


def _as_tree(document: bytes | Any, max_bytes: int) -> Any:
    if isinstance(document, bytes | bytearray | memoryview):
        return parse_xml(bytes(document), max_bytes=max_bytes)
    if isinstance(document, etree._ElementTree):
        return document
    if isinstance(document, etree._Element):
        return document.getroottree()
    raise TypeError(f"expected XML bytes or an lxml tree, not {type(document).__name__}")


def _enveloped_signature(tree: Any, root: Any) -> Any:
    signatures = list(tree.iter(ds("Signature")))
    if not signatures:
        raise SignatureInvalid("xades.signature_missing")
    if len(signatures) > 1:
        raise SignatureInvalid("xades.signature_multiple", count=len(signatures))
    signature = signatures[0]
    parent = signature.getparent()
    if parent is not root:
        where = etree.QName(parent).localname if parent is not None else "(document)"
        raise SignatureInvalid("xades.signature_not_enveloped", parent=where)
    return signature


def _refuse_foreign_content(signature: Any) -> None:
    """Only XML-DSig and XAdES elements inside the signature: the enveloped-signature transform
    removes the whole ``ds:Signature`` from the digest, so anything else there would be unsigned."""
    for element in signature.iter(etree.Element):
        tag = element.tag
        if tag in _ALLOWED_TAGS:
            continue
        if tag == _RETRIEVAL_METHOD:
            raise SignatureInvalid("xades.retrieval_method_forbidden")
        if tag.startswith("{") and tag[1 : tag.find("}")] in _XADES_NAMESPACES:
            continue
        name = etree.QName(element)
        raise SignatureInvalid(
            "xades.unexpected_signature_content", element=name.localname, namespace=name.namespace or ""
        )


def _signature_parts(signature: Any) -> _Parts:
    children = element_children(signature)
    if [child.tag for child in children[:2]] != [ds("SignedInfo"), ds("SignatureValue")]:
        raise SignatureInvalid(
            "xades.signature_malformed", detail="Signature must start with SignedInfo and SignatureValue"
        )
    rest = children[2:]
    key_info = rest.pop(0) if rest and rest[0].tag == ds("KeyInfo") else None
    if any(child.tag != ds("Object") for child in rest):
        raise SignatureInvalid("xades.signature_malformed", detail="only Object may follow KeyInfo")
    qualifying = [child for obj in rest for child in element_children(obj) if child.tag in _QUALIFYING_TAGS]
    if not qualifying:
        raise SignatureInvalid("xades.signed_properties_missing")
    if len(qualifying) > 1:
        raise SignatureInvalid("xades.signature_malformed", detail="several QualifyingProperties")
    properties = qualifying[0].findall(f"{{{etree.QName(qualifying[0]).namespace}}}SignedProperties")
    if len(properties) != 1:
        raise SignatureInvalid("xades.signed_properties_missing")
    target, signature_id = qualifying[0].get("Target"), signature.get("Id")
    if target is not None and signature_id is not None and target != f"#{signature_id}":
        raise SignatureInvalid(
            "xades.qualifying_properties_target_mismatch", target=target, signature_id=signature_id
        )
    return _Parts(children[0], children[1], key_info, qualifying[0], properties[0])


def _plan_references(
    signed_info: dsig.SignedInfo, ids: dict[str, Any], tree: Any, root: Any, parts: _Parts
) -> _Plan:
    targets: list[tuple[dsig.Reference, Any]] = []
    documents: list[dsig.Reference] = []
    properties: list[dsig.Reference] = []
    for reference in signed_info.references:
        claims_properties = (reference.type or "").endswith("#SignedProperties")
        if reference.fragment is None:
            target = tree
        else:
            target = ids.get(reference.fragment)
            if target is None:
                raise SignatureInvalid("xades.reference_target_missing", uri=reference.label)
        if target is parts.signed_properties:
            properties.append(reference)
        elif claims_properties:
            raise SignatureInvalid("xades.unexpected_reference", uri=reference.label)
        elif target is tree or target is root:
            documents.append(reference)
        elif not _inside(target, parts.key_info):
            raise SignatureInvalid("xades.unexpected_reference", uri=reference.label)
        targets.append((reference, target))
    if not documents:
        raise SignatureInvalid("xades.document_reference_missing")
    if len(documents) > 1:
        raise SignatureInvalid("xades.document_reference_multiple", count=len(documents))
    if not properties:
        raise SignatureInvalid("xades.signed_properties_not_referenced")
    if len(properties) > 1:
        raise SignatureInvalid(
            "xades.signature_malformed", detail="SignedProperties referenced more than once"
        )
    return _Plan(tuple(targets), documents[0])


def _inside(element: Any, container: Any | None) -> bool:
    if container is None:
        return False
    return element is container or any(ancestor is container for ancestor in element.iterancestors())


def _embedded_certificates(key_info: Any | None) -> list[tuple[bytes, x509.Certificate]]:
    elements = [] if key_info is None else key_info.findall(f"{ds('X509Data')}/{ds('X509Certificate')}")
    if not elements:
        raise SignatureInvalid("xades.certificate_missing")
    if len(elements) > MAX_CERTIFICATES:
        raise SignatureInvalid("xades.too_many_certificates", count=len(elements), limit=MAX_CERTIFICATES)
    certificates: list[tuple[bytes, x509.Certificate]] = []
    for position, element in enumerate(elements, start=1):
        try:
            certificates.append(load_base64_certificate(element.text))
        except ValueError as exc:
            raise SignatureInvalid(
                "xades.certificate_unreadable", position=position, detail=str(exc)
            ) from None
    return certificates


def _verify_signed_info(
    signed_info: dsig.SignedInfo,
    parts: _Parts,
    certificates: list[tuple[bytes, x509.Certificate]],
    plan: _Plan,
    signature: Any,
) -> tuple[bytes, x509.Certificate]:
    """The embedded certificate whose key verifies the SignatureValue (KeyValue is never read)."""
    octets = dsig.canonicalize(parts.signed_info, signed_info.canonicalization)
    value = dsig.decode_base64(parts.signature_value.text, what="SignatureValue")
    candidates: list[tuple[bytes, x509.Certificate, rsa.RSAPublicKey]] = []
    key_types: list[str] = []
    for der, certificate in certificates:
        try:
            key = certificate.public_key()
        except (UnsupportedAlgorithm, ValueError):
            key_types.append("unknown")
            continue
        if isinstance(key, rsa.RSAPublicKey):
            candidates.append((der, certificate, key))
        else:
            key_types.append(type(key).__name__)
    if not candidates:
        raise SignatureInvalid("xades.certificate_key_unsupported", key_type=key_types[0])
    for der, certificate, key in candidates:
        if algorithms.rsa_verify(signed_info.signature_method, key, value, octets):
            return der, certificate
    # SignedInfo is not authentic. Every reference is already known to be local and every transform
    # harmless, so digesting them now is safe, and says which part changed when one did (a file
    # re-indented after signing fails its references and its SignedInfo alike).
    _check_digests(plan, signature)
    raise SignatureInvalid(
        "xades.signature_value_invalid", algorithm=signed_info.signature_method, certificates=len(candidates)
    )


def _check_digests(plan: _Plan, signature: Any) -> bytes:
    """Digest every reference in order; the first mismatch is named. Returns the canonical octets
    of the whole-document reference."""
    document_octets = b""
    for reference, target in plan.targets:
        octets = dsig.reference_octets(reference, target, signature)
        found = algorithms.digest(reference.digest_method, octets)
        if found != reference.digest_value:
            raise SignatureInvalid(
                "xades.reference_digest_mismatch",
                uri=reference.label,
                reference_id=reference.id or "",
                algorithm=reference.digest_method,
                expected=_b64(reference.digest_value),
                found=_b64(found),
            )
        if reference is plan.document:
            document_octets = octets
    return document_octets


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
