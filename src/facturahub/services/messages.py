"""Messages of the use cases (Spanish default, English)."""

from facturahub.i18n import register_messages

MESSAGES = {
    "actor.not_administrator": {
        "es": "Solo un administrador del integrador puede gestionar autorizados",
        "en": "Only an administrator of the integrator may manage authorised users",
    },
    "actor.not_authorised": {
        "es": "El usuario {user} no está autorizado por el integrador {integrator}",
        "en": "User {user} is not authorised by integrator {integrator}",
    },
    "actor.not_for_integrator": {
        "es": "No actúa en nombre de ese integrador",
        "en": "You are not acting on behalf of that integrator",
    },
    "actor.not_operator": {
        "es": "Esta operación la realiza un operador de la plataforma",
        "en": "Only a hub operator can do this",
    },
    "blocklist.already_blocked": {
        "es": "El certificado {sha256} ya está bloqueado desde {since}: {reason}",
        "en": "Certificate {sha256} has been blocked since {since}: {reason}",
    },
    "blocklist.not_blocked": {
        "es": "El certificado {sha256} no está bloqueado",
        "en": "Certificate {sha256} is not blocked",
    },
    "blocklist.one_reference": {
        "es": "Indique el certificado por su fichero o por su huella: una de las dos cosas",
        "en": "Name the certificate by exactly one of: its file, its thumbprint",
    },
    "blocklist.sha1_unregistered": {
        "es": "Ningún certificado registrado tiene la huella SHA-1 {sha1}: indique el fichero o la huella SHA-256",
        "en": "No registered certificate has the SHA-1 thumbprint {sha1}: give the file or the SHA-256 thumbprint",
    },
    "caller.capability_missing": {
        "es": "La plataforma {platform} no tiene la capacidad «{capability}»",
        "en": "Platform {platform} does not have the '{capability}' capability",
    },
    "caller.certificate_blocked": {
        "es": "El certificado de la petición ({subject}) está en la lista de bloqueo desde {since}: {reason}",
        "en": "The request's certificate ({subject}) has been on the blocklist since {since}: {reason}",
    },
    "caller.certificate_expired": {
        "es": "El certificado de la petición caducó el {not_after}",
        "en": "The request's certificate expired on {not_after}",
    },
    "caller.certificate_not_yet_valid": {
        "es": "El certificado de la petición no es válido hasta el {not_before}",
        "en": "The request's certificate is not valid until {not_before}",
    },
    "caller.certificate_unassigned": {
        "es": "El certificado «{alias}» está registrado pero no asignado a ninguna plataforma",
        "en": "Certificate '{alias}' is registered but not assigned to any platform",
    },
    "caller.certificate_unknown": {
        "es": "El certificado no está registrado ({reference})",
        "en": "The certificate is not registered ({reference})",
    },
    "caller.test_certificate": {
        "es": "El certificado de la petición es de pruebas ({subject}, emitido por {issuer}), no admitido en producción",
        "en": "The request's certificate is a test certificate ({subject}, issued by {issuer}), not accepted in production",
    },
    "caller.platform_deleted": {
        "es": "La plataforma {platform} del certificado está dada de baja",
        "en": "The certificate's platform {platform} has been deleted",
    },
    "certificate.already_registered": {
        "es": "Ese certificado ya está registrado (SHA-256 {sha256})",
        "en": "That certificate is already registered (SHA-256 {sha256})",
    },
    "certificate.already_registered_here": {
        "es": "Ese certificado ya está registrado con el alias «{alias}» (SHA-256 {sha256})",
        "en": "That certificate is already registered with alias '{alias}' (SHA-256 {sha256})",
    },
    "certificate.blocked": {
        "es": "El certificado {sha256} está en la lista de bloqueo desde {since} ({reason}): no puede registrarse mientras el operador no lo desbloquee",
        "en": "Certificate {sha256} has been on the blocklist since {since} ({reason}): it cannot be registered until the operator unblocks it",
    },
    "certificate.in_use": {
        "es": "El certificado «{alias}» ya está asignado a la plataforma {platform}",
        "en": "Certificate '{alias}' is already assigned to platform {platform}",
    },
    "certificate.not_found": {
        "es": "No hay ningún certificado «{reference}» de este integrador",
        "en": "This integrator has no certificate '{reference}'",
    },
    "certificate.not_on_platform": {
        "es": "El certificado «{alias}» no está asignado a la plataforma {platform}",
        "en": "Certificate '{alias}' is not assigned to platform {platform}",
    },
    "certificate.issuer_serial_taken": {
        "es": "Ya hay registrado otro certificado del emisor {issuer} con el número de serie {serial}: una "
        "petición que nombre el certificado por emisor y número de serie no podría distinguirlos",
        "en": "Another certificate of issuer {issuer} with serial number {serial} is already registered: a "
        "request naming its certificate by issuer and serial number could not tell them apart",
    },
    "caller.certificate_ambiguous": {
        "es": "El emisor y número de serie (serie {serial}) corresponden a {count} certificados registrados: "
        "incluya el propio certificado (BinarySecurityToken o X509Certificate)",
        "en": "The issuer and serial number (serial {serial}) match {count} registered certificates: "
        "include the certificate itself (BinarySecurityToken or X509Certificate)",
    },
    "certificate.issuer_serial_invalid": {
        "es": "El emisor y número de serie no se pueden leer: {reason}",
        "en": "The issuer and serial number cannot be read: {reason}",
    },
    "certificate.reference_invalid": {
        "es": "«{value}» no es un identificador ni una huella SHA-1/SHA-256 de certificado",
        "en": "'{value}' is neither a certificate id nor a SHA-1/SHA-256 thumbprint",
    },
    "delegate.already_authorised": {
        "es": "El usuario {nif} ya está autorizado ({role})",
        "en": "User {nif} is already authorised ({role})",
    },
    "delegate.last_administrator": {
        "es": "{nif} es el último administrador del integrador; no se puede quitar",
        "en": "{nif} is the integrator's last administrator and cannot be removed",
    },
    "delegate.nif_mismatch": {
        "es": "Los datos del nuevo usuario tienen otro NIF ({other}) que el que se autoriza ({nif})",
        "en": "The new user's data has another NIF ({other}) than the one authorised ({nif})",
    },
    "delegate.not_found": {
        "es": "{nif} no es un autorizado del integrador {integrator}",
        "en": "{nif} is not an authorised user of integrator {integrator}",
    },
    "delegate.user_unknown": {
        "es": "No hay ningún usuario con NIF {nif}: indique nombre, apellidos y correo para darlo de alta",
        "en": "There is no user with NIF {nif}: give name, surnames and e-mail to create it",
    },
    "directory.managing_body_unknown": {
        "es": "El órgano gestor {code} no existe o no está activo",
        "en": "Managing body {code} does not exist or is inactive",
    },
    "directory.processing_unit_unknown": {
        "es": "La unidad tramitadora {code} no existe o no está activa",
        "en": "Processing unit {code} does not exist or is inactive",
    },
    "directory.office_unknown": {
        "es": "La oficina contable {code} no existe o no está activa",
        "en": "Accounting office {code} does not exist or is inactive",
    },
    "directory.managing_body_inactive": {
        "es": "El órgano gestor {code} existe pero está inactivo en el directorio",
        "en": "Managing body {code} exists but is inactive in the directory",
    },
    "directory.processing_unit_inactive": {
        "es": "La unidad tramitadora {code} existe pero está inactiva en el directorio",
        "en": "Processing unit {code} exists but is inactive in the directory",
    },
    "directory.office_inactive": {
        "es": "La oficina contable {code} existe pero está inactiva en el directorio",
        "en": "Accounting office {code} exists but is inactive in the directory",
    },
    "directory.relation_missing": {
        "es": "La oficina contable {office}, el órgano gestor {managing_body} y la unidad tramitadora "
        "{processing_unit} no están relacionados",
        "en": "Accounting office {office}, managing body {managing_body} and processing unit "
        "{processing_unit} are not related",
    },
    "directory.relation_inactive": {
        "es": "La relación OC {office} / OG {managing_body} / UT {processing_unit} no está activa",
        "en": "The relation OC {office} / OG {managing_body} / UT {processing_unit} is inactive",
    },
    "directory.unit_unknown": {
        "es": "No existe la unidad DIR3 {code}",
        "en": "There is no DIR3 unit {code}",
    },
    "directory.deactivates_too_much": {
        "es": "El fichero desactivaría {units} de las {active_units} unidades activas y {relations} de "
        "las {active_relations} relaciones activas (más del {share}): ¿un fichero truncado o parcial? "
        "No se ha cambiado nada. Compruébelo, impórtelo con --partial para solo añadir y actualizar, o "
        "con --force si las bajas son ciertas",
        "en": "The file would deactivate {units} of the {active_units} active units and {relations} of "
        "the {active_relations} active relations (more than {share}): a truncated or partial file? "
        "Nothing was changed. Check it, import it with --partial to only add and update, or with "
        "--force if the removals are real",
    },
    "integrator.accept_only_self": {
        "es": "Las condiciones solo las puede aceptar el propio usuario",
        "en": "Only the user themselves can accept the terms",
    },
    "integrator.already_exists": {
        "es": "Ya existe un integrador con NIF {nif}",
        "en": "An integrator with NIF {nif} already exists",
    },
    "integrator.not_found": {
        "es": "No existe ningún integrador con NIF {nif}",
        "en": "There is no integrator with NIF {nif}",
    },
    "integrator.terms_certificate_invalid": {
        "es": "«{value}» no es una huella SHA-256 de certificado",
        "en": "'{value}' is not a SHA-256 certificate thumbprint",
    },
    "integrator.terms_not_accepted": {
        "es": "Para darse de alta como integrador hay que aceptar los términos y condiciones de uso",
        "en": "The terms and conditions must be accepted to register as an integrator",
    },
    "notice.already_withdrawn": {
        "es": "El aviso {id} ya estaba retirado",
        "en": "Notice {id} was already withdrawn",
    },
    "notice.expiry_past": {
        "es": "La fecha de caducidad del aviso ({expires_at}) ya ha pasado",
        "en": "The notice's expiry ({expires_at}) is in the past",
    },
    "notice.not_found": {"es": "No existe el aviso {id}", "en": "There is no notice {id}"},
    "notice.severity_invalid": {
        "es": "Gravedad «{value}» no válida; use una de: {allowed}",
        "en": "Invalid severity '{value}'; use one of: {allowed}",
    },
    "platform.instance_id_required": {
        "es": "Una plataforma de entrega a ciudadanos (FSP) necesita un identificador de instancia (UUID)",
        "en": "A citizen-delivery (FSP) platform needs an instance id (UUID)",
    },
    "platform.instance_id_taken": {
        "es": "El identificador de instancia {instance_id} ya lo usa otra plataforma",
        "en": "Instance id {instance_id} is already used by another platform",
    },
    "platform.instance_id_without_delivery": {
        "es": "El identificador de instancia solo se usa en plataformas de entrega a ciudadanos (FSP)",
        "en": "An instance id only applies to citizen-delivery (FSP) platforms",
    },
    "platform.not_found": {"es": "No existe la plataforma {code}", "en": "There is no platform {code}"},
    "platform.was_deleted": {
        "es": "La plataforma {code} se eliminó el {deleted_on}: cree otra o consulte su historial con --all",
        "en": "Platform {code} was deleted on {deleted_on}: create another or see its history with --all",
    },
    "platform.not_reception": {
        "es": "La plataforma {platform} no es de recepción (RCF)",
        "en": "Platform {platform} is not a reception (RCF) platform",
    },
    "platform.unit_already": {
        "es": "La oficina contable {code} ya está asociada a la plataforma ({status})",
        "en": "Accounting office {code} is already associated with the platform ({status})",
    },
    "platform.unit_not_office": {
        "es": "La unidad {code} no es una oficina contable",
        "en": "Unit {code} is not an accounting office",
    },
    "platform.unit_not_pending": {
        "es": "La asociación con {code} no está pendiente ({status})",
        "en": "The association with {code} is not pending ({status})",
    },
    "platform.unit_not_requested": {
        "es": "La plataforma {platform} no ha solicitado la oficina contable {code}",
        "en": "Platform {platform} has not requested accounting office {code}",
    },
    "user.already_exists": {
        "es": "Ya existe un usuario con NIF {nif}",
        "en": "A user with NIF {nif} already exists",
    },
    "user.not_found": {
        "es": "No existe ningún usuario con NIF {nif}",
        "en": "There is no user with NIF {nif}",
    },
    "user.only_self": {
        "es": "Solo el propio usuario puede cambiar sus datos",
        "en": "Only the user themselves can change their data",
    },
    "user.unknown_fields": {
        "es": "Campos que no se pueden cambiar: {fields}",
        "en": "Fields that cannot be changed: {fields}",
    },
}

