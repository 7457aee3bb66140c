"""Who is calling: from the certificate that signed a request to its platform, integrator and
capabilities. Every signed request makes this query, so it is one indexed lookup."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from facturahub.domain.registry import Capability, is_test_certificate, normalise_thumbprint
from facturahub.errors import PermissionDenied, SecurityError
from facturahub.services.certificates import find_by_issuer_serial
from facturahub.store.models import BlockedCertificate, Certificate, Integrator, Platform


@dataclass(frozen=True)
class CallerIdentity:
    certificate_id: int
    certificate_sha256: str
    certificate_der: bytes
    platform_id: int
    platform_code: str
    platform_name: str
    integrator_id: int
    integrator_nif: str
    capabilities: frozenset[Capability]

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


def identify_caller(
    session: Session,
    *,
    der: bytes | None = None,
    thumbprint: str | None = None,
    issuer: str | None = None,
    serial: int | str | None = None,
    capability: Capability | None = None,
    now: datetime | None = None,
    production: bool = False,
) -> CallerIdentity:
    """Resolve a caller, or raise a precise ``caller.*`` error (the SOAP layer maps them to 300 and
    the security codes). Exactly one way of naming the certificate must be given. In ``production``
    a test certificate may not call, registered or not; in every mode, neither may a certificate the
    operator has blocked (both FACe's 106)."""
    found = _find(session, der=der, thumbprint=thumbprint, issuer=issuer, serial=serial)
    if found is None:
        reference = (
            hashlib.sha256(der).hexdigest() if der is not None else thumbprint or f"{issuer} / {serial}"
        )
        raise SecurityError("caller.certificate_unknown", reference=reference)
    if found.blocked_at is not None:
        raise SecurityError(
            "caller.certificate_blocked",
            subject=found.subject,
            since=found.blocked_at.isoformat(timespec="seconds"),
            reason=found.blocked_reason,
        )
    moment = now or datetime.now(UTC)
    if moment < found.not_before:
        raise SecurityError("caller.certificate_not_yet_valid", not_before=found.not_before.isoformat())
    if moment > found.not_after:
        raise SecurityError("caller.certificate_expired", not_after=found.not_after.isoformat())
    if production and is_test_certificate(found.subject, found.issuer):
        raise SecurityError("caller.test_certificate", subject=found.subject, issuer=found.issuer)
    if found.platform_id is None:
        raise SecurityError("caller.certificate_unassigned", alias=found.alias)
    if found.deleted_at is not None:
        raise SecurityError("caller.platform_deleted", platform=found.platform_code)
    capabilities = frozenset(
        capability_
        for capability_, enabled in (
            (Capability.SENDING, found.can_send),
            (Capability.RECEPTION, found.can_receive),
            (Capability.CITIZEN_DELIVERY, found.can_deliver),
        )
        if enabled
    )
    if capability is not None and capability not in capabilities:
        raise PermissionDenied(
            "caller.capability_missing", platform=found.platform_code, capability=capability.value
        )
    return CallerIdentity(
        certificate_id=found.id,
        certificate_sha256=found.sha256,
        certificate_der=found.der,
        platform_id=found.platform_id,
        platform_code=found.platform_code,
        platform_name=found.platform_name,
        integrator_id=found.platform_integrator_id,
        integrator_nif=found.integrator_nif,
        capabilities=capabilities,
    )


# Every signed request runs this: one Core query (certificate, its platform, the platform's
# integrator and the operator's block, if any), no ORM identity map.
_CALLER = (
    select(
        Certificate.id,
        Certificate.sha256,
        Certificate.der,
        Certificate.alias,
        Certificate.subject,
        Certificate.issuer,
        Certificate.not_before,
        Certificate.not_after,
        Certificate.platform_id,
        Platform.code.label("platform_code"),
        Platform.name.label("platform_name"),
        Platform.integrator_id.label("platform_integrator_id"),
        Platform.deleted_at,
        Platform.can_send,
        Platform.can_receive,
        Platform.can_deliver,
        Integrator.nif.label("integrator_nif"),
        BlockedCertificate.blocked_at,
        BlockedCertificate.reason.label("blocked_reason"),
    )
    .select_from(Certificate)
    .outerjoin(Platform, Platform.id == Certificate.platform_id)
    .outerjoin(Integrator, Integrator.id == Platform.integrator_id)
    .outerjoin(BlockedCertificate, BlockedCertificate.sha256 == Certificate.sha256)
)
_BY_SHA256 = _CALLER.where(Certificate.sha256 == bindparam("value"))
_BY_SHA1 = _CALLER.where(Certificate.sha1 == bindparam("value"))
_BY_ID = _CALLER.where(Certificate.id == bindparam("value"))


def _find(
    session: Session,
    *,
    der: bytes | None,
    thumbprint: str | None,
    issuer: str | None,
    serial: int | str | None,
) -> Row[*tuple[Any, ...]] | None:
    given = sum(value is not None for value in (der, thumbprint)) + (issuer is not None or serial is not None)
    if given != 1 or ((issuer is None) != (serial is None)):
        raise ValueError("name the certificate by exactly one of: der, thumbprint, issuer + serial")
    value: str | int
    if der is not None:
        statement, value = _BY_SHA256, hashlib.sha256(der).hexdigest()
    elif thumbprint is not None:
        value = normalise_thumbprint(thumbprint)
        statement = _BY_SHA256 if len(value) == 64 else _BY_SHA1
    else:
        assert issuer is not None and serial is not None
        certificate = find_by_issuer_serial(session, issuer, serial)
        if certificate is None:
            return None
        statement, value = _BY_ID, certificate.id
    return session.connection().execute(statement, {"value": value}).first()
