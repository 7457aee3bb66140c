"""Platforms: the systems that call the hub, with their capabilities, certificates and (for
reception platforms) the accounting offices whose invoices they collect."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain import registry as rules
from facturahub.domain.registry import Capabilities, UnitAssociationStatus
from facturahub.errors import Conflict, InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services.actors import Actor, require_integrator, require_operator
from facturahub.services.certificates import get_certificate
from facturahub.services.people import get_integrator
from facturahub.store.models import Certificate, Platform, PlatformUnit, Unit


def create_platform(
    session: Session,
    actor: Actor,
    integrator_nif: str,
    name: str,
    capabilities: Capabilities,
    *,
    instance_id: str | None = None,
    certificates: list[str] | None = None,
) -> Platform:
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    clean_name = rules.require_text("name", name, max_length=120)
    clean_instance = None
    if capabilities.citizen_delivery:
        if not instance_id:
            raise InvalidInput("platform.instance_id_required")
        clean_instance = rules.normalise_instance_id(instance_id)
        if session.scalar(select(Platform.id).where(Platform.fsp_instance_id == clean_instance)):
            raise Conflict("platform.instance_id_taken", instance_id=clean_instance)
    elif instance_id:
        raise InvalidInput("platform.instance_id_without_delivery")
    platform = Platform(
        code=secrets.token_hex(7)[:13],
        integrator_id=integrator.id,
        name=clean_name,
        can_send=capabilities.sending,
        can_receive=capabilities.reception,
        can_deliver=capabilities.citizen_delivery,
        fsp_instance_id=clean_instance,
    )
    session.add(platform)
    session.flush()
    audit.record(
        session,
        actor,
        "platform.created",
        target=f"platform:{platform.code}",
        integrator_id=integrator.id,
        name=clean_name,
        capabilities=capabilities.names(),
        instance_id=clean_instance,
    )
    for reference in certificates or []:
        assign_certificate(session, actor, platform.code, reference)
    return platform


def get_platform(session: Session, actor: Actor, code: str, *, include_deleted: bool = False) -> Platform:
    platform = session.scalar(select(Platform).where(Platform.code == code.strip()))
    if platform is None:
        raise NotFound("platform.not_found", code=code)
    require_integrator(actor, platform.integrator_id)
    if platform.deleted_at is not None and not include_deleted:  # its own integrator may know why
        deleted_on = platform.deleted_at.date().isoformat()
        raise NotFound("platform.was_deleted", code=platform.code, deleted_on=deleted_on)
    return platform


def list_platforms(
    session: Session, actor: Actor, integrator_nif: str, *, include_deleted: bool = False
) -> list[Platform]:
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    statement = select(Platform).where(Platform.integrator_id == integrator.id)
    if not include_deleted:
        statement = statement.where(Platform.deleted_at.is_(None))
    return list(session.scalars(statement.order_by(Platform.created_at, Platform.id)))


def rename_platform(session: Session, actor: Actor, code: str, name: str) -> Platform:
    platform = get_platform(session, actor, code)
    old = platform.name
    platform.name = rules.require_text("name", name, max_length=120)
    audit.record(
        session,
        actor,
        "platform.renamed",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        old=old,
        new=platform.name,
    )
    return platform


def delete_platform(session: Session, actor: Actor, code: str, *, now: datetime | None = None) -> Platform:
    """Delete a platform: its certificates become unassigned, its associations are revoked, and
    the platform row stays (deleted) so that its history remains readable."""
    platform = get_platform(session, actor, code)
    moment = now or datetime.now(UTC)
    released = []
    for certificate in list(platform.certificates):
        certificate.platform = None
        released.append(certificate.sha256)
    for association in session.scalars(select(PlatformUnit).where(PlatformUnit.platform_id == platform.id)):
        if association.status in (UnitAssociationStatus.PENDING, UnitAssociationStatus.APPROVED):
            association.status = UnitAssociationStatus.REVOKED
            association.decided_at = moment
            association.decided_by = actor.label
    platform.deleted_at = moment
    audit.record(
        session,
        actor,
        "platform.deleted",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        released_certificates=released,
    )
    return platform


def assign_certificate(session: Session, actor: Actor, code: str, reference: str) -> Certificate:
    platform = get_platform(session, actor, code)
    certificate = get_certificate(session, actor, reference, platform.integrator)
    if certificate.platform_id is not None:
        holder = session.get(Platform, certificate.platform_id)
        raise Conflict("certificate.in_use", alias=certificate.alias, platform=holder.code if holder else "?")
    certificate.platform = platform
    session.flush()
    audit.record(
        session,
        actor,
        "platform.certificate_assigned",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        certificate=certificate.sha256,
    )
    return certificate


def unassign_certificate(session: Session, actor: Actor, code: str, reference: str) -> Certificate:
    platform = get_platform(session, actor, code)
    certificate = get_certificate(session, actor, reference, platform.integrator)
    if certificate.platform_id != platform.id:
        raise Conflict("certificate.not_on_platform", alias=certificate.alias, platform=platform.code)
    certificate.platform = None
    session.flush()
    audit.record(
        session,
        actor,
        "platform.certificate_unassigned",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        certificate=certificate.sha256,
    )
    return certificate


def swap_certificate(session: Session, actor: Actor, code: str, old: str, new: str) -> Certificate:
    """Replace one of the platform's certificates by an unassigned one, in one transaction."""
    platform = get_platform(session, actor, code)
    incoming = get_certificate(session, actor, new, platform.integrator)
    if incoming.platform_id is not None:
        holder = session.get(Platform, incoming.platform_id)
        raise Conflict("certificate.in_use", alias=incoming.alias, platform=holder.code if holder else "?")
    unassign_certificate(session, actor, code, old)
    return assign_certificate(session, actor, code, new)


