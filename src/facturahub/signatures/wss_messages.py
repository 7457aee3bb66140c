"""Messages of WS-Security verification and signing (Spanish default, English).

Keys are stable: each SOAP profile maps them to its own fault codes (``wss.request_empty`` → 101,
``wss.no_envelope`` → 102, ``wss.no_body`` → 103, ``wss.no_header`` → 104, everything else → 100).
"""

from facturahub.i18n import register_messages

MESSAGES: dict[str, dict[str, str]] = {
    # Envelope (SOAP codes 101-104)
    "wss.request_empty": {
        "es": "La petición está vacía",
        "en": "The request is empty",
    },
    "wss.no_envelope": {
        "es": "La petición no es un sobre SOAP 1.1: el elemento raíz es {found}",
        "en": "The request is not a SOAP 1.1 envelope: the root element is {found}",
    },
    "wss.no_body": {
        "es": "El sobre SOAP no tiene elemento Body",
        "en": "The SOAP envelope has no Body element",
    },
    "wss.no_header": {
        "es": "El sobre SOAP no tiene elemento Header",
        "en": "The SOAP envelope has no Header element",
    },
    "wss.envelope_malformed": {
        "es": "Sobre SOAP incorrecto: {detail}",
        "en": "Malformed SOAP envelope: {detail}",
    },
    "wss.operation_missing": {
        "es": "El Body firmado no contiene ninguna operación",
        "en": "The signed Body contains no operation",
    },
    # Security header and signature structure
    "wss.security_missing": {
        "es": "La cabecera SOAP no contiene un elemento wsse:Security (WS-Security 1.0)",
        "en": "The SOAP header has no wsse:Security element (WS-Security 1.0)",
    },
    "wss.security_duplicate": {
        "es": "La cabecera SOAP contiene {count} elementos wsse:Security dirigidos a este servicio "
        "(sin soapenv:actor); se admite uno",
        "en": "The SOAP header contains {count} wsse:Security elements addressed to this service "
        "(without soapenv:actor); one is accepted",
    },
    "wss.security_for_other_actors": {
        "es": "Los elementos wsse:Security de la cabecera SOAP van dirigidos a otros destinatarios "
        "(soapenv:actor {actors}); falta el dirigido a este servicio, sin soapenv:actor",
        "en": "The SOAP header's wsse:Security elements are addressed to other recipients "
        "(soapenv:actor {actors}); the one for this service, without soapenv:actor, is missing",
    },
    "wss.signature_missing": {
        "es": "La cabecera wsse:Security no contiene ninguna firma ds:Signature",
        "en": "The wsse:Security header contains no ds:Signature",
    },
    "wss.signature_duplicate": {
        "es": "La cabecera wsse:Security contiene {count} firmas; se admite una",
        "en": "The wsse:Security header contains {count} signatures; one is accepted",
    },
    "wss.signature_malformed": {
        "es": "Firma mal construida: {detail}",
        "en": "Malformed signature: {detail}",
    },
    "wss.id_duplicate": {
        "es": "El identificador «{id}» aparece en más de un elemento del mensaje",
        "en": "The identifier '{id}' appears on more than one element of the message",
    },
    # Algorithms and references (S4)
    "wss.c14n_forbidden": {
        "es": "Algoritmo de canonicalización no admitido en {where}: {algorithm}",
        "en": "Canonicalization algorithm not accepted in {where}: {algorithm}",
    },
    "wss.signature_method_forbidden": {
        "es": "Algoritmo de firma no admitido: {algorithm}",
        "en": "Signature algorithm not accepted: {algorithm}",
    },
    "wss.digest_method_forbidden": {
        "es": "Algoritmo de resumen no admitido en la referencia {uri}: {algorithm}",
        "en": "Digest algorithm not accepted in reference {uri}: {algorithm}",
    },
    "wss.transform_forbidden": {
        "es": "Transformación no admitida en la referencia {uri}: {algorithm}",
        "en": "Transform not accepted in reference {uri}: {algorithm}",
    },
    "wss.transforms_too_many": {
        "es": "La referencia {uri} tiene {count} transformaciones; el máximo es {limit}",
        "en": "Reference {uri} has {count} transforms; the limit is {limit}",
    },
    "wss.references_too_many": {
        "es": "La firma tiene {count} referencias; el máximo es {limit}",
        "en": "The signature has {count} references; the limit is {limit}",
    },
    "wss.reference_uri_forbidden": {
        "es": "URI de referencia no admitida: «{uri}» (solo «#identificador» dentro del mensaje)",
        "en": "Reference URI not accepted: '{uri}' (only '#identifier' inside the message)",
    },
    "wss.retrieval_method_forbidden": {
        "es": "La firma contiene un elemento RetrievalMethod, que no se admite",
        "en": "The signature contains a RetrievalMethod element, which is not accepted",
    },
    # Keys and certificates
    "wss.key_reference_missing": {
        "es": "La firma no indica con qué certificado se hizo (falta KeyInfo)",
        "en": "The signature does not say which certificate made it (KeyInfo missing)",
    },
    "wss.key_reference_unsupported": {
        "es": "Referencia a la clave no admitida: {detail}",
        "en": "Key reference not accepted: {detail}",
    },
    "wss.key_reference_malformed": {
        "es": "Referencia a la clave mal construida: {detail}",
        "en": "Malformed key reference: {detail}",
    },
    "wss.token_missing": {
        "es": "La referencia {uri} no apunta a un BinarySecurityToken de la cabecera wsse:Security",
        "en": "Reference {uri} does not point to a BinarySecurityToken of the wsse:Security header",
    },
    "wss.token_type_unsupported": {
        "es": "Tipo de BinarySecurityToken no admitido: {value_type}",
        "en": "BinarySecurityToken type not accepted: {value_type}",
    },
    "wss.token_certificate_invalid": {
        "es": "El certificado del BinarySecurityToken no se puede leer: {detail}",
        "en": "The BinarySecurityToken certificate cannot be read: {detail}",
    },
    "wss.key_unresolvable": {
        "es": "No hay certificado con el que verificar la firma ({reference})",
        "en": "There is no certificate to verify the signature with ({reference})",
    },
    "wss.certificate_unknown": {
        "es": "El certificado que firma la petición no está registrado ({reference})",
        "en": "The certificate that signed the request is not registered ({reference})",
    },
    "wss.key_type_unsupported": {
        "es": "Tipo de clave del certificado no admitido: {key_type} (se requiere RSA)",
        "en": "Certificate key type not accepted: {key_type} (RSA required)",
    },
    "wss.key_too_small": {
        "es": "La clave RSA del certificado tiene {bits} bits; el mínimo es {minimum}",
        "en": "The certificate's RSA key has {bits} bits; the minimum is {minimum}",
    },
    # Cryptographic verification and signature wrapping (S1)
    "wss.signature_invalid": {
        "es": "El valor de la firma no es válido para el certificado {subject}",
        "en": "The signature value is not valid for certificate {subject}",
    },
    "wss.reference_target_missing": {
        "es": "La referencia {uri} no apunta a ningún elemento del mensaje",
        "en": "Reference {uri} points to no element of the message",
    },
    "wss.reference_duplicate": {
        "es": "El elemento {element} está firmado por más de una referencia ({uri})",
        "en": "Element {element} is covered by more than one reference ({uri})",
    },
    "wss.reference_unexpected": {
        "es": "La referencia {uri} firma {element}; solo se admiten Body, Timestamp y el token",
        "en": "Reference {uri} signs {element}; only Body, Timestamp and the token are accepted",
    },
    "wss.signed_body_misplaced": {
        "es": "La referencia {uri} firma un Body que no es el Body del sobre",
        "en": "Reference {uri} signs a Body that is not the envelope's Body",
    },
    "wss.signed_timestamp_misplaced": {
        "es": "La referencia {uri} firma un Timestamp que no es el de la cabecera wsse:Security",
        "en": "Reference {uri} signs a Timestamp that is not the wsse:Security header's Timestamp",
    },
    "wss.digest_mismatch": {
        "es": "El resumen de la referencia {uri} ({element}) no coincide: el contenido ha cambiado",
        "en": "The digest of reference {uri} ({element}) does not match: the content was changed",
    },
    "wss.body_not_signed": {
        "es": "La firma no cubre el Body del sobre",
        "en": "The signature does not cover the envelope's Body",
    },
    # Timestamp (S3); every one carries the server time
    "wss.timestamp_missing": {
        "es": "Falta el elemento wsu:Timestamp en la cabecera wsse:Security (hora del servidor {server_time})",
        "en": "The wsse:Security header has no wsu:Timestamp (server time {server_time})",
    },
    "wss.timestamp_duplicate": {
        "es": "La cabecera wsse:Security contiene {count} elementos wsu:Timestamp; se admite uno "
        "(hora del servidor {server_time})",
        "en": "The wsse:Security header contains {count} wsu:Timestamp elements; one is accepted "
        "(server time {server_time})",
    },
    "wss.timestamp_misplaced": {
        "es": "El wsu:Timestamp no es hijo directo de wsse:Security (hora del servidor {server_time})",
        "en": "The wsu:Timestamp is not a direct child of wsse:Security (server time {server_time})",
    },
    "wss.timestamp_not_signed": {
        "es": "La firma no cubre el wsu:Timestamp (hora del servidor {server_time})",
        "en": "The signature does not cover the wsu:Timestamp (server time {server_time})",
    },
    "wss.timestamp_created_count": {
        "es": "El wsu:Timestamp contiene {count} elementos Created; se requiere exactamente uno "
        "(hora del servidor {server_time})",
        "en": "The wsu:Timestamp contains {count} Created elements; exactly one is required "
        "(server time {server_time})",
    },
    "wss.timestamp_expires_count": {
        "es": "El wsu:Timestamp contiene {count} elementos Expires; se admite uno como máximo "
        "(hora del servidor {server_time})",
        "en": "The wsu:Timestamp contains {count} Expires elements; at most one is accepted "
        "(server time {server_time})",
    },
    "wss.timestamp_format": {
        "es": "Fecha {field} incorrecta: «{value}» (se espera AAAA-MM-DDThh:mm:ss con zona, p. ej. Z) "
        "(hora del servidor {server_time})",
        "en": "Invalid {field} time: '{value}' (expected YYYY-MM-DDThh:mm:ss with a zone, e.g. Z) "
        "(server time {server_time})",
    },
    "wss.timestamp_future": {
        "es": "El mensaje se creó en el futuro ({created}); hora del servidor {server_time}, "
        "tolerancia {skew} s",
        "en": "The message was created in the future ({created}); server time {server_time}, "
        "allowed skew {skew} s",
    },
    "wss.timestamp_expired": {
        "es": "El mensaje caducó el {expires}; hora del servidor {server_time}, tolerancia {skew} s",
        "en": "The message expired at {expires}; server time {server_time}, allowed skew {skew} s",
    },
    "wss.timestamp_order": {
        "es": "Expires ({expires}) no es posterior a Created ({created}) (hora del servidor {server_time})",
        "en": "Expires ({expires}) is not after Created ({created}) (server time {server_time})",
    },
    "wss.timestamp_too_old": {
        "es": "El mensaje se creó el {created} y el servidor lo admite durante {limit} s como máximo, "
        "declare o no un Expires posterior; hora del servidor {server_time}, tolerancia {skew} s",
        "en": "The message was created at {created} and the server accepts it for at most {limit} s, "
        "with or without a later Expires; server time {server_time}, allowed skew {skew} s",
    },
    # Signing responses
    "wss.signing_key_mismatch": {
        "es": "La clave privada de firma no corresponde al certificado {subject}",
        "en": "The signing private key does not match certificate {subject}",
    },
}

register_messages(MESSAGES)
