"""Messages of the domain rules (Spanish default, English)."""

from facturahub.i18n import register_messages

MESSAGES = {
    "nif.invalid_shape": {
        "es": "«{value}» no es un NIF, NIE ni CIF válido",
        "en": "'{value}' is not a valid Spanish NIF, NIE or CIF",
    },
    "nif.wrong_check": {
        "es": "El NIF «{value}» tiene un carácter de control incorrecto: se esperaba {expected}, no {found}",
        "en": "The tax id '{value}' has a wrong check character: expected {expected}, found {found}",
    },
}

register_messages(MESSAGES)

register_messages(
    {
        "registry.field_required": {
            "es": "El campo «{field}» es obligatorio",
            "en": "The field '{field}' is required",
        },
        "registry.field_too_long": {
            "es": "El campo «{field}» tiene {length} caracteres y el máximo es {limit}",
            "en": "The field '{field}' has {length} characters and the limit is {limit}",
        },
        "registry.field_control_character": {
            "es": "El campo «{field}» contiene un carácter que no se admite ({character}): de control, "
            "de dirección del texto o que XML no puede llevar",
            "en": "The field '{field}' holds a character that is not allowed ({character}): a control, "
            "text-direction or non-XML character",
        },
        "registry.email_invalid": {
            "es": "«{value}» no es una dirección de correo válida ({field})",
            "en": "'{value}' is not a valid e-mail address ({field})",
        },
        "registry.phone_invalid": {
            "es": "«{value}» no es un número de teléfono válido",
            "en": "'{value}' is not a valid phone number",
        },
        "registry.language_invalid": {
            "es": "Idioma no admitido: «{value}» (es, en, ca, pt, gl, eu)",
            "en": "Unsupported language: '{value}' (es, en, ca, pt, gl, eu)",
        },
        "registry.notification_email_repeated": {
            "es": "La dirección de notificación «{value}» está repetida",
            "en": "The notification address '{value}' is given twice",
        },
        "registry.too_many_notification_emails": {
            "es": "Se admiten como máximo {limit} correos de notificación",
            "en": "At most {limit} notification e-mail addresses are allowed",
        },
        "platform.instance_id_invalid": {
            "es": "«{value}» no es un UUID RFC 4122 válido como identificador de instancia",
            "en": "'{value}' is not a valid RFC 4122 UUID for an instance id",
        },
        "platform.instance_id_not_lowercase": {
            "es": "El identificador de instancia debe escribirse en minúsculas: «{expected}»",
            "en": "The instance id must be written in lower case: '{expected}'",
        },
        "platform.instance_id_not_canonical": {
            "es": "El identificador de instancia debe escribirse como 8-4-4-4-12 dígitos hexadecimales en minúsculas, sin llaves ni prefijo: «{expected}»",
            "en": "The instance id must be written as 8-4-4-4-12 lower-case hex digits, without braces or prefix: '{expected}'",
        },
        "platform.no_capability": {
            "es": "Una plataforma necesita al menos una capacidad: envío, recepción (RCF) o entrega a ciudadanos (FSP)",
            "en": "A platform needs at least one capability: sending, reception (RCF) or citizen delivery (FSP)",
        },
        "certificate.expired": {
            "es": "El certificado caducó el {not_after}; no se puede registrar",
            "en": "The certificate expired on {not_after}; it cannot be registered",
        },
        "certificate.weak_key": {
            "es": "La clave RSA del certificado tiene {key_size} bits; el mínimo es {minimum}",
            "en": "The certificate's RSA key has {key_size} bits; the minimum is {minimum}",
        },
        "certificate.key_type_refused": {
            "es": "No se admiten certificados con claves {key_type}",
            "en": "Certificates with {key_type} keys are not accepted",
        },
    }
)

register_messages(
    {
        "directory.code_invalid": {
            "es": "Línea {line}: «{value}» no es un código DIR3 válido ({field})",
            "en": "Line {line}: '{value}' is not a valid DIR3 code ({field})",
        },
        "directory.encoding": {
            "es": "Línea {line}: el fichero del directorio no está en UTF-8 ({detail})",
            "en": "Line {line}: the directory file is not UTF-8 ({detail})",
        },
        "directory.csv_invalid": {
            "es": "Línea {line}: el fichero del directorio no es un CSV que se pueda leer ({detail})",
            "en": "Line {line}: the directory file is not a readable CSV ({detail})",
        },
        "directory.no_rows": {
            "es": "El fichero del directorio tiene la cabecera pero ninguna fila: no se importa nada",
            "en": "The directory file has a header but no rows: nothing is imported",
        },
        "directory.column_count": {
            "es": "Línea {line}: se esperaban {expected} columnas y hay {found}",
            "en": "Line {line}: expected {expected} columns, found {found}",
        },
        "directory.column_repeated": {
            "es": "La columna «{column}» está repetida en la cabecera (con este nombre u otro equivalente)",
            "en": "The column '{column}' is repeated in the header (under this or an equivalent name)",
        },
        "directory.line_break_in_field": {
            "es": "Línea {line}: un campo entre comillas sigue en la línea siguiente (¿unas comillas sin cerrar?)",
            "en": "Line {line}: a quoted field runs on into the next line (an unclosed quote?)",
        },
        "directory.name_conflict": {
            "es": "Línea {line}: {code} se llama «{name}», pero en la línea {first_line} «{previous}»",
            "en": "Line {line}: {code} is named '{name}', but '{previous}' on line {first_line}",
        },
        "directory.administration_conflict": {
            "es": "aviso: línea {line}: {code} figura en la administración {other}, pero en la línea "
            "{kept_line} en {kept}; se mantiene en {kept}",
            "en": "warning: line {line}: {code} is under administration {other}, but under {kept} on "
            "line {kept_line}; it stays under {kept}",
        },
        "directory.relation_conflict": {
            "es": "Línea {line}: la relación {relation} ya está en la línea {first_line} con otro valor de «activa»",
            "en": "Line {line}: the relation {relation} is already on line {first_line} with another 'active' value",
        },
        "directory.empty": {
            "es": "El fichero del directorio está vacío",
            "en": "The directory file is empty",
        },
        "directory.missing_columns": {
            "es": "Faltan columnas obligatorias en la cabecera: {columns}",
            "en": "Required header columns are missing: {columns}",
        },
        "directory.name_too_long": {
            "es": "Línea {line}: el nombre ({field}) tiene {length} caracteres y el máximo es {limit}",
            "en": "Line {line}: the name ({field}) has {length} characters and the limit is {limit}",
        },
        "directory.name_control_character": {
            "es": "Línea {line}: el nombre ({field}) contiene un carácter que no se admite ({character}): "
            "de control, de dirección del texto o que XML no puede llevar",
            "en": "Line {line}: the name ({field}) holds a character that is not allowed ({character}): a "
            "control, text-direction or non-XML character",
        },
        "directory.flag_invalid": {
            "es": "Línea {line}: «{value}» no es un valor válido para «activa» (1/0, si/no)",
            "en": "Line {line}: '{value}' is not a valid 'active' value (1/0, yes/no)",
        },
    }
)
