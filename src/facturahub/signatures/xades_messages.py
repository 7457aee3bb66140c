"""Messages of the XAdES invoice signatures (verification, signing, signing keys): Spanish default,
English. Registered at import; ``dsig``, ``xades``, ``xades_sign`` and ``xades_keys`` import it."""

from facturahub.i18n import register_messages

MESSAGES = {
    # --- structure (428) ---
    "xades.signature_missing": {
        "es": "La factura no está firmada: no contiene ningún ds:Signature",
        "en": "The invoice is not signed: it contains no ds:Signature",
    },
    "xades.signature_multiple": {
        "es": "La factura contiene {count} elementos ds:Signature; se admite exactamente uno",
        "en": "The invoice contains {count} ds:Signature elements; exactly one is accepted",
    },
    "xades.signature_not_enveloped": {
        "es": "La firma no es enveloped: ds:Signature debe ser hijo del elemento raíz y está dentro de {parent}",
        "en": "The signature is not enveloped: ds:Signature must be a child of the root element, "
        "it is inside {parent}",
    },
    "xades.signature_malformed": {
        "es": "La estructura de la firma no es válida: {detail}",
        "en": "The signature structure is invalid: {detail}",
    },
    "xades.unexpected_signature_content": {
        "es": "La firma contiene un elemento no firmado que no pertenece a XML-DSig ni a XAdES: "
        "{element} (espacio de nombres '{namespace}')",
        "en": "The signature contains an unsigned element that is neither XML-DSig nor XAdES: "
        "{element} (namespace '{namespace}')",
    },
    "xades.retrieval_method_forbidden": {
        "es": "La firma usa ds:RetrievalMethod, que no se admite",
        "en": "The signature uses ds:RetrievalMethod, which is not accepted",
    },
    "xades.algorithm_refused": {
        "es": "Algoritmo no admitido ({kind}): {algorithm}",
        "en": "Algorithm not accepted ({kind}): {algorithm}",
    },
    "xades.too_many_references": {
        "es": "La firma tiene {count} referencias y el máximo es {limit}",
        "en": "The signature has {count} references and the limit is {limit}",
    },
    "xades.too_many_transforms": {
        "es": 'La referencia URI="{uri}" tiene {count} transformadas y el máximo es {limit}',
        "en": 'Reference URI="{uri}" has {count} transforms and the limit is {limit}',
    },
    "xades.transform_order": {
        "es": 'Las transformadas de la referencia URI="{uri}" no tienen un orden admitido: {transforms}',
        "en": 'The transforms of reference URI="{uri}" are not in an accepted order: {transforms}',
    },
    "xades.reference_uri_refused": {
        "es": 'La referencia URI="{uri}" no es local al documento; solo se admiten URI="" y #id',
        "en": 'Reference URI="{uri}" is not local to the document; only URI="" and #id are accepted',
    },
    "xades.duplicate_id": {
        "es": 'El identificador Id="{id}" aparece más de una vez en el documento',
        "en": 'The identifier Id="{id}" occurs more than once in the document',
    },
    "xades.reference_target_missing": {
        "es": 'La referencia URI="{uri}" no apunta a ningún elemento del documento',
        "en": 'Reference URI="{uri}" does not point to any element of the document',
    },
    "xades.document_reference_missing": {
        "es": 'La firma no tiene la referencia al documento completo (URI="")',
        "en": 'The signature has no whole-document reference (URI="")',
    },
    "xades.document_reference_multiple": {
        "es": "La firma tiene {count} referencias al documento completo; se admite exactamente una",
        "en": "The signature has {count} whole-document references; exactly one is accepted",
    },
    "xades.unexpected_reference": {
        "es": 'La referencia URI="{uri}" no es ni el documento, ni SignedProperties, ni KeyInfo de esta firma',
        "en": 'Reference URI="{uri}" is neither the document, nor SignedProperties, nor KeyInfo of this signature',
    },
    "xades.signed_properties_missing": {
        "es": "La firma no contiene xades:SignedProperties (no es XAdES)",
        "en": "The signature contains no xades:SignedProperties (it is not XAdES)",
    },
    "xades.signed_properties_not_referenced": {
        "es": "Las SignedProperties de la firma no están firmadas: ninguna referencia apunta a ellas",
        "en": "The signature's SignedProperties are not signed: no reference points to them",
    },
    "xades.qualifying_properties_target_mismatch": {
        "es": 'QualifyingProperties apunta a {target} y la firma tiene Id="{signature_id}"',
        "en": 'QualifyingProperties targets {target} and the signature has Id="{signature_id}"',
    },
    # --- certificate and cryptography (428) ---
    "xades.certificate_missing": {
        "es": "La firma no incluye el certificado firmante (ds:X509Certificate); no se acepta solo una KeyValue",
        "en": "The signature does not include the signing certificate (ds:X509Certificate); "
        "a bare KeyValue is not accepted",
    },
    "xades.too_many_certificates": {
        "es": "La firma incluye {count} certificados y el máximo es {limit}",
        "en": "The signature includes {count} certificates and the limit is {limit}",
    },
    "xades.certificate_unreadable": {
        "es": "El certificado número {position} de la firma no se puede leer: {detail}",
        "en": "Certificate number {position} of the signature cannot be read: {detail}",
    },
    "xades.certificate_key_unsupported": {
        "es": "El certificado firmante tiene una clave {key_type}; solo se admiten claves RSA",
        "en": "The signing certificate has a {key_type} key; only RSA keys are accepted",
    },
    "xades.signature_value_invalid": {
        "es": "El valor de la firma ({algorithm}) no se verifica con ninguno de los {certificates} certificados "
        "incluidos",
        "en": "The signature value ({algorithm}) does not verify with any of the {certificates} included "
        "certificates",
    },
    "xades.reference_digest_mismatch": {
        "es": 'El contenido firmado ha cambiado: el resumen de la referencia URI="{uri}" no coincide '
        "(esperado {expected}, calculado {found}, {algorithm})",
        "en": 'The signed content has changed: the digest of reference URI="{uri}" does not match '
        "(expected {expected}, computed {found}, {algorithm})",
    },
    "xades.signing_time_missing": {
        "es": "La firma no indica su momento (xades:SigningTime)",
        "en": "The signature does not state when it was made (xades:SigningTime)",
    },
    "xades.signing_time_invalid": {
        "es": "xades:SigningTime no es una fecha y hora válida: {value}",
        "en": "xades:SigningTime is not a valid date and time: {value}",
    },
    "xades.signing_certificate_missing": {
        "es": "La firma no identifica el certificado firmante (xades:SigningCertificate)",
        "en": "The signature does not identify its signing certificate (xades:SigningCertificate)",
    },
    "xades.signing_certificate_mismatch": {
        "es": "xades:SigningCertificate no corresponde al certificado que verifica la firma "
        "(resumen declarado {claimed}, real {actual}, {algorithm})",
        "en": "xades:SigningCertificate does not match the certificate that verifies the signature "
        "(claimed digest {claimed}, actual {actual}, {algorithm})",
    },
    "xades.signing_certificate_serial_mismatch": {
        "es": "El número de serie de xades:SigningCertificate ({claimed}) no es el del certificado ({actual})",
        "en": "The serial number in xades:SigningCertificate ({claimed}) is not the certificate's ({actual})",
    },
    "xades.signing_certificate_issuer_mismatch": {
        "es": "El emisor de xades:SigningCertificate ({claimed}) no es el del certificado ({actual})",
        "en": "The issuer in xades:SigningCertificate ({claimed}) is not the certificate's ({actual})",
    },
    "xades.certificate_expired_at_signing": {
        "es": "El certificado firmante caducó el {not_after} y la factura se firmó el {signing_time}",
        "en": "The signing certificate expired on {not_after} and the invoice was signed on {signing_time}",
    },
    "xades.certificate_not_yet_valid_at_signing": {
        "es": "El certificado firmante es válido desde el {not_before} y la factura se firmó el {signing_time}",
        "en": "The signing certificate is valid from {not_before} and the invoice was signed on {signing_time}",
    },
    # --- signature policy (440) ---
    "xades.policy_missing": {
        "es": "La firma no declara la política de firma de Facturae (xades:SignaturePolicyIdentifier)",
        "en": "The signature does not declare the Facturae signature policy (xades:SignaturePolicyIdentifier)",
    },
    "xades.policy_unknown": {
        "es": "La política de firma «{identifier}» no es la política de firma de Facturae v3.1",
        "en": "The signature policy '{identifier}' is not the Facturae v3.1 signature policy",
    },
    "xades.policy_hash_mismatch": {
        "es": "El resumen de la política de firma no es el de Facturae v3.1 (esperado {expected} en SHA-1, "
        "recibido {found} con {algorithm})",
        "en": "The signature policy digest is not Facturae v3.1's (expected {expected} in SHA-1, "
        "received {found} with {algorithm})",
    },
    # --- signing ---
    "xades_sign.already_signed": {
        "es": "El documento ya contiene una firma ds:Signature",
        "en": "The document already contains a ds:Signature",
    },
    "xades_sign.algorithm_unsupported": {
        "es": "Algoritmo de firma no admitido: {algorithm} (admitidos: {supported})",
        "en": "Signature algorithm not supported: {algorithm} (supported: {supported})",
    },
    "xades_sign.signing_time_naive": {
        "es": "La hora de firma debe llevar zona horaria",
        "en": "The signing time must carry a time zone",
    },
    "signing_key.pkcs12_wrong_password": {
        "es": "La contraseña del fichero PKCS#12 no es correcta",
        "en": "The PKCS#12 file's password is wrong",
    },
    "signing_key.pkcs12_unreadable": {
        "es": "El fichero no es un PKCS#12 (.p12/.pfx) legible: {detail}",
        "en": "The file is not a readable PKCS#12 (.p12/.pfx): {detail}",
    },
    "signing_key.pkcs12_no_private_key": {
        "es": "El fichero PKCS#12 no contiene ninguna clave privada (solo {certificates} certificados): "
        "no sirve para firmar",
        "en": "The PKCS#12 file contains no private key (only {certificates} certificates): it cannot sign",
    },
    "signing_key.pkcs12_no_certificate": {
        "es": "El fichero PKCS#12 contiene una clave privada pero no su certificado",
        "en": "The PKCS#12 file contains a private key but not its certificate",
    },
    "signing_key.pem_certificate_unreadable": {
        "es": "El certificado PEM no se puede leer: {detail}",
        "en": "The PEM certificate cannot be read: {detail}",
    },
    "signing_key.pem_key_unreadable": {
        "es": "La clave privada PEM no se puede leer: {detail}",
        "en": "The PEM private key cannot be read: {detail}",
    },
    "signing_key.key_unsupported": {
        "es": "La clave privada es de tipo {key_type}; para firmar facturas se necesita una clave RSA",
        "en": "The private key is a {key_type} key; signing invoices needs an RSA key",
    },
    "signing_key.no_certificate_for_key": {
        "es": "La clave privada no corresponde a ninguno de los {certificates} certificados del fichero PEM",
        "en": "The private key belongs to none of the {certificates} certificates of the PEM file",
    },
    "signing_key.certificate_mismatch": {
        "es": "La clave privada no corresponde al certificado {subject}",
        "en": "The private key does not belong to certificate {subject}",
    },
}

register_messages(MESSAGES)