def request_unit(session: Session, actor: Actor, code: str, office_code: str) -> PlatformUnit:
    """Ask for a reception platform to collect an accounting office's invoices (pending approval)."""
    platform = get_platform(session, actor, code)
    if not platform.can_receive:
        raise InvalidInput("platform.not_reception", platform=platform.code)
    office = office_code.strip().upper()
    unit = session.get(Unit, office)
    if unit is None or not unit.active:
        raise NotFound("directory.office_unknown", code=office)
    if not unit.is_accounting_office:
        raise InvalidInput("platform.unit_not_office", code=office)
    existing = session.scalar(
        select(PlatformUnit).where(
            PlatformUnit.platform_id == platform.id, PlatformUnit.office_code == office
        )
    )
    if existing is not None and existing.status in (
        UnitAssociationStatus.PENDING,
        UnitAssociationStatus.APPROVED,
    ):
        raise Conflict("platform.unit_already", code=office, status=existing.status)
    if existing is None:
        existing = PlatformUnit(
            platform_id=platform.id, office_code=office, status=UnitAssociationStatus.PENDING
        )
        session.add(existing)
    else:
        existing.status = UnitAssociationStatus.PENDING
        existing.requested_at = datetime.now(UTC)
        existing.decided_at = None
        existing.decided_by = None
    session.flush()
    audit.record(
        session,
        actor,
        "platform.unit_requested",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        office=office,
    )
    return existing


def decide_unit(
    session: Session, actor: Actor, code: str, office_code: str, *, approve: bool
) -> PlatformUnit:
    """An operator approves (makes effective) or rejects a pending association."""
    require_operator(actor)
    platform = get_platform(session, actor, code)
    office = office_code.strip().upper()
    association = session.scalar(
        select(PlatformUnit).where(
            PlatformUnit.platform_id == platform.id, PlatformUnit.office_code == office
        )
    )
    if association is None:
        raise NotFound("platform.unit_not_requested", code=office, platform=platform.code)
    if association.status != UnitAssociationStatus.PENDING:
        raise Conflict("platform.unit_not_pending", code=office, status=association.status)
    association.status = UnitAssociationStatus.APPROVED if approve else UnitAssociationStatus.REJECTED
    association.decided_at = datetime.now(UTC)
    association.decided_by = actor.label
    audit.record(
        session,
        actor,
        "platform.unit_approved" if approve else "platform.unit_rejected",
        target=f"platform:{platform.code}",
        integrator_id=platform.integrator_id,
        office=office,
    )
    return association


def list_units(session: Session, actor: Actor, code: str) -> list[PlatformUnit]:
    platform = get_platform(session, actor, code, include_deleted=True)
    statement = select(PlatformUnit).where(PlatformUnit.platform_id == platform.id)
    return list(session.scalars(statement.order_by(PlatformUnit.office_code)))


def approved_offices(session: Session, platform_id: int) -> list[str]:
    """The accounting offices whose invoices this platform may see (approved associations only)."""
    statement = select(PlatformUnit.office_code).where(
        PlatformUnit.platform_id == platform_id, PlatformUnit.status == UnitAssociationStatus.APPROVED
    )
    return list(session.scalars(statement.order_by(PlatformUnit.office_code)))


def pending_associations(session: Session, actor: Actor) -> list[PlatformUnit]:
    require_operator(actor)
    statement = select(PlatformUnit).where(PlatformUnit.status == UnitAssociationStatus.PENDING)
    return list(session.scalars(statement.order_by(PlatformUnit.requested_at)))
