"""The XML-DSig reading used by the XAdES verifier and signer: strict parsing of ``SignedInfo`` and
its references against the allow-lists of :mod:`facturahub.signatures.dsig_algorithms` (which also
digests, signs and verifies for both profiles), a document-wide Id index that refuses duplicates, and
the octets a reference names — through the one canonicaliser, :mod:`facturahub.signatures.dsig_c14n`,
and the enveloped-signature transform.

Nothing here fetches anything: the only URIs accepted are ``""`` (or no URI attribute: the whole
document) and same-document ``#id`` fragments. Every refusal raises :class:`SignatureInvalid` with a
stable key naming what was refused (security rule S4 and the F-rules of ``security.md``).
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import secrets
from dataclasses import dataclass
from typing import Any

from lxml import etree

from facturahub.errors import SignatureInvalid
from facturahub.signatures import dsig_c14n, xml_ids
from facturahub.signatures import xades_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.signatures.dsig_algorithms import (
    C14N_10,
    C14N_METHODS,
    DIGEST_METHODS,
    DS_NS,
    ENVELOPED_SIGNATURE,
    EXC_C14N,
    SIGNATURE_METHODS,
)

MAX_REFERENCES = 30
MAX_TRANSFORMS = 5
ID_ATTRIBUTES = ("Id", "ID", "id")
# Clark names of the SignedInfo elements.
_CANONICALIZATION_METHOD = f"{{{DS_NS}}}CanonicalizationMethod"
_SIGNATURE_METHOD = f"{{{DS_NS}}}SignatureMethod"
_REFERENCE = f"{{{DS_NS}}}Reference"
_TRANSFORMS = f"{{{DS_NS}}}Transforms"
_DIGEST_METHOD = f"{{{DS_NS}}}DigestMethod"
_DIGEST_VALUE = f"{{{DS_NS}}}DigestValue"
_TRANSFORM = f"{{{DS_NS}}}Transform"

# The enveloped-signature transform's markers (see ``_canonical_without``).
_MARKER = "facturahub-enveloped-signature-marker"
_MARKER_ATTRIBUTE = "nonce"
_NAMESPACE_DECLARATIONS = re.compile(rb'(?: xmlns(?::[^\s="<>]+)?="[^"<]*")*')
# A bare same-document fragment (an NCName); anything with parentheses is an XPointer and refused.
_FRAGMENT = re.compile(r"#[^\W\d][\w.\-]*")


def ds(local: str) -> str:
    """Clark name of an XML-DSig element."""
    return f"{{{DS_NS}}}{local}"


@dataclass(frozen=True)
class Transform:
    algorithm: str
    inclusive_prefixes: tuple[str, ...] = ()

    @property
    def is_canonicalization(self) -> bool:
        return self.algorithm in C14N_METHODS


@dataclass(frozen=True)
class Reference:
    """One ``ds:Reference`` of a SignedInfo, already checked against the allow-lists."""

    element: Any
    uri: str | None
    id: str | None
    type: str | None
    transforms: tuple[Transform, ...]
    digest_method: str
    digest_value: bytes

    @property
    def label(self) -> str:
        """How errors name this reference: its URI, or ``""`` for a missing URI attribute."""
        return self.uri if self.uri is not None else ""

    @property
    def fragment(self) -> str | None:
        return self.uri[1:] if self.uri and self.uri.startswith("#") else None

    @property
    def enveloped(self) -> bool:
        return any(t.algorithm == ENVELOPED_SIGNATURE for t in self.transforms)

    @property
    def canonicalization(self) -> Transform:
        return next((t for t in self.transforms if t.is_canonicalization), Transform(C14N_10))


@dataclass(frozen=True)
class SignedInfo:
    element: Any
    canonicalization: Transform
    signature_method: str
    references: tuple[Reference, ...]


def element_children(element: Any) -> list[Any]:
    """Child elements only (no comments or processing instructions)."""
    if not len(element):  # a leaf (the usual case): no child node at all
        return []
    return [child for child in element if isinstance(child.tag, str)]


def parse_signed_info(element: Any) -> SignedInfo:
    """Read ``ds:SignedInfo`` strictly: CanonicalizationMethod, SignatureMethod, 1..30 References,
    every algorithm on the allow-list and every URI local."""
    children = element_children(element)
    tags = [child.tag for child in children]
    if tags[:2] != [_CANONICALIZATION_METHOD, _SIGNATURE_METHOD]:
        raise SignatureInvalid(
            "xades.signature_malformed",
            detail="SignedInfo must start with CanonicalizationMethod and SignatureMethod",
        )
    references = children[2:]
    if not references:
        raise SignatureInvalid("xades.document_reference_missing")
    if len(references) > MAX_REFERENCES:
        raise SignatureInvalid("xades.too_many_references", count=len(references), limit=MAX_REFERENCES)
    for child in references:
        if child.tag != _REFERENCE:
            raise SignatureInvalid(
                "xades.signature_malformed", detail=f"unexpected {etree.QName(child).localname} in SignedInfo"
            )
    canonicalization = _canonicalization_method(children[0], kind="canonicalization")
    signature_method = _algorithm(children[1])
    if signature_method not in SIGNATURE_METHODS:
        raise SignatureInvalid("xades.algorithm_refused", kind="signature", algorithm=signature_method)
    return SignedInfo(
        element=element,
        canonicalization=canonicalization,
        signature_method=signature_method,
        references=tuple(parse_reference(child) for child in references),
    )


def parse_reference(element: Any) -> Reference:
    uri = element.get("URI")
    label = uri if uri is not None else ""
    if uri is not None and uri != "" and not _FRAGMENT.fullmatch(uri):
        raise SignatureInvalid("xades.reference_uri_refused", uri=uri)
    transforms: list[Transform] | None = None
    digest_method: str | None = None
    digest_value: bytes | None = None
    for child in element_children(element):
        if child.tag == _TRANSFORMS and transforms is None and digest_method is None:
            transforms = _transforms(child, label)
        elif child.tag == _DIGEST_METHOD and digest_method is None:
            digest_method = _algorithm(child)
            if digest_method not in DIGEST_METHODS:
                raise SignatureInvalid("xades.algorithm_refused", kind="digest", algorithm=digest_method)
        elif child.tag == _DIGEST_VALUE and digest_method is not None and digest_value is None:
            digest_value = decode_base64(child.text, what=f"DigestValue of reference '{label}'")
        else:
            raise SignatureInvalid(
                "xades.signature_malformed",
                detail=f"unexpected {etree.QName(child).localname} in reference '{label}'",
            )
    if digest_method is None or digest_value is None:
        raise SignatureInvalid(
            "xades.signature_malformed", detail=f"reference '{label}' lacks DigestMethod or DigestValue"
        )
    return Reference(
        element=element,
        uri=uri,
        id=element.get("Id"),
        type=element.get("Type"),
        transforms=tuple(transforms or ()),
        digest_method=digest_method,
        digest_value=digest_value,
    )


def _transforms(element: Any, label: str) -> list[Transform]:
    children = element_children(element)
    if len(children) > MAX_TRANSFORMS:
        raise SignatureInvalid(
            "xades.too_many_transforms", uri=label, count=len(children), limit=MAX_TRANSFORMS
        )
    transforms: list[Transform] = []
    for child in children:
        if child.tag != _TRANSFORM:
            raise SignatureInvalid(
                "xades.signature_malformed", detail=f"unexpected {etree.QName(child).localname} in Transforms"
            )
        algorithm = _algorithm(child)
        if algorithm == ENVELOPED_SIGNATURE:
            if element_children(child):
                raise SignatureInvalid(
                    "xades.signature_malformed", detail="enveloped-signature takes no parameters"
                )
            transforms.append(Transform(algorithm))
        elif algorithm in C14N_METHODS:
            transforms.append(_canonicalization_method(child, kind="transform"))
        else:
            raise SignatureInvalid("xades.algorithm_refused", kind="transform", algorithm=algorithm)
    # Node-set transforms first, one canonicalisation (octets) last, each at most once.
    names = [t.algorithm for t in transforms]
    enveloped = names.count(ENVELOPED_SIGNATURE)
    canonical = [i for i, t in enumerate(transforms) if t.is_canonicalization]
    if enveloped > 1 or len(canonical) > 1 or (canonical and canonical[0] != len(transforms) - 1):
        raise SignatureInvalid("xades.transform_order", uri=label, transforms=", ".join(names))
    return transforms


def _canonicalization_method(element: Any, *, kind: str) -> Transform:
    algorithm = _algorithm(element)
    if algorithm not in C14N_METHODS:
        raise SignatureInvalid("xades.algorithm_refused", kind=kind, algorithm=algorithm)
    prefixes: tuple[str, ...] = ()
    for child in element_children(element):
        exclusive = C14N_METHODS[algorithm][0]
        if not exclusive or child.tag != f"{{{EXC_C14N}}}InclusiveNamespaces":
            raise SignatureInvalid(
                "xades.signature_malformed",
                detail=f"unexpected {etree.QName(child).localname} in canonicalisation {algorithm}",
            )
        prefixes = tuple(str(child.get("PrefixList") or "").split())
    return Transform(algorithm, prefixes)


def _algorithm(element: Any) -> str:
    algorithm = element.get("Algorithm")
    if not algorithm:
        raise SignatureInvalid(
            "xades.signature_malformed", detail=f"{etree.QName(element).localname} has no Algorithm"
        )
    return str(algorithm)


def decode_base64(text: str | None, *, what: str) -> bytes:
    compact = "".join((text or "").split())
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("xades.signature_malformed", detail=f"{what} is not valid base64") from None
    if not decoded:
        raise SignatureInvalid("xades.signature_malformed", detail=f"{what} is empty")
    return decoded


def index_ids(tree: Any) -> dict[str, Any]:
    """Every ``Id``/``ID``/``id`` value of the document, refusing any value used twice (XSW)."""
    return xml_ids.index_ids(
        tree, ID_ATTRIBUTES, lambda value: SignatureInvalid("xades.duplicate_id", id=value)
    )


def canonicalize(node: Any, method: Transform, *, comments: bool = True) -> bytes:
    """Canonical octets of ``node`` (an element, or an ElementTree for the whole document) by one
    parsed canonicalisation method. ``comments=False`` for node-sets obtained through a URI (``""``
    or ``#id``), which never carry comments whatever the method says."""
    return dsig_c14n.canonicalize(node, method.algorithm, method.inclusive_prefixes, keep_comments=comments)


def reference_octets(reference: Reference, target: Any, signature: Any) -> bytes:
    """Apply the reference's (allowed) transforms to ``target`` — the document's ElementTree for a
    whole-document reference, else the element its fragment names — and canonicalise."""
    if reference.enveloped and _contains(target, signature):
        if target is not signature:
            octets = _canonical_without(target, signature, reference.canonicalization)
            if octets is not None:
                return octets
        return canonicalize(without(target, signature), reference.canonicalization, comments=False)
    return canonicalize(target, reference.canonicalization, comments=False)


def _canonical_without(target: Any, signature: Any, method: Transform) -> bytes | None:
    """The enveloped-signature transform without copying the document.

    ``target`` is canonicalised with two empty, unqualified marker elements carrying a fresh random
    token, one right before the signature and one as its last child; the octets from the first
    marker to the signature's end tag are cut out and the markers removed again. Adding and removing
    childless elements without a namespace touches no namespace declaration (lxml reconciles none),
    and canonical XML renders an element's namespaces from its ancestors only, so the result is the
    canonical form of ``target`` without the signature, byte for byte. The marker name is constant
    and the token an attribute value, so nothing grows the parser's shared name dictionary. None
    when the octets do not have the expected shape (the caller then copies the document).
    """
    parent = signature.getparent()
    if parent is None:
        return None
    token = secrets.token_hex(16)
    before = signature.makeelement(_MARKER, {_MARKER_ATTRIBUTE: token})
    last = signature.makeelement(_MARKER, {_MARKER_ATTRIBUTE: token})
    try:
        signature.addprevious(before)
        signature.append(last)
        octets = canonicalize(target, method, comments=False)
    finally:
        for marker in (last, before):
            holder = marker.getparent()
            if holder is not None:
                holder.remove(marker)
    return _cut_signature(octets, token.encode(), signature.prefix)


def _cut_signature(octets: bytes, token: bytes, prefix: str | None) -> bytes | None:
    markers = _marker_spans(octets, token)
    if markers is None:
        return None
    (before_start, before_end), (_last_start, last_end) = markers
    name = (f"{prefix}:Signature" if prefix else "Signature").encode()
    opening = octets[before_end : before_end + len(name) + 2]
    if opening[:-1] != b"<" + name or opening[-1:] not in (b" ", b">"):
        return None
    closing = b"</" + name + b">"
    if octets[last_end : last_end + len(closing)] != closing:
        return None
    return octets[:before_start] + octets[last_end + len(closing) :]


def _marker_spans(octets: bytes, token: bytes) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Start and end of the two canonical markers ``<M [namespace declarations] nonce="…"></M>``,
    in order (an unqualified element may render the default namespace in scope, or ``xmlns=""``)."""
    name = _MARKER.encode()
    tail = b" " + _MARKER_ATTRIBUTE.encode() + b'="' + token + b'"></' + name + b">"
    spans: list[tuple[int, int]] = []
    found = octets.find(tail)
    while found >= 0:
        start = octets.rfind(b"<" + name, 0, found)
        if start < 0 or not _NAMESPACE_DECLARATIONS.fullmatch(octets, start + len(name) + 1, found):
            return None
        spans.append((start, found + len(tail)))
        found = octets.find(tail, found + 1)
    if len(spans) != 2 or spans[0][1] > spans[1][0]:
        return None
    return spans[0], spans[1]


def _contains(target: Any, signature: Any) -> bool:
    if isinstance(target, etree._ElementTree):
        return True
    return target is signature or any(ancestor is target for ancestor in signature.iterancestors())


def _path(element: Any) -> list[int]:
    path: list[int] = []
    while (parent := element.getparent()) is not None:
        path.append(parent.index(element))
        element = parent
    return path[::-1]


def _follow(root: Any, path: list[int]) -> Any:
    for index in path:
        root = root[index]
    return root


def without(target: Any, signature: Any) -> Any:
    """A copy of ``target`` with the signature removed (the enveloped-signature transform); the
    text that followed the signature stays where it was."""
    tree = target if isinstance(target, etree._ElementTree) else target.getroottree()
    clone = copy.deepcopy(tree)
    removed = _follow(clone.getroot(), _path(signature))
    parent = removed.getparent()
    if removed.tail:
        previous = removed.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + removed.tail
        else:
            parent.text = (parent.text or "") + removed.tail
    parent.remove(removed)
    if isinstance(target, etree._ElementTree):
        return clone
    return _follow(clone.getroot(), _path(target))
