"""The activity log: every registry change writes one row (who, on behalf of whom, what, when)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.services.actors import Actor
from facturahub.store.models import AuditEvent


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    integrator_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    event = AuditEvent(
        actor=actor.label,
        actor_user_id=actor.user_id,
        on_behalf_of_id=integrator_id if integrator_id is not None else actor.on_behalf_of_id,
        action=action,
        target=target,
        data={key: _jsonable(value) for key, value in data.items()},
    )
    session.add(event)
    return event


def latest_actions(session: Session, integrator_id: int, limit: int = 20) -> list[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.on_behalf_of_id == integrator_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)
