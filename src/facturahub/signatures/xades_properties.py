"""The content of XAdES ``SignedProperties`` a Facturae verifier relies on: ``SigningTime``, the
``SigningCertificate`` (digest and issuer/serial of the certificate that verified, rule F1) and the
Facturae v3.1 ``SignaturePolicyIdentifier`` (rule F4). Read only after the SignedProperties
reference digest has been checked."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cryptography import x509
from lxml import etree

from facturahub.errors import SignatureInvalid
from facturahub.signatures import dsig_algorithms as algorithms
from facturahub.signatures import xades_dsig as dsig
from facturahub.signatures import xades_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.signatures.x500_names import issuer_matches, read_serial_number
from facturahub.signatures.xades_dsig import ds

XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"
XADES_122_NS = "http://uri.etsi.org/01903/v1.2.2#"
XADES_141_NS = "http://uri.etsi.org/01903/v1.4.1#"
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"

FACTURAE_POLICY_IDENTIFIER = (
    "http://www.facturae.es/politica_de_firma_formato_facturae/politica_de_firma_formato_facturae_v3_1.pdf"
)
FACTURAE_POLICY_HASH = "Ohixl6upD6av8N7pEvDABhEL6hM="
FACTURAE_POLICY_HASH_ALGORITHM = algorithms.SHA1
FACTURAE_POLICY_DESCRIPTION = "Política de Firma FacturaE v3.1"
#: The keys that mean "wrong or missing signature policy" (FACe code 440, the others are 428).
POLICY_ERROR_KEYS = frozenset({"xades.policy_missing", "xades.policy_unknown", "xades.policy_hash_mismatch"})
_POLICY_PATH = "/politica_de_firma_formato_facturae/politica_de_firma_formato_facturae_v3_1.pdf"
_POLICY_URL = re.compile(r"https?://(?:www\.)?facturae\.(?:gob\.)?es(/\S*)", re.IGNORECASE)
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)


@dataclass(frozen=True)
class SignedPropertiesContent:
    signing_time: datetime
    signer_roles: tuple[str, ...]
    policy_identifier: str


def read_signed_properties(
    signed_properties: Any, signer_der: bytes, signer: x509.Certificate
) -> SignedPropertiesContent:
    """Check the (already digested) SignedProperties against the certificate that verified; the
    policy last, so that its distinct keys (:data:`POLICY_ERROR_KEYS`) only mean "policy"."""
    namespace = etree.QName(signed_properties).namespace
    signing_time, roles = _check_signed_properties(signed_properties, namespace, signer_der, signer)
    return SignedPropertiesContent(signing_time, roles, _check_policy(signed_properties, namespace))


def parse_signing_time(text: str) -> datetime:
    """An ``xsd:dateTime`` as an aware UTC datetime (a value without offset is taken as UTC)."""
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an xsd:dateTime: {text!r}")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    zone = UTC
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=zone).astimezone(UTC)


def is_facturae_policy(identifier: str) -> bool:
    """The Facturae v3.1 policy URL, allowing what real signers vary: http/https, facturae.es or
    facturae.gob.es, with or without ``www.``, and a ``urn:oid:``/``urn:uri:`` wrapper."""
    text = identifier.strip()
    for prefix in ("urn:oid:", "urn:uri:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    match = _POLICY_URL.fullmatch(text)
    return match is not None and match.group(1) == _POLICY_PATH


def _check_signed_properties(
    signed_properties: Any, namespace: str, signer_der: bytes, signer: x509.Certificate
) -> tuple[datetime, tuple[str, ...]]:
    def x(local: str) -> str:
        return f"{{{namespace}}}{local}"

    signature_properties = signed_properties.find(x("SignedSignatureProperties"))
    if signature_properties is None:
        raise SignatureInvalid("xades.signing_time_missing")
    signing_time_text = signature_properties.findtext(x("SigningTime"))
    if signing_time_text is None:
        raise SignatureInvalid("xades.signing_time_missing")
    try:
        signing_time = parse_signing_time(signing_time_text)
    except ValueError:
        raise SignatureInvalid("xades.signing_time_invalid", value=signing_time_text.strip()) from None
    cert_elements = signature_properties.findall(f"{x('SigningCertificate')}/{x('Cert')}")
    if not cert_elements:
        raise SignatureInvalid("xades.signing_certificate_missing")
    matched = _matching_cert(cert_elements, x, signer_der)
    serial_text = (matched.findtext(f"{x('IssuerSerial')}/{ds('X509SerialNumber')}") or "").strip()
    issuer_text = (matched.findtext(f"{x('IssuerSerial')}/{ds('X509IssuerName')}") or "").strip()
    if _serial_number(serial_text) != signer.serial_number:
        raise SignatureInvalid(
            "xades.signing_certificate_serial_mismatch", claimed=serial_text, actual=str(signer.serial_number)
        )
    if not issuer_matches(issuer_text, signer):
        raise SignatureInvalid(
            "xades.signing_certificate_issuer_mismatch",
            claimed=issuer_text,
            actual=signer.issuer.rfc4514_string(),
        )
    roles = tuple(
        role.text.strip()
        for role in signature_properties.iterfind(f"{x('SignerRole')}/{x('ClaimedRoles')}/{x('ClaimedRole')}")
        if role.text and role.text.strip()
    )
    return signing_time, roles


def _matching_cert(cert_elements: list[Any], x: Any, signer_der: bytes) -> Any:
    """The ``xades:Cert`` whose CertDigest is the digest of the certificate that verified."""
    first_claim: tuple[str, bytes, bytes] | None = None
    for cert_element in cert_elements:
        method_element = cert_element.find(f"{x('CertDigest')}/{ds('DigestMethod')}")
        value_text = cert_element.findtext(f"{x('CertDigest')}/{ds('DigestValue')}")
        if method_element is None or value_text is None:
            raise SignatureInvalid(
                "xades.signature_malformed", detail="SigningCertificate Cert without CertDigest"
            )
        method = str(method_element.get("Algorithm") or "")
        if method not in algorithms.DIGEST_METHODS:
            raise SignatureInvalid("xades.algorithm_refused", kind="digest", algorithm=method)
        claimed = dsig.decode_base64(value_text, what="CertDigest")
        actual = algorithms.digest(method, signer_der)
        if claimed == actual:
            return cert_element
        first_claim = first_claim or (method, claimed, actual)
    assert first_claim is not None
    method, claimed, actual = first_claim
    raise SignatureInvalid(
        "xades.signing_certificate_mismatch", algorithm=method, claimed=_b64(claimed), actual=_b64(actual)
    )


def _check_policy(signed_properties: Any, namespace: str) -> str:
    def x(local: str) -> str:
        return f"{{{namespace}}}{local}"

    policy = signed_properties.find(
        f"{x('SignedSignatureProperties')}/{x('SignaturePolicyIdentifier')}/{x('SignaturePolicyId')}"
    )
    if policy is None:
        raise SignatureInvalid("xades.policy_missing")
    identifier = (policy.findtext(f"{x('SigPolicyId')}/{x('Identifier')}") or "").strip()
    if not is_facturae_policy(identifier):
        raise SignatureInvalid("xades.policy_unknown", identifier=identifier)
    method_element = policy.find(f"{x('SigPolicyHash')}/{ds('DigestMethod')}")
    method = "" if method_element is None else str(method_element.get("Algorithm") or "")
    found = "".join((policy.findtext(f"{x('SigPolicyHash')}/{ds('DigestValue')}") or "").split())
    if method != FACTURAE_POLICY_HASH_ALGORITHM or found != FACTURAE_POLICY_HASH:
        raise SignatureInvalid(
            "xades.policy_hash_mismatch", algorithm=method, expected=FACTURAE_POLICY_HASH, found=found
        )
    return identifier


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _serial_number(text: str) -> int | None:
    try:
        return read_serial_number(text)
    except ValueError:
        return None
