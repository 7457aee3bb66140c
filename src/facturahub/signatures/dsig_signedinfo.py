"""Reading a ds:Signature without dereferencing anything (rule S4).

Everything here is static: algorithms are checked against allow-lists, reference URIs must be bare
``#id`` fragments, counts are capped, RetrievalMethod is refused. Nothing is fetched, ever; the
verifier checks the SignatureValue over SignedInfo before it resolves a single reference.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Collection
from dataclasses import dataclass

from lxml import etree

from facturahub.errors import SecurityError
from facturahub.signatures.dsig_algorithms import DS_NS, EXC_C14N, WSS_CANONICALIZATIONS

MAX_REFERENCES = 30
MAX_TRANSFORMS = 5

_DS = f"{{{DS_NS}}}"
_INCLUSIVE_NAMESPACES = f"{{{EXC_C14N}}}InclusiveNamespaces"
# A same-document bare-name reference: "#" + an NCName (no XPointer, no scheme, no path).
_FRAGMENT = re.compile(r"#([^\W\d][\w.\-]*)\Z")


@dataclass(frozen=True)
class Transform:
    algorithm: str
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    uri: str
    target_id: str
    transforms: tuple[Transform, ...]  # empty: no Transforms element (inclusive c14n 1.0 applies)
    digest_method: str
    digest_value: bytes


@dataclass(frozen=True)
class SignatureParts:
    element: etree._Element
    signed_info: etree._Element
    canonicalization: Transform
    signature_method: str
    references: tuple[Reference, ...]
    signature_value: bytes
    key_info: etree._Element | None


def fragment_id(uri: str) -> str:
    """The id named by a ``#id`` URI, or ``wss.reference_uri_forbidden``."""
    match = _FRAGMENT.match(uri)
    if match is None:
        raise SecurityError("wss.reference_uri_forbidden", uri=uri)
    return match.group(1)


def parse_signature(
    signature: etree._Element,
    *,
    signature_methods: Collection[str],
    digest_methods: Collection[str],
) -> SignatureParts:
    if next(signature.iter(f"{_DS}RetrievalMethod"), None) is not None:
        raise SecurityError("wss.retrieval_method_forbidden")
    children = _elements(signature)
    names = [_local(child) for child in children]
    if names[:2] != ["SignedInfo", "SignatureValue"] or any(
        name not in ("KeyInfo", "Object") for name in names[2:]
    ):
        raise _malformed("Signature must hold SignedInfo, SignatureValue, KeyInfo?, Object*")
    key_infos = [child for child, name in zip(children, names, strict=True) if name == "KeyInfo"]
    if len(key_infos) > 1:
        raise _malformed("more than one KeyInfo")
    signed_info = children[0]
    info_children = _elements(signed_info)
    if len(info_children) < 3 or [_local(c) for c in info_children[:2]] != [
        "CanonicalizationMethod",
        "SignatureMethod",
    ]:
        raise _malformed("SignedInfo must hold CanonicalizationMethod, SignatureMethod, Reference+")
    reference_elements = info_children[2:]
    if any(_local(element) != "Reference" for element in reference_elements):
        raise _malformed("SignedInfo holds an element other than Reference after SignatureMethod")

    canonicalization = _transform(info_children[0], where="SignedInfo")
    if canonicalization is None:
        raise SecurityError(
            "wss.c14n_forbidden", algorithm=info_children[0].get("Algorithm", ""), where="SignedInfo"
        )
    signature_method = info_children[1].get("Algorithm", "")
    if signature_method not in signature_methods:
        raise SecurityError("wss.signature_method_forbidden", algorithm=signature_method)
    if _elements(info_children[1]):
        raise _malformed("SignatureMethod has child elements")
    if len(reference_elements) > MAX_REFERENCES:
        raise SecurityError("wss.references_too_many", count=len(reference_elements), limit=MAX_REFERENCES)
    references = tuple(_reference(element, digest_methods) for element in reference_elements)
    return SignatureParts(
        element=signature,
        signed_info=signed_info,
        canonicalization=canonicalization,
        signature_method=signature_method,
        references=references,
        signature_value=_base64(children[1], "SignatureValue"),
        key_info=key_infos[0] if key_infos else None,
    )


def _reference(element: etree._Element, digest_methods: Collection[str]) -> Reference:
    uri = element.get("URI")
    if uri is None:
        raise SecurityError("wss.reference_uri_forbidden", uri="(none)")
    target_id = fragment_id(uri)
    children = _elements(element)
    names = [_local(child) for child in children]
    transforms: list[Transform] = []
    if names and names[0] == "Transforms":
        transform_elements = _elements(children[0])
        if len(transform_elements) > MAX_TRANSFORMS:
            raise SecurityError(
                "wss.transforms_too_many", uri=uri, count=len(transform_elements), limit=MAX_TRANSFORMS
            )
        if not transform_elements or any(_local(t) != "Transform" for t in transform_elements):
            raise _malformed(f"Transforms of reference {uri} must hold Transform elements")
        for transform_element in transform_elements:
            transform = _transform(transform_element, where=uri)
            if transform is None:
                raise SecurityError(
                    "wss.transform_forbidden", uri=uri, algorithm=transform_element.get("Algorithm", "")
                )
            transforms.append(transform)
        children, names = children[1:], names[1:]
    if names != ["DigestMethod", "DigestValue"]:
        raise _malformed(f"reference {uri} must hold Transforms?, DigestMethod, DigestValue")
    digest_method = children[0].get("Algorithm", "")
    if digest_method not in digest_methods:
        raise SecurityError("wss.digest_method_forbidden", uri=uri, algorithm=digest_method)
    return Reference(
        uri=uri,
        target_id=target_id,
        transforms=tuple(transforms),
        digest_method=digest_method,
        digest_value=_base64(children[1], f"DigestValue of reference {uri}"),
    )


def _transform(element: etree._Element, *, where: str) -> Transform | None:
    """An accepted canonicalization (with its PrefixList), or None when the algorithm is refused."""
    algorithm = element.get("Algorithm", "")
    if algorithm not in WSS_CANONICALIZATIONS:
        return None
    children = _elements(element)
    if algorithm == EXC_C14N and len(children) == 1 and children[0].tag == _INCLUSIVE_NAMESPACES:
        return Transform(algorithm, tuple(children[0].get("PrefixList", "").split()))
    if children:
        raise _malformed(f"unexpected content in the canonicalization of {where}")
    return Transform(algorithm)


def _base64(element: etree._Element, what: str) -> bytes:
    text = "".join((element.text or "").split())
    try:
        value = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _malformed(f"{what} is not base64") from None
    if not value or _elements(element):
        raise _malformed(f"{what} is empty")
    return value


def _elements(element: etree._Element) -> list[etree._Element]:
    """Element children; comments and processing instructions are ignored."""
    if not len(element):  # a leaf (the usual case): no child node at all
        return []
    return [child for child in element if isinstance(child.tag, str)]


def _local(element: etree._Element) -> str:
    """Local name of a ds: element; elements in other namespaces get a name that matches nothing
    (their Clark name, which starts with ``{``)."""
    tag = str(element.tag)
    if tag.startswith(_DS):
        return tag[len(_DS) :]
    return tag if tag.startswith("{") else "{}" + tag


def _malformed(detail: str) -> SecurityError:
    return SecurityError("wss.signature_malformed", detail=detail)
