"""Push configuration of a supplier platform (FACe ``notificasspp2``: ``getNotificacionTipo``,
``setNotificacion``, ``getNotificacion``; protocols.md §7).

facturahub calls the supplier's ``setEstadoFactura`` as RPC/literal SOAP, so the one notification
type it offers is FACe's ``3`` (WS Interfaz RPC-Literal); FACe's ``2`` (RPC-Encoded) is not offered
and is refused like any unknown type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.errors import InvalidInput, NotFound
from facturahub.services import audit
from facturahub.services import notification_messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.services.actors import Actor
from facturahub.services.destinations import DestinationPolicy, a_label, host_and_port
from facturahub.services.lookup import CallerIdentity
from facturahub.services.notifications import forget_push_endpoints
from facturahub.store.models import PushEndpoint

ENABLED = "ENABLED"
DISABLED = "DISABLED"
MAX_URL = 500


@dataclass(frozen=True)
class NotificationType:
    code: str
    name: str
    description: str


RPC_LITERAL = NotificationType(
    "3", "WS Interfaz RPC-Literal", "Notificacion por web service a interfaz en rpc-literal"
)
TYPES: dict[str, NotificationType] = {RPC_LITERAL.code: RPC_LITERAL}


@dataclass(frozen=True)
class PushSetting:
    code: str
    name: str
    state: str  # ENABLED / DISABLED
    value: str


def notification_types() -> list[NotificationType]:
    return list(TYPES.values())


def _type(code: str | None) -> NotificationType:
    found = TYPES.get((code or "").strip())
    if found is None:
        raise InvalidInput("push.type_unknown", code=code or "", available=", ".join(TYPES))
    return found


def set_notification(
    session: Session,
    caller: CallerIdentity,
    code: str | None,
    state: str | None,
    value: str | None,
    *,
    now: datetime,
    production: bool,
) -> PushSetting:
    """Create or update the caller platform's configuration of ``code``; returns what is stored.
    The caller applies :func:`check_destination` first, outside its transaction (it resolves
    names); every delivery applies the rule again."""
    kind = _type(code)
    wanted = (state or "").strip().upper()
    if wanted not in (ENABLED, DISABLED):
        raise InvalidInput("push.state_invalid", state=state or "")
    url = (value or "").strip()
    row = session.scalar(
        select(PushEndpoint).where(
            PushEndpoint.platform_id == caller.platform_id, PushEndpoint.type_code == kind.code
        )
    )
    if url:
        check_url(url, production=production)
    elif wanted == ENABLED or row is None:
        raise InvalidInput("push.url_required")
    if row is None:
        row = PushEndpoint(platform_id=caller.platform_id, type_code=kind.code)
        session.add(row)
    row.enabled = wanted == ENABLED
    row.url = url or row.url
    row.updated_at = now
    session.flush()
    forget_push_endpoints(session)
    audit.record(
        session,
        Actor(label=f"platform:{caller.platform_code}", on_behalf_of_id=caller.integrator_id),
        "push.configured",
        target=f"platform:{caller.platform_code}",
        code=kind.code,
        state=wanted,
        url=row.url,
    )
    return _setting(kind, row)


def get_notification(session: Session, caller: CallerIdentity, code: str | None) -> PushSetting:
    kind = _type(code)
    row = session.scalar(
        select(PushEndpoint).where(
            PushEndpoint.platform_id == caller.platform_id, PushEndpoint.type_code == kind.code
        )
    )
    if row is None:
        raise NotFound("push.not_configured", code=kind.code)
    return _setting(kind, row)


def check_url(url: str, *, production: bool) -> None:
    """Length, characters, scheme, host and port; https in production. What is stored is what is
    called: nothing ``urlsplit`` would drop silently (a tab, a line break) or the HTTP client would
    refuse at every attempt (a space, a control character, port 0), and no credentials, which the
    hub would neither send nor keep out of its logs."""
    if len(url) > MAX_URL:
        raise InvalidInput("push.url_too_long", length=len(url), limit=MAX_URL)
    unusable = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if unusable is not None:
        raise InvalidInput(
            "push.url_character",
            url=url.encode("unicode_escape").decode(),
            character=f"U+{ord(unusable):04X}",
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # a port that is not a number raises here; so does "[::1" or "ho℀st"
    except ValueError:
        raise InvalidInput("push.url_invalid", url=url) from None
    if "@" in parts.netloc:
        raise InvalidInput("push.url_credentials")  # not echoed: it may hold a password
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("push.url_invalid", url=url)
    if port == 0:
        raise InvalidInput("push.url_port_zero", url=url)
    try:
        a_label(parts.hostname)
    except ValueError:
        raise InvalidInput("push.url_host_invalid", url=url, host=parts.hostname) from None
    if production and parts.scheme != "https":
        raise InvalidInput("push.url_https_required", url=url)


def check_destination(url: str, destinations: DestinationPolicy) -> None:
    """The destination rule (services/destinations.py) for a URL :func:`check_url` accepted: a
    literal address, or a name that now resolves only to addresses the hub may not call, is
    refused. Resolving a name may take a while: call it outside any transaction."""
    destinations.screen(*host_and_port(url))


def _setting(kind: NotificationType, row: PushEndpoint) -> PushSetting:
    return PushSetting(kind.code, kind.name, ENABLED if row.enabled else DISABLED, row.url)
