"""The operator's certificate blocklist (FACe's "lista de bloqueo").

A blocked certificate may not sign a SOAP request (FACe 106) nor an invoice (442), in production
and in the sandbox alike, from the moment the block is committed, on every node (the list lives in
the database). A certificate is named by its file or by a thumbprint: a SHA-256 thumbprint blocks
any certificate, registered here or not (an invoice's signer need not be); a SHA-1 thumbprint must
name a registered certificate. Blocking and unblocking are operator actions, recorded in the
activity log of the integrator that registered the certificate, if any.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from facturahub.domain import registry as rules
from facturahub.domain.registry import normalise_thumbprint
from facturahub.errors import Conflict, InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services.actors import Actor, require_operator
from facturahub.services.certificates import find_by_thumbprint, read_certificate
from facturahub.store.models import BlockedCertificate, Certificate

REASON_MAX = 500


def block_certificate(
    session: Session,
    actor: Actor,
    *,
    reason: str,
    data: bytes | None = None,
    thumbprint: str | None = None,
    now: datetime | None = None,
) -> BlockedCertificate:
    """Block the certificate in ``data`` (PEM/DER) or named by ``thumbprint`` (exactly one)."""
    require_operator(actor)
    clean_reason = rules.require_text("reason", reason, max_length=REASON_MAX)
    if (data is None) == (thumbprint is None):
        raise InvalidInput("blocklist.one_reference")
    blocked = _describe(session, data, thumbprint)
    existing = session.get(BlockedCertificate, blocked.sha256)
    if existing is not None:
        raise Conflict(
            "blocklist.already_blocked",
            sha256=existing.sha256,
            since=existing.blocked_at.isoformat(timespec="seconds"),
            reason=existing.reason,
        )
    blocked.reason = clean_reason
    blocked.blocked_at = now or datetime.now(UTC)
    blocked.blocked_by = actor.label
    session.add(blocked)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.blocked",
        target=f"certificate:{blocked.sha256[:16]}",
        integrator_id=_registered_by(session, blocked.sha256),
        sha256=blocked.sha256,
        subject=blocked.subject,
        reason=clean_reason,
    )
    return blocked


def unblock_certificate(session: Session, actor: Actor, thumbprint: str) -> BlockedCertificate:
    require_operator(actor)
    sha256 = _sha256_of(session, thumbprint)
    blocked = session.get(BlockedCertificate, sha256)
    if blocked is None:
        raise NotFound("blocklist.not_blocked", sha256=sha256)
    session.delete(blocked)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.unblocked",
        target=f"certificate:{sha256[:16]}",
        integrator_id=_registered_by(session, sha256),
        sha256=sha256,
        subject=blocked.subject,
        reason=blocked.reason,
    )
    return blocked


def list_blocked(session: Session, actor: Actor) -> list[BlockedCertificate]:
    require_operator(actor)
    return list(session.scalars(select(BlockedCertificate).order_by(BlockedCertificate.blocked_at)))


_BLOCK = select(BlockedCertificate.subject, BlockedCertificate.reason, BlockedCertificate.blocked_at).where(
    BlockedCertificate.sha256 == bindparam("sha256")
)


def find_block(session: Session, sha256: str) -> BlockedCertificate | None:
    """The block on the certificate with this SHA-256 (lower-case hex), or None: one primary-key
    read, made for every registered invoice."""
    row = session.connection().execute(_BLOCK, {"sha256": sha256}).first()
    if row is None:
        return None
    return BlockedCertificate(
        sha256=sha256, subject=row.subject, reason=row.reason, blocked_at=row.blocked_at
    )


def blocked_among(session: Session, sha256s: list[str]) -> set[str]:
    """Which of these certificates (SHA-256) are blocked."""
    if not sha256s:
        return set()
    found = session.scalars(select(BlockedCertificate.sha256).where(BlockedCertificate.sha256.in_(sha256s)))
    return set(found)


def _describe(session: Session, data: bytes | None, thumbprint: str | None) -> BlockedCertificate:
    if data is not None:
        summary = read_certificate(data)
        return BlockedCertificate(
            sha256=summary.sha256,
            subject=summary.subject,
            issuer=summary.issuer,
            serial_number=str(summary.serial_number),
        )
    assert thumbprint is not None
    registered = find_by_thumbprint(session, thumbprint)
    if registered is not None:
        return BlockedCertificate(
            sha256=registered.sha256,
            subject=registered.subject,
            issuer=registered.issuer,
            serial_number=registered.serial_number,
        )
    return BlockedCertificate(sha256=_sha256_of(session, thumbprint))


def _sha256_of(session: Session, thumbprint: str) -> str:
    """A SHA-256 thumbprint as is; a SHA-1 thumbprint through the registered certificate it names."""
    text = normalise_thumbprint(thumbprint)
    if len(text) == 64:
        return text
    registered = find_by_thumbprint(session, text)
    if registered is None:
        raise InvalidInput("blocklist.sha1_unregistered", sha1=text)
    return registered.sha256


def _registered_by(session: Session, sha256: str) -> int | None:
    return session.scalar(select(Certificate.integrator_id).where(Certificate.sha256 == sha256))
