"""Texts of the notifications (Spanish default, English): the status-change e-mail sent to an
invoice's ``correo``, and the errors of the outbox and of the push configuration."""

from facturahub.i18n import register_messages

MESSAGES: dict[str, dict[str, str]] = {
    "mail.status.subject": {
        "es": "Factura {invoice}: nuevo estado {code} {name} (registro {registry_number})",
        "en": "Invoice {invoice}: new status {code} {name} (registry number {registry_number})",
    },
    "mail.status.invoice": {
        "es": "serie {series} número {number}",
        "en": "series {series} number {number}",
    },
    "mail.status.invoice_no_series": {
        "es": "número {number}",
        "en": "number {number}",
    },
    "mail.status.intro": {
        "es": "La factura {invoice}, con número de registro {registry_number}, ha cambiado de estado.",
        "en": "Invoice {invoice}, registry number {registry_number}, has a new status.",
    },
    "mail.status.new_status": {
        "es": "Nuevo estado ({flow}): {code} {name}",
        "en": "New status ({flow}): {code} {name}",
    },
    "mail.status.description": {
        "es": "Descripción: {description}",
        "en": "Description: {description}",
    },
    "mail.status.at": {
        "es": "Fecha del cambio: {at}",
        "en": "Date of the change: {at}",
    },
    "mail.status.reason": {
        "es": "Motivo o comentario: {reason}",
        "en": "Reason or comment: {reason}",
    },
    "mail.status.issuer": {
        "es": "Emisor: {issuer_name} ({issuer_tax_id}) · Importe: {total} {currency}",
        "en": "Issuer: {issuer_name} ({issuer_tax_id}) · Amount: {total} {currency}",
    },
    "mail.status.units": {
        "es": "Oficina contable {office} · Órgano gestor {managing_body} · Unidad tramitadora {processing_unit}",
        "en": "Accounting office {office} · Managing body {managing_body} · Processing unit {processing_unit}",
    },
    "mail.status.footer": {
        "es": "Mensaje automático de facturahub: no responda a este correo.",
        "en": "Automatic message from facturahub: please do not reply to this e-mail.",
    },
    "mail.flow.processing": {"es": "tramitación", "en": "processing"},
    "mail.flow.cancellation": {"es": "anulación", "en": "cancellation"},
    # the outbox (operators)
    "notify.not_found": {
        "es": "No existe la notificación {id}",
        "en": "There is no notification {id}",
    },
    "notify.not_failed": {
        "es": "La notificación {id} está en estado «{state}»: solo se reintentan las fallidas",
        "en": "Notification {id} is '{state}': only failed notifications can be retried",
    },
    "notify.state_unknown": {
        "es": "Estado desconocido «{state}» (válidos: {states})",
        "en": "Unknown state '{state}' (valid: {states})",
    },
    "notify.retry_target": {
        "es": "Indique un identificador de notificación o --all-failed (no ambos)",
        "en": "Give a notification id or --all-failed (not both)",
    },
    # push configuration (notificasspp2)
    "push.type_unknown": {
        "es": "codigo «{code}»: tipo de notificación no disponible (disponibles: {available})",
        "en": "codigo '{code}': notification type not available (available: {available})",
    },
    "push.state_invalid": {
        "es": "estado «{state}»: solo se admite ENABLED o DISABLED",
        "en": "estado '{state}': only ENABLED or DISABLED are accepted",
    },
    "push.url_required": {
        "es": "value: hay que indicar la dirección (URL) del servicio setEstadoFactura",
        "en": "value: the address (URL) of the setEstadoFactura service is required",
    },
    "push.url_invalid": {
        "es": "value «{url}»: no es una dirección http:// o https:// con servidor",
        "en": "value '{url}': not an http:// or https:// address with a host",
    },
    "push.url_character": {
        "es": "value «{url}»: la dirección lleva el carácter {character} (un espacio o un carácter de "
        "control), que una URL no admite sin codificar (%20…)",
        "en": "value '{url}': the address holds the character {character} (a space or a control "
        "character), which a URL only carries encoded (%20…)",
    },
    "push.url_credentials": {
        "es": "value: la dirección no puede llevar usuario ni contraseña (usuario:clave@): facturahub no "
        "los envía y no deben quedar en los registros; proteja el servicio de otro modo (https, firma "
        "del hub, red)",
        "en": "value: the address may not carry a user or password (user:password@): facturahub does "
        "not send them and they must not end up in logs; protect the service another way (https, the "
        "hub's signature, the network)",
    },
    "push.url_port_zero": {
        "es": "value «{url}»: el puerto 0 no existe; sin puerto, http:// usa el 80 y https:// el 443",
        "en": "value '{url}': there is no port 0; without a port, http:// uses 80 and https:// 443",
    },
    "push.url_host_invalid": {
        "es": "value «{url}»: «{host}» no es un nombre de servidor válido",
        "en": "value '{url}': '{host}' is not a valid host name",
    },
    "push.url_https_required": {
        "es": "value «{url}»: en producción la dirección debe ser https://",
        "en": "value '{url}': production requires an https:// address",
    },
    "push.url_too_long": {
        "es": "value: la dirección tiene {length} caracteres, el máximo es {limit}",
        "en": "value: the address has {length} characters, the maximum is {limit}",
    },
    "push.not_configured": {
        "es": "No tiene configurado el tipo de notificación {code}",
        "en": "Notification type {code} is not configured",
    },
}

register_messages(MESSAGES)
