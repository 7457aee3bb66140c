"""The suppliers' push-notification configuration service, FACe profile —
``POST /face/notificasspp2`` (protocols.md §7, ``servicio-web-notificasspp.txt`` §4).

FACe publishes it as its own service beside ``facturasspp2`` (same namespace, same signed-SOAP
rules, same supplier certificates), so facturahub does too. The configured endpoint is where the
worker calls the supplier's ``setEstadoFactura`` on every status change of the platform's invoices.

Result codes: this service's own ``318`` (Valor incorrecto %extra%) and ``319`` (No tiene
configurado este tipo de notificación); security and envelope faults as in FACe's suppliers'
service (:mod:`facturahub.soap.face_codes`). The mapping is in :class:`NotificationErrors`, the one
place for this profile.
"""

from __future__ import annotations

from lxml import etree

from facturahub.domain.registry import Capability
from facturahub.errors import FacturahubError
from facturahub.services import push_config
from facturahub.services.destinations import REFUSED_KINDS, DestinationPolicy
from facturahub.soap import envelope as env
from facturahub.soap import face_codes
from facturahub.soap.face_suppliers import face_policy
from facturahub.soap.profile import Call, Handler, Outcome, Preparation, Profile, Result
from facturahub.soap.wsdl.notificasspp2 import NAMESPACE, notificasspp2_wsdl

PATH = "/face/notificasspp2"

TEXTS = {
    "318": "Valor incorrecto %extra%",
    "319": "No tiene configurado este tipo de notificación",
}
_RESULT_CODES = {
    "push.type_unknown": "318",
    "push.state_invalid": "318",
    "push.url_required": "318",
    "push.url_invalid": "318",
    "push.url_https_required": "318",
    "push.url_too_long": "318",
    "push.url_character": "318",
    "push.url_credentials": "318",
    "push.url_port_zero": "318",
    "push.url_host_invalid": "318",
    **{f"destination.{kind}": "318" for kind in REFUSED_KINDS},  # a non-public endpoint address
    "push.not_configured": "319",
}


def _holder(name: str) -> etree._Element:
    return etree.Element(name, nsmap=None)


def _notificacion(setting: push_config.PushSetting) -> etree._Element:
    holder = _holder("notificacion")
    env.element(holder, "codigo", setting.code)
    env.element(holder, "nombre", setting.name)
    env.element(holder, "estado", setting.state)
    env.element(holder, "value", setting.value)
    return holder


def get_notificacion_tipo(call: Call, operation: etree._Element) -> Outcome:
    holder = _holder("notificacionTipo")
    for kind in push_config.notification_types():
        item = env.element(holder, "notificacionTipoInfo")
        env.element(item, "codigo", kind.code)
        env.element(item, "nombre", kind.name)
        env.element(item, "descripcion", kind.description)
    return Outcome([holder])


def set_notificacion(call: Call, operation: etree._Element) -> Outcome:
    request = env.child(operation, "notificacion")
    setting = push_config.set_notification(
        call.session,
        call.caller,
        env.text(request, "codigo"),
        env.text(request, "estado"),
        env.text(request, "value"),
        now=call.now,
        production=call.settings.is_production,
    )  # the destination rule: prepare_set_notificacion, before the transaction
    return Outcome([_notificacion(setting)])


def prepare_set_notificacion(preparation: Preparation, operation: etree._Element) -> None:
    """Before the write transaction (no lock held while a name resolves): the URL's checks and the
    destination rule; a refusal is answered 318 by the write phase."""
    url = (env.text(env.child(operation, "notificacion"), "value") or "").strip()
    if url:
        push_config.check_url(url, production=preparation.settings.is_production)
        push_config.check_destination(url, DestinationPolicy.from_settings(preparation.settings))


def get_notificacion(call: Call, operation: etree._Element) -> Outcome:
    request = env.child(operation, "notificacion")
    setting = push_config.get_notification(call.session, call.caller, env.text(request, "codigo"))
    return Outcome([_notificacion(setting)])


class NotificationErrors:
    """318/319 for this service's own errors; FACe's suppliers' codes for everything else."""

    def fault(self, error: FacturahubError, language: str | None) -> Result:
        found = face_codes.fault_result(error, language)
        return Result(found.code, found.description)

    def business(self, error: FacturahubError, language: str | None) -> Result:
        code = _RESULT_CODES.get(error.key)
        if code is None:
            found = face_codes.business_result(error, language)
            return Result(found.code, found.description)
        text = TEXTS[code]
        message = error.message(language)
        if "%extra%" in text:
            return Result(code, text.replace("%extra%", f"({message})"))
        return Result(code, f"{text}: {message}")

    def is_fault(self, error: FacturahubError) -> bool:
        return face_codes.is_security_fault(error)

    def success(self) -> Result:
        return Result(face_codes.OK_CODE, face_codes.OK_TEXT)


OPERATIONS: dict[str, Handler] = {
    "getNotificacionTipo": get_notificacion_tipo,
    "setNotificacion": set_notificacion,
    "getNotificacion": get_notificacion,
}

FACE_NOTIFICATIONS = Profile(
    name="face-notifications",
    queries=frozenset({"getNotificacionTipo", "getNotificacion"}),
    path=PATH,
    namespace=NAMESPACE,
    capability=Capability.SENDING,
    operations=OPERATIONS,
    errors=NotificationErrors(),
    wsdl=notificasspp2_wsdl,
    policy=face_policy,
    preparers={"setNotificacion": prepare_set_notificacion},
)
