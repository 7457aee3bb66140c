"""Invoices re-signed by xmlsec (libxmlsec1, an implementation independent of ours) in layouts our
own signer never produces, for the unit and the functional tests."""

from __future__ import annotations

from typing import Any

import xmlsec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from facturahub.signatures.dsig_algorithms import DS_NS, EXC_C14N
from facturahub.signatures.xml import parse_xml

DS = f"{{{DS_NS}}}"
UNUSED_DEFAULT_NAMESPACE = "urn:example:unused"


def resign_exclusive_with_default_prefix(
    signed: bytes, private_key: rsa.RSAPrivateKey, *, in_signed_info: bool = True
) -> bytes:
    """``signed`` (an invoice our signer signed) with a default namespace declared on its Signature,
    in scope for SignedInfo, KeyInfo and the SignedProperties but visibly used by none of them;
    SignedInfo and every reference canonicalised by exclusive c14n with ``InclusiveNamespaces
    PrefixList="#default"``, so that only the ``#default`` token renders that namespace; signed
    again by xmlsec with the same key.

    ``in_signed_info=False`` leaves the prefix list out of SignedInfo's CanonicalizationMethod:
    the xmldsig schema's wildcard there is strict, so with it the invoice is not Facturae-valid
    (the wildcard of a Transform is lax)."""
    data = signed.replace(b"<ds:Signature ", f'<ds:Signature xmlns="{UNUSED_DEFAULT_NAMESPACE}" '.encode(), 1)
    tree = parse_xml(data)
    signature: Any = tree.find(f".//{DS}Signature")
    inclusive_namespaces = f"{{{EXC_C14N}}}InclusiveNamespaces"
    method = signature.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod")
    method.set("Algorithm", EXC_C14N)
    if in_signed_info:
        etree.SubElement(method, inclusive_namespaces, PrefixList="#default")
    for reference in signature.iterfind(f"{DS}SignedInfo/{DS}Reference"):
        transforms = reference.find(f"{DS}Transforms")
        if transforms is None:
            transforms = etree.Element(f"{DS}Transforms")
            reference.insert(0, transforms)
        transform = etree.SubElement(transforms, f"{DS}Transform", Algorithm=EXC_C14N)
        etree.SubElement(transform, inclusive_namespaces, PrefixList="#default")
    xmlsec.tree.add_ids(tree.getroot(), ["Id"])
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        xmlsec.constants.KeyDataFormatPem,
    )
    context.sign(signature)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))