register_messages(MESSAGES)

register_messages(
    {
        "intake.invoice_required": {
            "es": "El parámetro obligatorio «{field}» está vacío",
            "en": "The mandatory parameter '{field}' is empty",
        },
        "intake.base64_invalid": {
            "es": "El campo «{field}» no contiene base64 válido",
            "en": "The field '{field}' is not valid base64",
        },
        "intake.invoice_malformed": {
            "es": "La factura no es XML bien formado: {detail}",
            "en": "The invoice is not well-formed XML: {detail}",
        },
        "intake.invoice_doctype_forbidden": {
            "es": "La factura contiene una declaración DOCTYPE, que no se admite",
            "en": "The invoice contains a DOCTYPE declaration, which is not accepted",
        },
        "intake.invoice_entity_forbidden": {
            "es": "La factura contiene referencias a entidades, que no se admiten",
            "en": "The invoice contains entity references, which are not accepted",
        },
        "intake.invoice_too_large": {
            "es": "La factura ocupa {size} bytes y el máximo es {limit}",
            "en": "The invoice is {size} bytes and the limit is {limit}",
        },
        "intake.value_too_long": {
            "es": "«{field}» tiene {length} caracteres y el máximo es {limit}",
            "en": "'{field}' has {length} characters and the limit is {limit}",
        },
        "intake.file_name": {
            "es": "El nombre del fichero de factura «{name}» debe terminar en .xsig",
            "en": "The invoice file name '{name}' must end in .xsig",
        },
        "intake.invoice_mime": {
            "es": "El tipo MIME de la factura es «{mime}»; debe ser {expected}",
            "en": "The invoice MIME type is '{mime}'; it must be {expected}",
        },
        "intake.email_invalid": {
            "es": "El correo «{value}» no es una dirección válida",
            "en": "The e-mail '{value}' is not a valid address",
        },
        "intake.too_many_attachments": {
            "es": "Se han enviado {count} anexos y el máximo es {limit}",
            "en": "{count} attachments were sent and the limit is {limit}",
        },
        "intake.attachments_too_large": {
            "es": "Los anexos ocupan {size} bytes y el máximo es {limit}",
            "en": "The attachments take {size} bytes and the limit is {limit}",
        },
        "intake.attachment_mime": {
            "es": "El anexo {position} («{name}») tiene un tipo MIME no admitido: «{mime}»",
            "en": "Attachment {position} ('{name}') has a MIME type that is not accepted: '{mime}'",
        },
        "intake.attachment_empty": {
            "es": "El anexo {position} («{name}») está vacío",
            "en": "Attachment {position} ('{name}') is empty",
        },
        "intake.storage_failed": {
            "es": "El almacén de documentos no pudo guardar la factura o sus anexos ({reason}): no se ha registrado nada, vuelva a enviarla más tarde",
            "en": "The document store could not save the invoice or its attachments ({reason}): nothing was registered, send it again later",
        },
        "intake.database_failed": {
            "es": "La base de datos no pudo guardar la factura ({reason}): vuelva a enviarla más tarde; "
            "si hubiera llegado a registrarse, la respuesta será 415 con su número de registro",
            "en": "The database could not save the invoice ({reason}): send it again later; had it "
            "been registered after all, the answer is 415 with its registry number",
        },
        "intake.certificate_blocked": {
            "es": "La factura está firmada con un certificado que está en la lista de bloqueo ({subject}, SHA-256 {sha256}) desde {since}: {reason}",
            "en": "The invoice is signed with a certificate on the blocklist ({subject}, SHA-256 {sha256}) since {since}: {reason}",
        },
        "intake.test_certificate": {
            "es": "La factura está firmada con un certificado de pruebas ({subject}), no admitido en producción",
            "en": "The invoice is signed with a test certificate ({subject}), not accepted in production",
        },
        "invoice.duplicate": {
            "es": "Ya existe una factura con serie «{series}», número «{number}» y fecha {issue_date}: registro {registry_number}",
            "en": "An invoice with series '{series}', number '{number}' and date {issue_date} already exists: registry number {registry_number}",
        },
        "invoice.duplicate_number": {
            "es": "Ya existe una factura con serie «{series}» y número «{number}»: registro {registry_number}",
            "en": "An invoice with series '{series}' and number '{number}' already exists: registry number {registry_number}",
        },
        "invoice.registry_number_required": {
            "es": "Debe indicarse el número de registro",
            "en": "The registry number is required",
        },
        "invoice.not_found": {
            "es": "No existe factura con el número de registro {registry_number}",
            "en": "There is no invoice with registry number {registry_number}",
        },
        "invoice.other_supplier": {
            "es": "La factura {registry_number} la presentó otro sistema",
            "en": "Invoice {registry_number} was submitted by another system",
        },
        "invoice.too_many": {
            "es": "Se han pedido {count} facturas y el máximo es {limit}",
            "en": "{count} invoices were requested and the limit is {limit}",
        },
        "invoice.cancellation_reason_required": {
            "es": "Debe especificarse un motivo de anulación",
            "en": "A cancellation reason is required",
        },
        "invoice.reason_too_long": {
            "es": "El motivo tiene {length} caracteres y el máximo es {limit}",
            "en": "The reason has {length} characters and the limit is {limit}",
        },
        "invoice.cancellation_already_accepted": {
            "es": "La factura ya tiene aceptada su anulación",
            "en": "The invoice's cancellation has already been accepted",
        },
        "invoice.cancellation_already_requested": {
            "es": "La factura ya tiene solicitada su anulación",
            "en": "The invoice's cancellation has already been requested",
        },
        "invoice.cancellation_rejected_invoice": {
            "es": "La factura fue rechazada, no se permite solicitar anulación",
            "en": "The invoice was rejected; its cancellation cannot be requested",
        },
        "invoice.cancellation_paid": {
            "es": "La factura fue pagada, no se permite solicitar anulación",
            "en": "The invoice was paid; its cancellation cannot be requested",
        },
        "lifecycle.unknown_status": {"es": "No existe el estado {code}", "en": "There is no status {code}"},
        "lifecycle.final_state": {
            "es": "La factura está en el estado final {current}; no puede pasar a {target}",
            "en": "The invoice is in the final status {current}; it cannot move to {target}",
        },
        "lifecycle.cancel_only_by_request": {
            "es": "El estado 3100 (anulada) solo se alcanza aceptando una solicitud de anulación",
            "en": "Status 3100 (cancelled) is only reached by accepting a cancellation request",
        },
        "lifecycle.reject_too_late": {
            "es": "No se puede rechazar una factura en estado {current}",
            "en": "An invoice in status {current} cannot be rejected",
        },
        "lifecycle.not_forward": {
            "es": "La transición de {current} a {target} no está permitida",
            "en": "The transition from {current} to {target} is not allowed",
        },
        "wss.replay": {
            "es": "Esta petición firmada ya se recibió (reenvío rechazado hasta {seen_until})",
            "en": "This signed request was already received (replay refused until {seen_until})",
        },
        "wss.replay_untimed": {
            "es": "Esta petición firmada ya se recibió (reenvío rechazado hasta {seen_until}). No "
            "firma un wsu:Timestamp, y sin él la misma petición lleva siempre la misma firma: para "
            "repetir una consulta, incluya y firme un Timestamp",
            "en": "This signed request was already received (replay refused until {seen_until}). It "
            "signs no wsu:Timestamp, and without one the same request always carries the same "
            "signature: to repeat a query, include and sign a Timestamp",
        },
    }
)

