"""Messages of the facturae package (Spanish default, English), registered at import.

Every key is raised as :class:`facturahub.errors.InvalidInput` (schema-directory problems as
:class:`facturahub.errors.ConfigurationError`). The SOAP layer maps keys to FACe result codes in its
own module; this is the intended mapping (``servicio-web-facturasspp.txt`` §4.2.2):

=====================================  ====  ===========================================================
key                                    FACe  meaning
=====================================  ====  ===========================================================
facturae.not_facturae                  430   the root element is not ``Facturae``
facturae.version_unknown               430   the root namespace is not Facturae 3.2, 3.2.1 or 3.2.2
facturae.version_mismatch              430   ``SchemaVersion`` contradicts the root namespace
facturae.schema_invalid                408   schema validation failed (element path, line, detail)
facturae.element_missing               408   a structurally required element is absent or empty
facturae.element_repeated              408   an element that occurs at most once is repeated
facturae.value_split                   408   security rule X4: a value holds a comment, PI or element
facturae.amount_format                 408   an amount/count is not a plain decimal number
facturae.double_format                 408   ``Quantity`` is not a finite xs:double
facturae.date_format                   431   a date is not ``YYYY-MM-DD``
facturae.batch_count                   425   the batch does not declare and contain exactly one invoice
facturae.modality                      419   ``Modality`` is not ``I`` (individual)
facturae.centres_count                 416   not exactly one 01/02/03 centre, or more than one 04
facturae.centre_without_code           417   a 01-04 administrative centre has no ``CentreCode``
facturae.issuer_tax_id                 447   the issuer's tax id is not a Spanish NIF/NIE/CIF
facturae.issuer_tax_id_check           447   the issuer's tax id has a wrong check character
facturae.issuer_tax_id_characters      447   a non-resident issuer's tax id holds other than letters, digits, &
facturae.invoice_number_missing        445   ``InvoiceNumber`` absent or empty
facturae.line_description_missing      446   an invoice line has no ``ItemDescription``
facturae.iban_required                 426   payment means 02/04 without the IBAN of the needed account
facturae.totals_mismatch               408   a stated total differs from its recomputation by > 0.01
facturae.total_missing                 408   an optional total is left out but what it sums is not 0
facturae.schema_dir                    —     (ConfigurationError) the schema directory is unusable
=====================================  ====  ===========================================================
"""

from facturahub.i18n import register_messages

