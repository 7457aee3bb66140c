"""Messages of the SOAP transport (Spanish default, English), registered at import.

Each profile maps these keys to its own codes (FACe: :mod:`facturahub.soap.face_codes`).
"""

from facturahub.i18n import register_messages

MESSAGES: dict[str, dict[str, str]] = {
    "soap.request_too_large": {
        "es": "La petición ocupa más de {limit} bytes, el máximo admitido",
        "en": "The request is larger than {limit} bytes, the accepted maximum",
    },
    "soap.content_type": {
        "es": "Tipo de contenido no admitido: «{content_type}» (se espera text/xml, SOAP 1.1)",
        "en": "Content type not accepted: '{content_type}' (text/xml expected, SOAP 1.1)",
    },
    "soap.operation_unknown": {
        "es": "Operación desconocida en este servicio: {operation}",
        "en": "Unknown operation for this service: {operation}",
    },
    "soap.parameter_missing": {
        "es": "Falta el parámetro obligatorio {name} (o está vacío)",
        "en": "The mandatory parameter {name} is missing (or empty)",
    },
    "soap.base64_invalid": {
        "es": "El contenido de {name} no es base64 válido",
        "en": "The content of {name} is not valid base64",
    },
    "soap.internal_error": {
        "es": "Error interno del servicio; indique el código de seguimiento {tracking_id}",
        "en": "Internal service error; quote tracking code {tracking_id}",
    },
    "store.unavailable": {
        "es": "La base de datos del servicio no está disponible o no pudo guardar el cambio ({reason}): "
        "no se ha hecho nada, vuelva a intentarlo más tarde (código de seguimiento {tracking_id})",
        "en": "The service's database is unavailable or could not save the change ({reason}): nothing "
        "was done, try again later (tracking code {tracking_id})",
    },
}

register_messages(MESSAGES)
