"""Verification of WS-Security (OASIS WSS 1.0, X.509 token profile) signed SOAP 1.1 requests.

Order of work, cheapest and most static first:

1. envelope shape (101-104), one wsse:Security, one ds:Signature, Ids unique document-wide;
2. the Signature read statically (allow-listed algorithms, ``#id`` URIs only, caps, no
   RetrievalMethod) — nothing is fetched at any point;
3. the Timestamp: presence, count, format and time window;
4. the key: the caller's ``resolve_key`` maps the certificate reference to the registered
   certificate, whose key verifies the SignatureValue over SignedInfo — **before** any reference is
   dereferenced;
5. references: each must resolve to the envelope's only Body, the Security header's only Timestamp
   or the signing token, and its digest must match;
6. the Body must be signed; the Timestamp too when the policy says so.

The element the caller dispatches on is the first child of the very Body node that was digested.
The replay cache is the caller's: it stores ``replay_key`` until ``replay_expires``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from lxml import etree

from facturahub.errors import SecurityError
from facturahub.signatures.dsig_algorithms import (
    C14N_10,
    DIGEST_METHODS,
    SIGNATURE_METHODS,
    digest,
    rsa_verify,
)
from facturahub.signatures.dsig_c14n import canonicalize, canonicalize_octets
from facturahub.signatures.dsig_signedinfo import Reference, SignatureParts, parse_signature
from facturahub.signatures.wss_envelope import (
    BODY,
    TIMESTAMP,
    EnvelopeParts,
    check_envelope,
    describe,
    find_security,
    find_signature,
    index_ids,
    parse_envelope,
)
from facturahub.signatures.wss_keys import (
    CertificateReference,
    IssuerSerialReference,
    KeyReference,
    KeyResolver,
    read_key_reference,
    rsa_public_key,
    select_certificate,
)
from facturahub.signatures.wss_timestamp import (
    TimestampTimes,
    check_timestamp,
    find_timestamp,
    format_time,
)
from facturahub.signatures.xml import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class WSSPolicy:
    """What a SOAP profile accepts. FACe: Timestamp optional and may be unsigned; eFACT: a signed
    Timestamp is mandatory. ``require_signed_timestamp`` implies ``require_timestamp``."""

    require_timestamp: bool = True
    require_signed_timestamp: bool = True
    clock_skew_seconds: int = 300
    max_lifetime_seconds: int = 300
    signature_methods: frozenset[str] = SIGNATURE_METHODS
    digest_methods: frozenset[str] = DIGEST_METHODS
    min_rsa_key_bits: int = 1024
    # Operations (the Body's first child's local name) that only read: an untimed signature of
    # one is remembered for the lifetime cap only (see ``_replay_expires``).
    queries: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.signature_methods <= SIGNATURE_METHODS:
            raise ValueError(
                f"unsupported signature methods: {sorted(self.signature_methods - SIGNATURE_METHODS)}"
            )
        if not self.digest_methods <= DIGEST_METHODS:
            raise ValueError(f"unsupported digest methods: {sorted(self.digest_methods - DIGEST_METHODS)}")
        if self.clock_skew_seconds < 0 or self.max_lifetime_seconds <= 0:
            raise ValueError("clock skew must be >= 0 and the lifetime cap > 0")


@dataclass(frozen=True)
class VerifiedRequest:
    certificate: x509.Certificate  # the certificate whose key verified the signature
    key_reference: KeyReference  # how the message named it
    body: etree._Element  # the envelope's Body: the very node that was digested
    operation: etree._Element  # the first element child of that Body
    signature_method: str
    timestamp_created: datetime | None  # aware UTC
    timestamp_expires: datetime | None  # aware UTC (None without Timestamp or without Expires)
    timestamp_signed: bool
    replay_key: str  # SHA-256 of the SignatureValue bytes, hex
    replay_expires: datetime  # keep the replay entry until then (aware UTC)
    signed_ids: tuple[str, ...] = field(default=())

    @property
    def certificate_der(self) -> bytes | None:
        """DER of the certificate the message carried (BinarySecurityToken or X509Certificate)."""
        return self.key_reference.der if isinstance(self.key_reference, CertificateReference) else None

    @property
    def issuer_serial(self) -> tuple[str, int] | None:
        """(issuer, serial) when the message named its certificate by X509IssuerSerial."""
        reference = self.key_reference
        return (reference.issuer, reference.serial) if isinstance(reference, IssuerSerialReference) else None


def verify_request(
    envelope: bytes | etree._Element | etree._ElementTree,
    policy: WSSPolicy,
    now: datetime,
    *,
    resolve_key: KeyResolver | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> VerifiedRequest:
    """Verify a signed SOAP 1.1 request or raise :class:`SecurityError` naming what failed.

    ``resolve_key(reference)`` returns the registered certificate for the reference (or None:
    ``wss.certificate_unknown``); its key, not one the message supplies, verifies the signature.
    Without it, only a certificate carried by the message can be used (``wss.key_unresolvable``
    for X509IssuerSerial). ``now`` must be timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    root = parse_envelope(envelope, max_bytes=max_bytes) if isinstance(envelope, bytes) else envelope
    parts = check_envelope(root)
    security = find_security(parts.header)
    ids = index_ids(parts.envelope)
    signature = parse_signature(
        find_signature(security),
        signature_methods=policy.signature_methods,
        digest_methods=policy.digest_methods,
    )

    timestamp_element = find_timestamp(security, now)
    if timestamp_element is None and (policy.require_timestamp or policy.require_signed_timestamp):
        raise SecurityError("wss.timestamp_missing", server_time=format_time(now))
    times = (
        check_timestamp(
            timestamp_element,
            now=now,
            clock_skew_seconds=policy.clock_skew_seconds,
            max_lifetime_seconds=policy.max_lifetime_seconds,
        )
        if timestamp_element is not None
        else None
    )

    key_reference = read_key_reference(signature.key_info, security, ids)
    certificate = select_certificate(key_reference, resolve_key)
    _verify_signed_info(signature, certificate, policy.min_rsa_key_bits)

    signed = _verify_references(signature, ids, parts, timestamp_element, key_reference)
    if parts.body not in signed:
        raise SecurityError("wss.body_not_signed")
    timestamp_signed = timestamp_element is not None and timestamp_element in signed
    if timestamp_element is not None and not timestamp_signed and policy.require_signed_timestamp:
        raise SecurityError("wss.timestamp_not_signed", server_time=format_time(now))

    operation = next((child for child in parts.body if isinstance(child.tag, str)), None)
    if operation is None:
        raise SecurityError("wss.operation_missing")
    return VerifiedRequest(
        certificate=certificate,
        key_reference=key_reference,
        body=parts.body,
        operation=operation,
        signature_method=signature.signature_method,
        timestamp_created=times.created if times else None,
        timestamp_expires=times.expires if times else None,
        timestamp_signed=timestamp_signed,
        replay_key=hashlib.sha256(signature.signature_value).hexdigest(),
        replay_expires=_replay_expires(
            times if timestamp_signed else None,
            certificate,
            policy,
            now,
            query=etree.QName(operation).localname in policy.queries,
        ),
        signed_ids=tuple(reference.target_id for reference in signature.references),
    )


