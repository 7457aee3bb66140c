"""System notices that operators publish for integrators."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from facturahub.domain import registry as rules
from facturahub.errors import Conflict, InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services.actors import Actor, require_operator
from facturahub.store.models import Notice

SEVERITIES = ("info", "warning", "critical")


def publish_notice(
    session: Session,
    actor: Actor,
    title: str,
    body: str,
    *,
    severity: str = "info",
    expires_at: datetime | None = None,
) -> Notice:
    require_operator(actor)
    if severity not in SEVERITIES:
        raise InvalidInput("notice.severity_invalid", value=severity, allowed=", ".join(SEVERITIES))
    now = datetime.now(UTC)
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("notice.expiry_past", expires_at=expires_at.isoformat())
    notice = Notice(
        title=rules.require_text("title", title, max_length=200),
        body=rules.require_text("body", body, max_length=10000, multiline=True),
        severity=severity,
        published_at=now,
        published_by=actor.label,
        expires_at=expires_at,
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor,
        "notice.published",
        target=f"notice:{notice.id}",
        title=notice.title,
        severity=severity,
    )
    return notice


def withdraw_notice(session: Session, actor: Actor, notice_id: int) -> Notice:
    require_operator(actor)
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound("notice.not_found", id=notice_id)
    if notice.withdrawn_at is not None:
        raise Conflict("notice.already_withdrawn", id=notice_id)
    notice.withdrawn_at = datetime.now(UTC)
    audit.record(session, actor, "notice.withdrawn", target=f"notice:{notice.id}")
    return notice


def active_notices(session: Session, now: datetime | None = None) -> list[Notice]:
    moment = now or datetime.now(UTC)
    statement = (
        select(Notice)
        .where(Notice.withdrawn_at.is_(None), or_(Notice.expires_at.is_(None), Notice.expires_at > moment))
        .order_by(Notice.published_at.desc(), Notice.id.desc())
    )
    return list(session.scalars(statement))