MESSAGES = {
    "facturae.not_facturae": {
        "es": "El documento no es una factura Facturae: el elemento raíz es «{root}» (línea {line})",
        "en": "The document is not a Facturae invoice: the root element is '{root}' (line {line})",
    },
    "facturae.version_unknown": {
        "es": (
            "No se pudo determinar la versión de la factura: el espacio de nombres «{namespace}» "
            "no es de Facturae 3.2, 3.2.1 ni 3.2.2"
        ),
        "en": (
            "The invoice version could not be determined: namespace '{namespace}' is not "
            "Facturae 3.2, 3.2.1 or 3.2.2"
        ),
    },
    "facturae.version_mismatch": {
        "es": (
            "No se pudo determinar la versión de la factura: el espacio de nombres es de la versión "
            "{namespace_version} pero SchemaVersion dice «{schema_version}» (línea {line})"
        ),
        "en": (
            "The invoice version could not be determined: the namespace is version "
            "{namespace_version} but SchemaVersion says '{schema_version}' (line {line})"
        ),
    },
    "facturae.schema_invalid": {
        "es": (
            "La factura no cumple el esquema Facturae {version}: {path}, línea {line}: {detail}"
            "{others} ({count} error(es) en total)"
        ),
        "en": (
            "The invoice does not conform to the Facturae {version} schema: {path}, line {line}: "
            "{detail}{others} ({count} error(s) in all)"
        ),
    },
    "facturae.element_missing": {
        "es": "Falta el elemento obligatorio {path} (o está vacío)",
        "en": "The mandatory element {path} is missing (or empty)",
    },
    "facturae.element_repeated": {
        "es": "El elemento {path} (línea {line}) aparece {count} veces y solo se admite una",
        "en": "The element {path} (line {line}) occurs {count} times and only one is accepted",
    },
    "facturae.value_split": {
        "es": (
            "El valor de {path} (línea {line}) está partido o alterado por {node} (texto «{text}», "
            "valor completo «{full}»): no se admiten comentarios, instrucciones de proceso ni "
            "elementos dentro de un valor"
        ),
        "en": (
            "The value of {path} (line {line}) is split or altered by {node} (text '{text}', full "
            "value '{full}'): comments, processing instructions and elements are not accepted "
            "inside a value"
        ),
    },
    "facturae.amount_format": {
        "es": "{path} (línea {line}) no es un número decimal válido: «{value}»",
        "en": "{path} (line {line}) is not a valid decimal number: '{value}'",
    },
    "facturae.double_format": {
        "es": "{path} (línea {line}) no es un número válido (xs:double finito): «{value}»",
        "en": "{path} (line {line}) is not a valid number (a finite xs:double): '{value}'",
    },
    "facturae.date_format": {
        "es": "Error de formato de fecha en {path} (línea {line}): «{value}» no es AAAA-MM-DD",
        "en": "Date format error in {path} (line {line}): '{value}' is not YYYY-MM-DD",
    },
    "facturae.batch_count": {
        "es": (
            "El número de facturas es incorrecto: InvoicesCount declara {declared} y el fichero "
            "contiene {found} elemento(s) Invoice; solo se admite exactamente una factura"
        ),
        "en": (
            "Wrong number of invoices: InvoicesCount declares {declared} and the file contains "
            "{found} Invoice element(s); exactly one invoice is accepted"
        ),
    },
    "facturae.modality": {
        "es": "Sólo se aceptan facturas de modalidad individual: Modality es «{modality}», no «I»",
        "en": "Only individual-modality invoices are accepted: Modality is '{modality}', not 'I'",
    },
    "facturae.centres_count": {
        "es": (
            "El número de centros administrativos es incorrecto: se requiere exactamente un centro con "
            "cada rol 01 (oficina contable), 02 (órgano gestor) y 03 (unidad tramitadora), y como "
            "máximo uno 04 (órgano proponente); el comprador tiene {found}"
        ),
        "en": (
            "Wrong number of administrative centres: exactly one centre with each role 01 (accounting "
            "office), 02 (managing body) and 03 (processing unit) is required, and at most one 04 "
            "(proposing body); the buyer has {found}"
        ),
    },
    "facturae.centre_without_code": {
        "es": "No se ha encontrado código en el centro administrativo con rol {role} ({path}, línea {line})",
        "en": "No code found in the administrative centre with role {role} ({path}, line {line})",
    },
    "facturae.issuer_tax_id": {
        "es": (
            "El identificador fiscal del emisor es incorrecto: «{tax_id}» no tiene la forma de un "
            "NIF, NIE o CIF español"
        ),
        "en": "The issuer's tax id is wrong: '{tax_id}' does not have the shape of a Spanish NIF, NIE or CIF",
    },
    "facturae.issuer_tax_id_check": {
        "es": (
            "El identificador fiscal del emisor es incorrecto: «{tax_id}» tiene el carácter de "
            "control {found} y se esperaba {expected}"
        ),
        "en": "The issuer's tax id is wrong: '{tax_id}' has check character {found}, expected {expected}",
    },
    "facturae.issuer_tax_id_characters": {
        "es": (
            "El identificador fiscal del emisor es incorrecto: «{tax_id}» debe tener de 2 a 32 letras, "
            "cifras o «&» (se omiten espacios, puntos, guiones y barras)"
        ),
        "en": (
            "The issuer's tax id is wrong: '{tax_id}' must have 2 to 32 letters, digits or '&' "
            "(spaces, dots, dashes and slashes are left out)"
        ),
    },
    "facturae.invoice_number_missing": {
        "es": "El número de factura es obligatorio: {path} falta o está vacío",
        "en": "The invoice number is mandatory: {path} is missing or empty",
    },
    "facturae.line_description_missing": {
        "es": (
            "La descripción de las líneas de la factura es obligatoria: la línea {line_number} "
            "({path}, línea {line}) no tiene ItemDescription"
        ),
        "en": (
            "Invoice line descriptions are mandatory: line {line_number} ({path}, line {line}) has no "
            "ItemDescription"
        ),
    },
    "facturae.iban_required": {
        "es": (
            "Para pago por {means_es} (PaymentMeans {means}) es obligatorio incluir el IBAN en "
            "{account} ({path}, línea {line})"
        ),
        "en": (
            "Payment by {means_en} (PaymentMeans {means}) requires the IBAN in {account} "
            "({path}, line {line})"
        ),
    },
    "facturae.totals_mismatch": {
        "es": (
            "Los importes de la factura no cuadran: {field} vale {found} pero {formula} da "
            "{expected} (diferencia {difference}; tolerancia {tolerance})"
        ),
        "en": (
            "The invoice amounts do not add up: {field} is {found} but {formula} gives {expected} "
            "(difference {difference}; tolerance {tolerance})"
        ),
    },
    "facturae.total_missing": {
        "es": (
            "Los importes de la factura no cuadran: falta {field}, que debe indicar {formula} ({expected})"
        ),
        "en": "The invoice amounts do not add up: {field} is missing; it must state {formula} ({expected})",
    },
    "facturae.schema_dir": {
        "es": "El directorio de esquemas Facturae «{path}» no se puede usar: {detail}",
        "en": "The Facturae schema directory '{path}' cannot be used: {detail}",
    },
}

register_messages(MESSAGES)