def _verify_signed_info(signature: SignatureParts, certificate: x509.Certificate, min_bits: int) -> None:
    public_key = rsa_public_key(certificate, min_bits)
    c14n = signature.canonicalization
    signed_bytes = canonicalize(signature.signed_info, c14n.algorithm, c14n.prefixes)
    if not rsa_verify(signature.signature_method, public_key, signature.signature_value, signed_bytes):
        raise SecurityError("wss.signature_invalid", subject=certificate.subject.rfc4514_string())


def _verify_references(
    signature: SignatureParts,
    ids: dict[str, etree._Element],
    parts: EnvelopeParts,
    timestamp: etree._Element | None,
    key_reference: KeyReference,
) -> list[etree._Element]:
    """Resolve every reference to an allowed node (rule S1) and check its digest."""
    token = key_reference.token if isinstance(key_reference, CertificateReference) else None
    signed: list[etree._Element] = []
    for reference in signature.references:
        target = ids.get(reference.target_id)
        if target is None:
            raise SecurityError("wss.reference_target_missing", uri=reference.uri)
        if target is parts.body or (timestamp is not None and target is timestamp) or target is token:
            pass
        elif target.tag == BODY or etree.QName(target).localname == "Body":
            raise SecurityError("wss.signed_body_misplaced", uri=reference.uri)
        elif target.tag == TIMESTAMP:
            raise SecurityError("wss.signed_timestamp_misplaced", uri=reference.uri)
        else:
            raise SecurityError("wss.reference_unexpected", uri=reference.uri, element=describe(target))
        if target in signed:
            raise SecurityError("wss.reference_duplicate", uri=reference.uri, element=describe(target))
        if not hmac.compare_digest(
            digest(reference.digest_method, _octets(target, reference)), reference.digest_value
        ):
            raise SecurityError("wss.digest_mismatch", uri=reference.uri, element=describe(target))
        signed.append(target)
    return signed


def _octets(target: etree._Element, reference: Reference) -> bytes:
    """The transform chain; no Transforms means inclusive c14n 1.0 of the element."""
    if not reference.transforms:
        return canonicalize(target, C14N_10)
    first, *rest = reference.transforms
    data = canonicalize(target, first.algorithm, first.prefixes)
    for transform in rest:
        data = canonicalize_octets(data, transform.algorithm, transform.prefixes)
    return data


def _replay_expires(
    times: TimestampTimes | None,
    certificate: x509.Certificate,
    policy: WSSPolicy,
    now: datetime,
    *,
    query: bool,
) -> datetime:
    """Until when the replay cache must remember this signature: as long as the message could still
    be accepted. A signed Timestamp bounds that. Without one (FACe's Body-only form, or a Timestamp
    left unsigned, which anyone can refresh) the very bytes verify for as long as the certificate
    is valid: forgetting them sooner (it was lifetime cap + skew, 600 s) let them be replayed. A
    query is the exception: replayed later it only reads, and a client may poll with the same
    Body-only bytes as FACe's example signs, so it keeps the lifetime cap + skew."""
    skew = timedelta(seconds=policy.clock_skew_seconds)
    if times is not None:
        return times.effective_expires + skew
    soonest = (now + timedelta(seconds=policy.max_lifetime_seconds) + skew).astimezone(UTC)
    return soonest if query else max(soonest, certificate.not_valid_after_utc + skew)