register_messages(
    {
        "reception.office_unknown": {
            "es": "No existe o está inactiva la oficina contable «{office}»",
            "en": "Accounting office '{office}' does not exist or is inactive",
        },
        "reception.office_not_associated": {
            "es": "La oficina contable {office} no está asociada a este RCF",
            "en": "Accounting office {office} is not associated with this registry",
        },
        "reception.office_mismatch": {
            "es": "La factura {registry_number} es de la oficina contable {invoice_office}, no de {office}",
            "en": "Invoice {registry_number} belongs to accounting office {invoice_office}, not {office}",
        },
        "reception.office_required": {
            "es": "Debe indicarse la oficina contable de la factura",
            "en": "The invoice's accounting office is required",
        },
        "reception.invoice_not_visible": {
            "es": "No existe la factura {registry_number} en las oficinas contables de este RCF",
            "en": "There is no invoice {registry_number} in this registry's accounting offices",
        },
        "reception.already_received": {
            "es": "La factura {registry_number} está en el estado {current}; solo se descargan y confirman facturas en 1200",
            "en": "Invoice {registry_number} is in status {current}; only invoices in 1200 are downloaded and confirmed",
        },
        "reception.stored_file_unreadable": {
            "es": "El hub no puede leer ahora los ficheros guardados de la factura {number}; el operador "
            "ha sido avisado en el registro del hub. Vuelva a intentarlo más tarde",
            "en": "The hub cannot read the stored files of invoice {number} now; its operator has been "
            "alerted in the hub's log. Try again later",
        },
        "reception.rcf_code_required": {
            "es": "Debe indicarse el código RCF",
            "en": "The RCF code is required",
        },
        "reception.rcf_code_too_long": {
            "es": "El código RCF tiene {length} caracteres y el máximo es {limit}",
            "en": "The RCF code has {length} characters and the limit is {limit}",
        },
        "reception.download_not_confirmed": {
            "es": "La factura {registry_number} no se ha descargado: confirme antes la descarga (confirmarDescargaFactura, 1300) para pasarla a {code}; sin descargarla solo puede rechazarse (2600)",
            "en": "Invoice {registry_number} has not been downloaded: confirm the download first (confirmarDescargaFactura, 1300) to move it to {code}; without downloading it, it can only be rejected (2600)",
        },
        "reception.transition_not_here": {
            "es": "El estado {code} no se asigna con este método (1200 es el inicial, 1300 se asigna al confirmar la descarga, 3100 y 4xxx al gestionar la anulación)",
            "en": "Status {code} is not set through this method (1200 is the initial one, 1300 is set by confirming the download, 3100 and 4xxx by answering the cancellation)",
        },
        "reception.cancellation_answer": {
            "es": "Una solicitud de anulación se responde con 4300 (aceptada) o 4400 (rechazada), no con {code}",
            "en": "A cancellation request is answered with 4300 (accepted) or 4400 (rejected), not {code}",
        },
        "reception.no_cancellation_request": {
            "es": "La factura {registry_number} no tiene una anulación solicitada pendiente (estado de anulación {current})",
            "en": "Invoice {registry_number} has no pending cancellation request (cancellation status {current})",
        },
        "reception.batch_too_large": {
            "es": "Se han enviado {count} facturas y el máximo por llamada es {limit}",
            "en": "{count} invoices were sent and the limit per call is {limit}",
        },
        "reception.status_code_required": {
            "es": "Debe indicarse el código de estado",
            "en": "The status code is required",
        },
        "reception.comment_too_long": {
            "es": "El comentario tiene {length} caracteres y el máximo es {limit}",
            "en": "The comment has {length} characters and the limit is {limit}",
        },
    }
)
