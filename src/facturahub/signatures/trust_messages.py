"""Messages of the trust-store chain validation (:mod:`facturahub.signatures.trust`): Spanish
default, English. Registered at import."""

from facturahub.i18n import register_messages

register_messages(
    {
        "xades.chain_untrusted_root": {
            "es": "La cadena del certificado firmante termina en «{subject}», una raíz autofirmada que "
            "no está en el almacén de confianza",
            "en": "The signing certificate's chain ends in '{subject}', a self-signed root that is not "
            "in the trust store",
        },
        "xades.chain_issuer_missing": {
            "es": "Falta en la firma el certificado del emisor «{issuer}» de «{subject}» y no está en el "
            "almacén de confianza: no se puede construir la cadena",
            "en": "The certificate of '{issuer}', issuer of '{subject}', is neither in the signature nor "
            "in the trust store: the chain cannot be built",
        },
        "xades.chain_not_a_ca": {
            "es": "«{subject}» aparece como emisor en la cadena pero no es un certificado de CA",
            "en": "'{subject}' appears as an issuer in the chain but is not a CA certificate",
        },
        "xades.chain_path_length": {
            "es": "La CA «{subject}» admite como mucho {limit} CA intermedias por debajo y la cadena tiene {found}",
            "en": "CA '{subject}' allows at most {limit} intermediate CAs below it and the chain has {found}",
        },
        "xades.chain_too_long": {
            "es": "La cadena de certificados supera {limit} niveles",
            "en": "The certificate chain is longer than {limit} levels",
        },
        "xades.chain_expired": {
            "es": "El certificado «{subject}» de la cadena caducó el {not_after}, antes de la firma ({signing_time})",
            "en": "Certificate '{subject}' of the chain expired on {not_after}, before the signature ({signing_time})",
        },
        "xades.chain_not_yet_valid": {
            "es": "El certificado «{subject}» de la cadena no era válido hasta el {not_before}, después de la "
            "firma ({signing_time})",
            "en": "Certificate '{subject}' of the chain was not valid until {not_before}, after the signature "
            "({signing_time})",
        },
        "trust_store.empty": {
            "es": "El almacén de confianza {path} no contiene ningún certificado PEM",
            "en": "The trust store {path} contains no PEM certificate",
        },
        "trust_store.invalid": {
            "es": "El almacén de confianza {path} no se puede leer: {detail}",
            "en": "The trust store {path} cannot be read: {detail}",
        },
        "trust_store.unreadable": {
            "es": "No se puede leer el almacén de confianza {path}: {detail}",
            "en": "Cannot read the trust store {path}: {detail}",
        },
    }
)
