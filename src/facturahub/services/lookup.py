"""Who is calling: from the certificate that signed a request to its platform, integrator and
capabilities. Every signed request makes this query, so it is one indexed lookup."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from facturahub.domain.registry import Capability
from facturahub.errors import PermissionDenied, SecurityError
from facturahub.services.certificates import find_by_issuer_serial, normalise_thumbprint
from facturahub.store.models import Certificate, Platform


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
) -> CallerIdentity:
    """Resolve a caller, or raise a precise ``caller.*`` error (the SOAP layer maps them to 300 and
    the security codes). Exactly one way of naming the certificate must be given."""
    certificate = _find(session, der=der, thumbprint=thumbprint, issuer=issuer, serial=serial)
    if certificate is None:
        reference = (
            hashlib.sha256(der).hexdigest() if der is not None else thumbprint or f"{issuer} / {serial}"
        )
        raise SecurityError("caller.certificate_unknown", reference=reference)
    moment = now or datetime.now(UTC)
    if moment < certificate.not_before:
        raise SecurityError("caller.certificate_not_yet_valid", not_before=certificate.not_before.isoformat())
    if moment > certificate.not_after:
        raise SecurityError("caller.certificate_expired", not_after=certificate.not_after.isoformat())
    platform = certificate.platform
    if platform is None:
        raise SecurityError("caller.certificate_unassigned", alias=certificate.alias)
    if platform.deleted_at is not None:
        raise SecurityError("caller.platform_deleted", platform=platform.code)
    capabilities = frozenset(
        capability_
        for capability_, enabled in (
            (Capability.SENDING, platform.can_send),
            (Capability.RECEPTION, platform.can_receive),
            (Capability.CITIZEN_DELIVERY, platform.can_deliver),
        )
        if enabled
    )
    if capability is not None and capability not in capabilities:
        raise PermissionDenied(
            "caller.capability_missing", platform=platform.code, capability=capability.value
        )
    return CallerIdentity(
        certificate_id=certificate.id,
        certificate_sha256=certificate.sha256,
        certificate_der=certificate.der,
        platform_id=platform.id,
        platform_code=platform.code,
        platform_name=platform.name,
        integrator_id=platform.integrator_id,
        integrator_nif=platform.integrator.nif,
        capabilities=capabilities,
    )


def _find(
    session: Session,
    *,
    der: bytes | None,
    thumbprint: str | None,
    issuer: str | None,
    serial: int | str | None,
) -> Certificate | None:
    given = sum(value is not None for value in (der, thumbprint)) + (issuer is not None or serial is not None)
    if given != 1 or ((issuer is None) != (serial is None)):
        raise ValueError("name the certificate by exactly one of: der, thumbprint, issuer + serial")
    options = (joinedload(Certificate.platform).joinedload(Platform.integrator),)
    if der is not None:
        digest = hashlib.sha256(der).hexdigest()
        return session.scalar(select(Certificate).options(*options).where(Certificate.sha256 == digest))
    if thumbprint is not None:
        text = normalise_thumbprint(thumbprint)
        column = Certificate.sha256 if len(text) == 64 else Certificate.sha1
        return session.scalar(select(Certificate).options(*options).where(column == text))
    assert issuer is not None and serial is not None
    return find_by_issuer_serial(session, issuer, serial)
