"""Messages of the signatures package (Spanish default, English)."""

from facturahub.i18n import register_messages

MESSAGES = {
    "xml.doctype_forbidden": {
        "es": "El XML contiene una declaración DOCTYPE, que no se admite",
        "en": "The XML contains a DOCTYPE declaration, which is not accepted",
    },
    "xml.entity_forbidden": {
        "es": "El XML contiene referencias a entidades, que no se admiten",
        "en": "The XML contains entity references, which are not accepted",
    },
    "xml.malformed": {
        "es": "XML mal formado: {detail}",
        "en": "Malformed XML: {detail}",
    },
    "xml.too_many_namespaces": {
        "es": "El XML tiene más de {limit} espacios de nombres declarados a la vez en un elemento",
        "en": "The XML has more than {limit} namespaces in scope at one element",
    },
    "xml.too_many_attributes": {
        "es": "El elemento {element} (línea {line}) tiene {count} atributos y el máximo es {limit}",
        "en": "The element {element} (line {line}) has {count} attributes and the limit is {limit}",
    },
    "xml.too_large": {
        "es": "El XML ocupa {size} bytes y el máximo es {limit}",
        "en": "The XML is {size} bytes and the limit is {limit}",
    },
    "x509.private_key_material": {
        "es": "El fichero contiene una clave privada: envíe solo la parte pública del certificado (.pem o .cer)",
        "en": "The file contains a private key: upload only the public part of the certificate (.pem or .cer)",
    },
    "x509.not_a_certificate": {
        "es": "El fichero no es un certificado X.509 ({detail})",
        "en": "The file is not an X.509 certificate ({detail})",
    },
    "x509.corrupt": {
        "es": "El certificado está dañado y no se puede leer: {detail}",
        "en": "The certificate is corrupt and cannot be read: {detail}",
    },
    "x509.several_certificates": {
        "es": "El fichero contiene {count} certificados; registre uno por fichero",
        "en": "The file contains {count} certificates; register one per file",
    },
}

register_messages(MESSAGES)
