"""Signing Facturae invoices: XAdES-EPES, enveloped, with the Facturae v3.1 signature policy.

The signature produced has three references — the whole document (``URI=""``, enveloped-signature
transform), the ``SignedProperties`` and the ``KeyInfo`` — canonicalised with inclusive C14N 1.0,
and carries the signing certificate (then the chain) in ``KeyInfo``; it is what
:func:`facturahub.signatures.xades.verify_invoice_signature` accepts.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from facturahub.errors import InvalidInput
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures import xades_dsig as dsig
from facturahub.signatures import xades_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.signatures.dsig_algorithms import DS_NS
from facturahub.signatures.xades_dsig import ds
from facturahub.signatures.xades_keys import check_key_pair
from facturahub.signatures.xades_properties import (
    FACTURAE_POLICY_DESCRIPTION,
    FACTURAE_POLICY_HASH,
    FACTURAE_POLICY_HASH_ALGORITHM,
    FACTURAE_POLICY_IDENTIFIER,
    SIGNED_PROPERTIES_TYPE,
    XADES_NS,
)
from facturahub.signatures.xml import DEFAULT_MAX_BYTES, parse_xml

#: Supported algorithm names -> (SignatureMethod, DigestMethod used for every digest).
ALGORITHMS: dict[str, tuple[str, str]] = {
    "rsa-sha1": (algorithms.RSA_SHA1, algorithms.SHA1),
    "rsa-sha256": (algorithms.RSA_SHA256, algorithms.SHA256),
    "rsa-sha512": (algorithms.RSA_SHA512, algorithms.SHA512),
}
OBJECT_TYPE = "http://www.w3.org/2000/09/xmldsig#Object"
FACTURAE_OBJECT_IDENTIFIER = "urn:oid:1.2.840.10003.5.109.10"
_C14N = dsig.Transform(algorithms.C14N_10)


def sign_invoice(
    xml_bytes: bytes,
    certificate: x509.Certificate,
    private_key: rsa.RSAPrivateKey,
    *,
    chain: Sequence[x509.Certificate] = (),
    algorithm: str = "rsa-sha256",
    signing_time: datetime | None = None,
    signer_role: str | None = "emisor",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """Return ``xml_bytes`` (UTF-8) with an enveloped XAdES-EPES signature appended to its root."""
    if algorithm not in ALGORITHMS:
        raise InvalidInput(
            "xades_sign.algorithm_unsupported", algorithm=algorithm, supported=", ".join(ALGORITHMS)
        )
    if signing_time is not None and signing_time.tzinfo is None:
        raise InvalidInput("xades_sign.signing_time_naive")
    signature_method, digest_method = ALGORITHMS[algorithm]
    private_key = check_key_pair(private_key, certificate)
    tree = parse_xml(xml_bytes, max_bytes=max_bytes)
    root = tree.getroot()
    if next(tree.iter(ds("Signature")), None) is not None:
        raise InvalidInput("xades_sign.already_signed")
    when = (signing_time or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)

    ids = _Ids(uuid.uuid4().hex)
    signature = etree.SubElement(root, ds("Signature"), nsmap={"ds": DS_NS, "xades": XADES_NS})
    signature.set("Id", ids.signature)
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=algorithms.C14N_10)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=signature_method)
    document_ref = _reference(signed_info, uri="", ref_id=ids.reference, ref_type=OBJECT_TYPE)
    etree.SubElement(
        etree.SubElement(document_ref, ds("Transforms")),
        ds("Transform"),
        Algorithm=algorithms.ENVELOPED_SIGNATURE,
    )
    properties_ref = _reference(signed_info, uri=f"#{ids.signed_properties}", ref_type=SIGNED_PROPERTIES_TYPE)
    key_info_ref = _reference(signed_info, uri=f"#{ids.key_info}")
    signature_value = etree.SubElement(signature, ds("SignatureValue"), Id=ids.signature_value)
    key_info = _key_info(signature, ids.key_info, [certificate, *chain])
    signed_properties = _signed_properties(signature, ids, certificate, digest_method, when, signer_role)

    # Digest the references where they stand (inclusive C14N sees the inherited namespaces).
    _set_digest(
        document_ref, digest_method, dsig.canonicalize(dsig.without(tree, signature), _C14N, comments=False)
    )
    _set_digest(properties_ref, digest_method, dsig.canonicalize(signed_properties, _C14N, comments=False))
    _set_digest(key_info_ref, digest_method, dsig.canonicalize(key_info, _C14N, comments=False))
    value = algorithms.rsa_sign(signature_method, private_key, dsig.canonicalize(signed_info, _C14N))
    signature_value.text = _wrapped(value)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8"))


class _Ids:
    def __init__(self, token: str) -> None:
        self.signature = f"Signature-{token}"
        self.signature_value = f"{self.signature}-SignatureValue"
        self.key_info = f"{self.signature}-KeyInfo"
        self.signed_properties = f"{self.signature}-SignedProperties"
        self.reference = f"Reference-{token}"


def _reference(parent: Any, *, uri: str, ref_id: str | None = None, ref_type: str | None = None) -> Any:
    reference = etree.SubElement(parent, ds("Reference"))
    if ref_id is not None:
        reference.set("Id", ref_id)
    if ref_type is not None:
        reference.set("Type", ref_type)
    reference.set("URI", uri)
    return reference


def _set_digest(reference: Any, digest_method: str, octets: bytes) -> None:
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=digest_method)
    etree.SubElement(reference, ds("DigestValue")).text = _b64(algorithms.digest(digest_method, octets))


def _key_info(signature: Any, key_info_id: str, certificates: Sequence[x509.Certificate]) -> Any:
    key_info = etree.SubElement(signature, ds("KeyInfo"), Id=key_info_id)
    x509_data = etree.SubElement(key_info, ds("X509Data"))
    for certificate in certificates:
        der = certificate.public_bytes(serialization.Encoding.DER)
        etree.SubElement(x509_data, ds("X509Certificate")).text = _wrapped(der)
    return key_info


def _signed_properties(
    signature: Any,
    ids: _Ids,
    certificate: x509.Certificate,
    digest_method: str,
    when: datetime,
    role: str | None,
) -> Any:
    def x(local: str) -> str:
        return f"{{{XADES_NS}}}{local}"

    obj = etree.SubElement(signature, ds("Object"))
    qualifying = etree.SubElement(obj, x("QualifyingProperties"), Target=f"#{ids.signature}")
    signed_properties = etree.SubElement(qualifying, x("SignedProperties"), Id=ids.signed_properties)
    signature_properties = etree.SubElement(signed_properties, x("SignedSignatureProperties"))
    etree.SubElement(signature_properties, x("SigningTime")).text = when.isoformat()

    cert = etree.SubElement(etree.SubElement(signature_properties, x("SigningCertificate")), x("Cert"))
    cert_digest = etree.SubElement(cert, x("CertDigest"))
    etree.SubElement(cert_digest, ds("DigestMethod"), Algorithm=digest_method)
    der = certificate.public_bytes(serialization.Encoding.DER)
    etree.SubElement(cert_digest, ds("DigestValue")).text = _b64(algorithms.digest(digest_method, der))
    issuer_serial = etree.SubElement(cert, x("IssuerSerial"))
    etree.SubElement(issuer_serial, ds("X509IssuerName")).text = certificate.issuer.rfc4514_string()
    etree.SubElement(issuer_serial, ds("X509SerialNumber")).text = str(certificate.serial_number)

    policy = etree.SubElement(
        etree.SubElement(signature_properties, x("SignaturePolicyIdentifier")), x("SignaturePolicyId")
    )
    policy_id = etree.SubElement(policy, x("SigPolicyId"))
    etree.SubElement(policy_id, x("Identifier")).text = FACTURAE_POLICY_IDENTIFIER
    etree.SubElement(policy_id, x("Description")).text = FACTURAE_POLICY_DESCRIPTION
    policy_hash = etree.SubElement(policy, x("SigPolicyHash"))
    etree.SubElement(policy_hash, ds("DigestMethod"), Algorithm=FACTURAE_POLICY_HASH_ALGORITHM)
    etree.SubElement(policy_hash, ds("DigestValue")).text = FACTURAE_POLICY_HASH
    if role:
        roles = etree.SubElement(etree.SubElement(signature_properties, x("SignerRole")), x("ClaimedRoles"))
        etree.SubElement(roles, x("ClaimedRole")).text = role

    data_objects = etree.SubElement(signed_properties, x("SignedDataObjectProperties"))
    data_format = etree.SubElement(data_objects, x("DataObjectFormat"), ObjectReference=f"#{ids.reference}")
    etree.SubElement(data_format, x("Description")).text = "Factura electrónica"
    object_identifier = etree.SubElement(data_format, x("ObjectIdentifier"))
    etree.SubElement(
        object_identifier, x("Identifier"), Qualifier="OIDAsURN"
    ).text = FACTURAE_OBJECT_IDENTIFIER
    etree.SubElement(data_format, x("MimeType")).text = "text/xml"
    return signed_properties


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _wrapped(data: bytes) -> str:
    """Base64 in 76-character lines, as most signers write certificates and signature values."""
    text = _b64(data)
    return "\n" + "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n"
