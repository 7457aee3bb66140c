"""Users, integrators and their delegates (authorised users)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain import registry as rules
from facturahub.domain.registry import Role
from facturahub.domain.tax_ids import normalise_nif
from facturahub.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from facturahub.services import audit
from facturahub.services.actors import Actor, require_administrator, require_integrator
from facturahub.store.models import AuditEvent, Delegation, Integrator, User


@dataclass(frozen=True)
class UserData:
    nif: str
    name: str
    email: str
    first_surname: str | None = None
    second_surname: str | None = None
    phone: str | None = None
    language: str = "es"


def _clean_user(data: UserData) -> dict[str, str | None]:
    return {
        "nif": normalise_nif(data.nif),
        "name": rules.require_text("name", data.name, max_length=120),
        "first_surname": rules.optional_text("first_surname", data.first_surname, max_length=120),
        "second_surname": rules.optional_text("second_surname", data.second_surname, max_length=120),
        "email": rules.normalise_email(data.email),
        "phone": rules.normalise_phone(data.phone),
        "language": rules.normalise_language(data.language),
    }


def create_user(session: Session, actor: Actor, data: UserData) -> User:
    values = _clean_user(data)
    if session.scalar(select(User.id).where(User.nif == values["nif"])) is not None:
        raise Conflict("user.already_exists", nif=values["nif"])
    user = User(**values)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", target=f"user:{user.nif}", nif=user.nif)
    return user


def get_user(session: Session, nif: str) -> User:
    clean = normalise_nif(nif)
    user = session.scalar(select(User).where(User.nif == clean))
    if user is None:
        raise NotFound("user.not_found", nif=clean)
    return user


def update_user(session: Session, actor: Actor, nif: str, **changes: str | None) -> User:
    user = get_user(session, nif)
    if not actor.is_operator and actor.user_id != user.id:
        raise PermissionDenied("user.only_self")
    current = UserData(
        nif=user.nif,
        name=user.name,
        email=user.email,
        first_surname=user.first_surname,
        second_surname=user.second_surname,
        phone=user.phone,
        language=user.language,
    )
    unknown = set(changes) - set(UserData.__dataclass_fields__) | ({"nif"} & set(changes))
    if unknown:
        raise InvalidInput("user.unknown_fields", fields=", ".join(sorted(unknown)))
    merged = UserData(**{**current.__dict__, **{k: v for k, v in changes.items() if v is not None}})
    values = _clean_user(merged)
    for key, value in values.items():
        setattr(user, key, value)
    audit.record(session, actor, "user.updated", target=f"user:{user.nif}", fields=sorted(changes))
    return user


@dataclass(frozen=True)
class IntegratorData:
    nif: str
    legal_name: str
    main_email: str
    commercial_id: str | None = None
    third_party_services: bool = False


def register_integrator(
    session: Session,
    actor: Actor,
    data: IntegratorData,
    *,
    accepted_by_nif: str,
    accepted_terms: bool,
    certificate_sha256: str | None = None,
    now: datetime | None = None,
) -> Integrator:
    """Register an integrator: the accepting user signs the terms and becomes its administrator."""
    if not accepted_terms:
        raise InvalidInput("integrator.terms_not_accepted")
    nif = normalise_nif(data.nif)
    accepting_user = get_user(session, accepted_by_nif)
    if not actor.is_operator and actor.user_id != accepting_user.id:
        raise PermissionDenied("integrator.accept_only_self")
    if session.scalar(select(Integrator.id).where(Integrator.nif == nif)) is not None:
        raise Conflict("integrator.already_exists", nif=nif)
    if certificate_sha256 is not None:
        try:
            certificate_sha256 = rules.normalise_thumbprint(certificate_sha256, lengths=(64,))
        except InvalidInput:
            raise InvalidInput("integrator.terms_certificate_invalid", value=certificate_sha256) from None
    integrator = Integrator(
        nif=nif,
        legal_name=rules.require_text("legal_name", data.legal_name, max_length=250),
        commercial_id=rules.optional_text("commercial_id", data.commercial_id, max_length=250),
        main_email=rules.normalise_email(data.main_email, "main_email"),
        third_party_services=data.third_party_services,
        terms_accepted_at=now or datetime.now(UTC),
        terms_accepted_by_id=accepting_user.id,
        terms_certificate_sha256=certificate_sha256,
    )
    session.add(integrator)
    session.flush()
    session.add(Delegation(integrator_id=integrator.id, user_id=accepting_user.id, role=Role.ADMINISTRATOR))
    audit.record(
        session,
        actor,
        "integrator.registered",
        target=f"integrator:{nif}",
        integrator_id=integrator.id,
        accepted_by=accepting_user.nif,
        third_party_services=data.third_party_services,
        certificate_sha256=certificate_sha256,
    )
    return integrator


def get_integrator(session: Session, nif: str) -> Integrator:
    clean = normalise_nif(nif)
    integrator = session.scalar(select(Integrator).where(Integrator.nif == clean))
    if integrator is None:
        raise NotFound("integrator.not_found", nif=clean)
    return integrator


def list_integrators(session: Session) -> list[Integrator]:
    return list(session.scalars(select(Integrator).order_by(Integrator.nif)))


def update_integrator_profile(
    session: Session,
    actor: Actor,
    nif: str,
    *,
    commercial_id: str | None = None,
    main_email: str | None = None,
    third_party_services: bool | None = None,
    legal_name: str | None = None,
) -> Integrator:
    integrator = get_integrator(session, nif)
    require_integrator(actor, integrator.id)
    changed: list[str] = []
    if legal_name is not None:
        integrator.legal_name = rules.require_text("legal_name", legal_name, max_length=250)
        changed.append("legal_name")
    if commercial_id is not None:
        integrator.commercial_id = rules.optional_text("commercial_id", commercial_id, max_length=250)
        changed.append("commercial_id")
    if main_email is not None:
        integrator.main_email = rules.normalise_email(main_email, "main_email")
        changed.append("main_email")
    if third_party_services is not None:
        integrator.third_party_services = third_party_services
        changed.append("third_party_services")
    audit.record(
        session,
        actor,
        "integrator.updated",
        target=f"integrator:{integrator.nif}",
        integrator_id=integrator.id,
        fields=changed,
    )
    return integrator


def notification_addresses(integrator: Integrator) -> list[str]:
    return [e for e in (integrator.notification_email_primary, integrator.notification_email_secondary) if e]


def set_notification_settings(
    session: Session,
    actor: Actor,
    nif: str,
    *,
    emails: list[str] | None = None,
    system_notices: bool | None = None,
) -> Integrator:
    """Change what is given: the notification addresses (``[]`` clears them), whether system
    notices are received; ``None`` keeps the current value."""
    integrator = get_integrator(session, nif)
    require_integrator(actor, integrator.id)
    if emails is not None:
        primary, secondary = rules.notification_emails(emails)
        integrator.notification_email_primary = primary
        integrator.notification_email_secondary = secondary
    if system_notices is not None:
        integrator.system_notices = system_notices
    audit.record(
        session,
        actor,
        "integrator.notifications_updated",
        target=f"integrator:{integrator.nif}",
        integrator_id=integrator.id,
        emails=notification_addresses(integrator),
        system_notices=integrator.system_notices,
    )
    return integrator


def add_delegate(
    session: Session,
    actor: Actor,
    integrator_nif: str,
    user_nif: str,
    *,
    new_user: UserData | None = None,
    role: Role = Role.DELEGATE,
) -> Delegation:
    """Authorise a user by NIF; when the user does not exist, ``new_user`` creates it first."""
    integrator = get_integrator(session, integrator_nif)
    require_administrator(actor, integrator.id)
    nif = normalise_nif(user_nif)
    user = session.scalar(select(User).where(User.nif == nif))
    if user is None:
        if new_user is None:
            raise NotFound("delegate.user_unknown", nif=nif)
        if normalise_nif(new_user.nif) != nif:
            raise InvalidInput("delegate.nif_mismatch", nif=nif, other=new_user.nif)
        user = create_user(session, actor, new_user)
    existing = session.scalar(
        select(Delegation).where(Delegation.integrator_id == integrator.id, Delegation.user_id == user.id)
    )
    if existing is not None:
        raise Conflict("delegate.already_authorised", nif=nif, role=existing.role)
    delegation = Delegation(integrator_id=integrator.id, user_id=user.id, role=role)
    session.add(delegation)
    session.flush()
    audit.record(
        session, actor, "delegate.added", target=f"user:{nif}", integrator_id=integrator.id, role=role.value
    )
    return delegation


def list_delegates(session: Session, actor: Actor, integrator_nif: str) -> list[Delegation]:
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    statement = (
        select(Delegation)
        .join(User)
        .where(Delegation.integrator_id == integrator.id)
        .order_by(Delegation.role, User.name, User.nif)
    )
    return list(session.scalars(statement))


def remove_delegate(session: Session, actor: Actor, integrator_nif: str, user_nif: str) -> None:
    integrator = get_integrator(session, integrator_nif)
    require_administrator(actor, integrator.id)
    nif = normalise_nif(user_nif)
    delegation = session.scalar(
        select(Delegation).join(User).where(Delegation.integrator_id == integrator.id, User.nif == nif)
    )
    if delegation is None:
        raise NotFound("delegate.not_found", nif=nif, integrator=integrator.nif)
    if delegation.role == Role.ADMINISTRATOR:
        administrators = session.scalars(
            select(Delegation.id).where(
                Delegation.integrator_id == integrator.id, Delegation.role == Role.ADMINISTRATOR
            )
        ).all()
        if len(administrators) <= 1:
            raise Conflict("delegate.last_administrator", nif=nif)
    session.delete(delegation)
    audit.record(session, actor, "delegate.removed", target=f"user:{nif}", integrator_id=integrator.id)


def integrator_activity(
    session: Session, actor: Actor, integrator_nif: str, limit: int = 20
) -> list[AuditEvent]:
    """The latest actions done for an integrator (the portal's "últimas acciones")."""
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    return audit.latest_actions(session, integrator.id, limit)
