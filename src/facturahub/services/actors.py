"""Who is acting, and on whose behalf. Every registry change records both.

An *operator* runs the hub (CLI, back office) and may act on anything. A *user* acts as themselves
or on behalf of an integrator that authorised them (as administrator or delegate).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain.registry import Role
from facturahub.domain.tax_ids import normalise_nif
from facturahub.errors import NotFound, PermissionDenied
from facturahub.store.models import Delegation, Integrator, User


@dataclass(frozen=True)
class Actor:
    label: str
    is_operator: bool = False
    user_id: int | None = None
    on_behalf_of_id: int | None = None
    role: Role | None = None

    @classmethod
    def operator(cls, name: str = "operator") -> Actor:
        return cls(label=f"operator:{name}", is_operator=True)

    @classmethod
    def system(cls) -> Actor:
        return cls(label="system", is_operator=True)


def act_as(session: Session, user_nif: str, integrator_nif: str | None = None) -> Actor:
    """The actor for a user, acting as themselves or on behalf of ``integrator_nif``."""
    nif = normalise_nif(user_nif)
    user = session.scalar(select(User).where(User.nif == nif))
    if user is None:
        raise NotFound("user.not_found", nif=nif)
    target_nif = normalise_nif(integrator_nif) if integrator_nif else nif
    integrator = session.scalar(select(Integrator).where(Integrator.nif == target_nif))
    if integrator is None:
        if integrator_nif:
            raise NotFound("integrator.not_found", nif=target_nif)
        return Actor(label=f"user:{nif}", user_id=user.id)
    delegation = session.scalar(
        select(Delegation).where(Delegation.integrator_id == integrator.id, Delegation.user_id == user.id)
    )
    if delegation is None:
        if integrator_nif:
            raise PermissionDenied("actor.not_authorised", user=nif, integrator=integrator.nif)
        return Actor(label=f"user:{nif}", user_id=user.id)
    return Actor(
        label=f"user:{nif}", user_id=user.id, on_behalf_of_id=integrator.id, role=Role(delegation.role)
    )


def require_integrator(actor: Actor, integrator_id: int) -> None:
    """The actor may act on this integrator's registry entries."""
    if actor.is_operator:
        return
    if actor.on_behalf_of_id != integrator_id:
        raise PermissionDenied("actor.not_for_integrator")


def require_administrator(actor: Actor, integrator_id: int) -> None:
    require_integrator(actor, integrator_id)
    if not actor.is_operator and actor.role is not Role.ADMINISTRATOR:
        raise PermissionDenied("actor.not_administrator")


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise PermissionDenied("actor.not_operator")
