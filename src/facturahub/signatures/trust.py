"""Chain validation of an invoice's signing certificate against a trust store (protocols.md §6.4:
"chain validation against a configured trust store when set").

The trust store is a PEM bundle of anchor certificates (root or intermediate CAs the hub trusts).
A chain is built from the signing certificate upwards, using only the certificates the signature
embeds in ``KeyInfo`` and the anchors, until it reaches an anchor. Every link must be a real
signature by a CA certificate (``BasicConstraints`` CA, ``keyCertSign`` when ``KeyUsage`` is
present, ``pathLenConstraint`` honoured), and every certificate of the path must have been valid
at the XAdES ``SigningTime`` — not "now": an invoice signed while its chain was valid stays valid.

No revocation checking, no network: nothing is fetched (no AIA, no CRL, no OCSP).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from facturahub.errors import ConfigurationError, SignatureInvalid
from facturahub.signatures import trust_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.system_errors import system_reason

MAX_DEPTH = 10
_PEM_BEGIN = b"-----BEGIN CERTIFICATE-----"


@dataclass(frozen=True)
class TrustStore:
    """The anchors: certificates trusted as the top of a chain."""

    anchors: tuple[x509.Certificate, ...]
    _ders: frozenset[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ders", frozenset(_der(anchor) for anchor in self.anchors))

    def is_anchor(self, certificate: x509.Certificate) -> bool:
        return _der(certificate) in self._ders


def parse_trust_store(data: bytes, *, source: str = "trust store") -> TrustStore:
    """Read a PEM bundle of certificates; refuse an empty or unreadable one (``ConfigurationError``,
    so that a misconfigured hub says so rather than trusting nothing or everything)."""
    if _PEM_BEGIN not in data:
        raise ConfigurationError("trust_store.empty", path=source)
    try:
        anchors = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ConfigurationError("trust_store.invalid", path=source, detail=str(exc)) from None
    return TrustStore(tuple(anchors))


@lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int, size: int) -> TrustStore:
    return parse_trust_store(path.read_bytes(), source=str(path))


def load_trust_store(path: Path) -> TrustStore:
    """The trust store in ``path`` (cached until the file changes)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigurationError(
            "trust_store.unreadable", path=str(path), detail=system_reason(exc)
        ) from None
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)


def verify_chain(
    certificate: x509.Certificate,
    embedded: Iterable[x509.Certificate],
    store: TrustStore,
    at: datetime,
) -> tuple[x509.Certificate, ...]:
    """The path from ``certificate`` up to an anchor of ``store`` (both included), every
    certificate valid at ``at``; raise :class:`SignatureInvalid` naming what failed:
    ``xades.chain_untrusted_root`` (the chain ends in a self-signed certificate the store does not
    hold), ``xades.chain_issuer_missing`` (no certificate of the issuer named), the validity
    errors, ``xades.chain_not_a_ca`` or ``xades.chain_too_long``."""
    if at.tzinfo is None:
        raise ValueError("chain validation needs an aware datetime")
    moment = at.astimezone(UTC)
    candidates = _unique([*store.anchors, *embedded])
    path = [certificate]
    _require_valid(certificate, moment)
    current = certificate
    while not store.is_anchor(current):
        if len(path) > MAX_DEPTH:
            raise SignatureInvalid("xades.chain_too_long", limit=MAX_DEPTH)
        issuer = _find_issuer(current, candidates, path, store)
        if issuer is None:
            if _self_signed(current):
                raise SignatureInvalid("xades.chain_untrusted_root", subject=current.subject.rfc4514_string())
            raise SignatureInvalid(
                "xades.chain_issuer_missing",
                subject=current.subject.rfc4514_string(),
                issuer=current.issuer.rfc4514_string(),
            )
        _require_ca(issuer, intermediates_below=len(path) - 1)
        _require_valid(issuer, moment)
        path.append(issuer)
        current = issuer
    return tuple(path)


def _find_issuer(
    certificate: x509.Certificate,
    candidates: Sequence[x509.Certificate],
    path: Sequence[x509.Certificate],
    store: TrustStore,
) -> x509.Certificate | None:
    """The candidate that really signed ``certificate`` (anchors first), never one already in the
    path (no loops) and never the certificate itself."""
    on_path = {_der(link) for link in path}
    found: list[x509.Certificate] = []
    for candidate in candidates:
        if _der(candidate) in on_path or candidate.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        found.append(candidate)
    found.sort(key=lambda candidate: not store.is_anchor(candidate))
    return found[0] if found else None


def _self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _require_ca(certificate: x509.Certificate, *, intermediates_below: int) -> None:
    subject = certificate.subject.rfc4514_string()
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise SignatureInvalid("xades.chain_not_a_ca", subject=subject) from None
    if not constraints.ca:
        raise SignatureInvalid("xades.chain_not_a_ca", subject=subject)
    if constraints.path_length is not None and intermediates_below > constraints.path_length:
        raise SignatureInvalid(
            "xades.chain_path_length",
            subject=subject,
            limit=constraints.path_length,
            found=intermediates_below,
        )
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not usage.key_cert_sign:
        raise SignatureInvalid("xades.chain_not_a_ca", subject=subject)


def _require_valid(certificate: x509.Certificate, at: datetime) -> None:
    subject = certificate.subject.rfc4514_string()
    if at < certificate.not_valid_before_utc:
        raise SignatureInvalid(
            "xades.chain_not_yet_valid",
            subject=subject,
            not_before=certificate.not_valid_before_utc.isoformat(),
            signing_time=at.isoformat(),
        )
    if at > certificate.not_valid_after_utc:
        raise SignatureInvalid(
            "xades.chain_expired",
            subject=subject,
            not_after=certificate.not_valid_after_utc.isoformat(),
            signing_time=at.isoformat(),
        )


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _unique(certificates: Iterable[x509.Certificate]) -> list[x509.Certificate]:
    seen: set[bytes] = set()
    unique = []
    for certificate in certificates:
        der = _der(certificate)
        if der not in seen:
            seen.add(der)
            unique.append(certificate)
    return unique
