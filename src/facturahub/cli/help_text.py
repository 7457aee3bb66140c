"""The help of our commands and options in the CLI's language.

Help is written in English in the code (command docstrings, options' ``help=``); the catalogue below,
keyed by that English text as click shows it (a docstring cleaned by ``inspect.cleandoc``), gives
the Spanish. ``main`` calls :func:`localise_help` on the command tree with the run's language
before click parses anything, as it points click's own words (headings, usage errors) at
``usage.SPANISH``: ``facturahub --help`` then reads in Spanish, the default, like every other
message. tests/unit/cli/test_help_text.py checks that every help text in the tree has its Spanish,
that no entry outlives its English, and that a translation keeps the option names, variables,
wire names and codes of its original.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from weakref import WeakKeyDictionary

import click

from facturahub.i18n import normalise_language

SPANISH: dict[str, str] = {
    "facturahub: electronic-invoice entry point.": "facturahub: punto de entrada de facturas electrónicas.",
    "TOML settings file.": "Fichero de configuración TOML.",
    "Print JSON instead of text.": "Escribe JSON en lugar de texto.",
    "Language of messages (es, en).": "Idioma de los mensajes (es, en).",
    "Act as this user (default: operator).": "Actúa como este usuario (por defecto: el operador).",
    "Integrator the user acts for.": "Integrador en cuyo nombre actúa el usuario.",
    "Serve the hub over HTTP.": "Sirve el hub por HTTP.",
    "Listen address (FACTURAHUB_HOST).": "Dirección de escucha (FACTURAHUB_HOST).",
    "Listen port (FACTURAHUB_PORT).": "Puerto de escucha (FACTURAHUB_PORT).",
    "Worker processes (FACTURAHUB_WORKERS; default: cores).": (
        "Procesos que atienden peticiones (FACTURAHUB_WORKERS; por defecto: uno por núcleo)."
    ),
    "Also run the background worker (`facturahub worker`) until exit.": (
        "Ejecuta también el proceso de fondo (`facturahub worker`) hasta terminar."
    ),
    "Database schema.": "Esquema de la base de datos.",
    "Apply every pending migration.": "Aplica todas las migraciones pendientes.",
    "Show the schema revision.": "Muestra la revisión del esquema.",
    "The demo environment.": "El entorno de demostración.",
    "Create (idempotently) the demo supplier and registry, with certificates, and print a summary.": (
        "Crea (si no existen) el proveedor y el registro de demostración, con sus certificados, y escribe "
        "un resumen."
    ),
    "Directory for the generated certificates and keys.": (
        "Directorio de los certificados y claves generados."
    ),
    "Users (people who act in the portal).": "Usuarios (personas que actúan en el portal).",
    "Create a user.": "Crea un usuario.",
    "Show a user.": "Muestra un usuario.",
    "Change a user's personal data and preferences.": (
        "Cambia los datos personales y las preferencias de un usuario."
    ),
    "Integrators (organisations that call the hub's services).": (
        "Integradores (organizaciones que llaman a los servicios del hub)."
    ),
    "Register an integrator; the accepting user becomes its administrator.": (
        "Da de alta un integrador; el usuario que acepta las condiciones pasa a ser su administrador."
    ),
    "The integrator's tax id.": "NIF del integrador.",
    "Main e-mail address.": "Correo electrónico principal.",
    "Invoices on behalf of its clients.": "Factura en nombre de sus clientes.",
    "User who accepts the terms.": "Usuario que acepta las condiciones.",
    "The user accepts the terms and conditions of use.": "El usuario acepta las condiciones de uso.",
    "Thumbprint of the certificate the acceptance was signed with.": (
        "Huella del certificado con el que se firmó la aceptación."
    ),
    "List integrators.": "Lista los integradores.",
    "Show an integrator's profile.": "Muestra el perfil de un integrador.",
    "Change an integrator's profile.": "Cambia el perfil de un integrador.",
    (
        "Set the notification addresses and whether to receive system notices; what is not given\n"
        "stays as it is."
    ): (
        "Fija los correos de notificación y si se reciben los avisos del sistema; lo que no se indica\n"
        "queda como está."
    ),
    "Up to two addresses (repeat the option); replace both.": (
        "Hasta dos direcciones (repita la opción); sustituyen a las dos."
    ),
    "Remove the notification addresses.": "Quita los correos de notificación.",
    "Receive system notices [unchanged].": "Recibir los avisos del sistema [sin cambios].",
    "The latest actions done for an integrator.": "Las últimas acciones hechas para un integrador.",
    "Authorised users of an integrator.": "Usuarios autorizados de un integrador.",
    "Authorise a user (by NIF; give --name and --email to create a new one).": (
        "Autoriza a un usuario (por NIF; con --name y --email se crea uno nuevo)."
    ),
    "Create the user with this name when it does not exist.": "Crea el usuario con este nombre si no existe.",
    "Grant global administration.": "Concede la administración global.",
    "List an integrator's authorised users and administrators.": (
        "Lista los usuarios autorizados y los administradores de un integrador."
    ),
    "Withdraw a user's authorisation.": "Retira la autorización de un usuario.",
    "Certificates that sign requests (public part only).": (
        "Certificados que firman las peticiones (solo la parte pública)."
    ),
    "Show what a .pem/.cer file holds, without registering it.": (
        "Muestra lo que contiene un fichero .pem/.cer, sin registrarlo."
    ),
    "Register a certificate's public part (.pem or .cer) for an integrator.": (
        "Registra la parte pública de un certificado (.pem o .cer) para un integrador."
    ),
    "List an integrator's certificates.": "Lista los certificados de un integrador.",
    "Who calls with this certificate: its platform, integrator and capabilities.": (
        "Quién llama con este certificado: su plataforma, su integrador y sus capacidades."
    ),
    "Certificate file (PEM/DER).": "Fichero del certificado (PEM/DER).",
    "SHA-1 or SHA-256 thumbprint.": "Huella SHA-1 o SHA-256.",
    "Issuer DN (with --serial).": "DN del emisor (con --serial).",
    "Serial number, decimal (with --issuer).": "Número de serie, en decimal (con --issuer).",
    "Block a certificate (operator): it may no longer sign requests (106) nor invoices (442).": (
        "Bloquea un certificado (operador): ya no puede firmar peticiones (106) ni facturas (442)."
    ),
    "SHA-256 (any certificate) or SHA-1 (a registered one), instead of FILE.": (
        "SHA-256 (cualquier certificado) o SHA-1 (uno registrado), en lugar de FILE."
    ),
    "Why: shown to whoever the certificate signs for.": (
        "Por qué: se muestra a aquellos para quienes firma el certificado."
    ),
    "Lift an operator's block (SHA-256, or SHA-1 of a registered certificate).": (
        "Levanta el bloqueo de un operador (SHA-256, o SHA-1 de un certificado registrado)."
    ),
    "List the blocked certificates.": "Lista los certificados bloqueados.",
    "Platforms: the systems that call the hub.": "Plataformas: los sistemas que llaman al hub.",
    "Create a platform.": "Crea una plataforma.",
    "Sends invoices (suppliers' services).": "Envía facturas (servicios de proveedores).",
    "Receives invoices (RCF).": "Recibe facturas (RCF).",
    "Delivers paperless invoices (FSP).": "Entrega facturas sin papel (FSP).",
    "FSP instance id (lower-case UUID).": "Identificador de instancia FSP (UUID en minúsculas).",
    "Certificate id or thumbprint to assign.": "Identificador o huella del certificado que se asigna.",
    "List an integrator's platforms.": "Lista las plataformas de un integrador.",
    "Include deleted platforms.": "Incluye las plataformas borradas.",
    "Show a platform with its certificates and accounting offices.": (
        "Muestra una plataforma con sus certificados y oficinas contables."
    ),
    "Rename a platform: CODE NEW_NAME.": "Cambia el nombre de una plataforma: CODE NEW_NAME.",
    "Assign an unassigned certificate: CODE CERTIFICATE.": (
        "Asigna un certificado sin asignar: CODE CERTIFICATE."
    ),
    "Unassign a certificate: CODE CERTIFICATE.": "Desasigna un certificado: CODE CERTIFICATE.",
    "Ask to receive an accounting office's invoices: CODE OFFICE.": (
        "Pide recibir las facturas de una oficina contable: CODE OFFICE."
    ),
    "Replace certificate OLD by the unassigned certificate NEW.": (
        "Sustituye el certificado OLD por el certificado sin asignar NEW."
    ),
    "Delete a platform (its certificates become unassigned; its history is kept).": (
        "Borra una plataforma (sus certificados quedan sin asignar; su historial se conserva)."
    ),
    "Operator: approve or reject a reception platform's accounting office.": (
        "Operador: aprueba o rechaza la oficina contable de una plataforma de recepción."
    ),
    "Operator: associations waiting for approval.": "Operador: asociaciones pendientes de aprobación.",
    "The DIR3 directory of administrations, units and OG-UT-OC relations.": (
        "El directorio DIR3 de administraciones, unidades y relaciones OG-UT-OC."
    ),
    "Load a directory CSV and report what changed.": (
        "Carga un CSV del directorio e informa de lo que ha cambiado."
    ),
    "Only add and update; do not deactivate what the file lacks.": (
        "Solo añade y actualiza; no desactiva lo que falta en el fichero."
    ),
    "Deactivate what the file lacks even when that is more than 10% of the directory.": (
        "Desactiva lo que falta en el fichero aunque sea más del 10% del directorio."
    ),
    "List units.": "Lista las unidades.",
    "Only the units of this administration.": "Solo las unidades de esta administración.",
    "Include inactive units.": "Incluye las unidades inactivas.",
    "List OG-UT-OC relations.": "Lista las relaciones OG-UT-OC.",
    "Show one unit.": "Muestra una unidad.",
    "System notices for integrators.": "Avisos del sistema para los integradores.",
    "Publish a notice.": "Publica un aviso.",
    "Notices in force.": "Avisos vigentes.",
    "Withdraw a notice.": "Retira un aviso.",
    "Sign INVOICE (Facturae XML) with XAdES-EPES and the Facturae signature policy.": (
        "Firma INVOICE (XML Facturae) con XAdES-EPES y la política de firma de Facturae."
    ),
    "PKCS#12 (.p12/.pfx) with certificate and key.": "PKCS#12 (.p12/.pfx) con el certificado y la clave.",
    "Password of the PKCS#12 or of the PEM key.": "Contraseña del PKCS#12 o de la clave PEM.",
    "PEM certificate (with --key).": "Certificado PEM (con --key).",
    "PEM private key (with --cert).": "Clave privada PEM (con --cert).",
    "Write here instead of standard output.": "Escribe aquí en lugar de en la salida estándar.",
    (
        "Talk signed SOAP to a FACe- or eFACT-compatible suppliers' service (ours or the public ones).\n"
        "\n"
        "\x08\n"
        "Exit codes: 0 ok; 3 invalid input; 10 resultado/codigo ≠ 0; 11 SOAP Fault;\n"
        "12 response signature not verified with --server-cert; 13 no usable answer."
    ): (
        "Habla SOAP firmado con un servicio de proveedores compatible con FACe o eFACT (el nuestro o los "
        "públicos).\n"
        "\n"
        "\x08\n"
        "Códigos de salida: 0 bien; 3 entrada no válida; 10 resultado/codigo ≠ 0; 11 SOAP Fault;\n"
        "12 firma de la respuesta no verificada con --server-cert; 13 sin respuesta utilizable."
    ),
    "Send INVOICE (a signed Facturae, .xsig) — enviarFactura.": (
        "Envía INVOICE (una Facturae firmada, .xsig) — enviarFactura."
    ),
    "correo: where the service mails status changes.": (
        "correo: adonde el servicio envía los cambios de estado."
    ),
    "An attachment (repeatable); the MIME type is guessed from the extension when omitted.": (
        "Un anexo (repetible); si se omite el tipo MIME, se deduce de la extensión."
    ),
    "Service address; its WSDL is read from URL?wsdl.": "Dirección del servicio; su WSDL se lee de URL?wsdl.",
    "WSDL location, when not at URL?wsdl.": "Ubicación del WSDL, cuando no está en URL?wsdl.",
    "Protocol profile of the service.": "Perfil de protocolo del servicio.",
    "PEM certificate that signs the requests (with --key).": (
        "Certificado PEM que firma las peticiones (con --key)."
    ),
    "PKCS#12 (.p12/.pfx) with certificate and key, instead of --cert/--key.": (
        "PKCS#12 (.p12/.pfx) con el certificado y la clave, en lugar de --cert/--key."
    ),
    "Password of the PKCS#12 or of the PEM key (or FACTURAHUB_CLIENT_PASSWORD).": (
        "Contraseña del PKCS#12 o de la clave PEM (o FACTURAHUB_CLIENT_PASSWORD)."
    ),
    "The service's certificate (PEM or DER): responses are verified with it.": (
        "El certificado del servicio (PEM o DER): con él se verifican las respuestas."
    ),
    "Seconds per HTTP request.": "Segundos por petición HTTP.",
    "Processing and cancellation status of one invoice — consultarFactura.": (
        "Estado de tramitación y de anulación de una factura — consultarFactura."
    ),
    "Status of several invoices (up to 500) — consultarListadoFacturas.": (
        "Estado de varias facturas (hasta 500) — consultarListadoFacturas."
    ),
    "Ask for the cancellation of an invoice — anularFactura.": (
        "Solicita la anulación de una factura — anularFactura."
    ),
    "motivo (up to 255 characters).": "motivo (hasta 255 caracteres).",
    "The status codes the service uses — consultarEstados.": (
        "Los códigos de estado que usa el servicio — consultarEstados."
    ),
    "OG-UT-OC relations that accept invoices — consultarUnidades[PorAdministracion].": (
        "Relaciones OG-UT-OC que aceptan facturas — consultarUnidades[PorAdministracion]."
    ),
    "Only this administration's DIR3 units.": "Solo las unidades DIR3 de esta administración.",
    (
        "eFACT status downloads: list the pending status documents of an issuer; with --out, save each\n"
        "as DIR/<DocId>.xml (DeliveryFeedback); with --mark, confirm each one after it is saved.\n"
        "\n"
        "\x08\n"
        "solicitudDescargasEstados → peticionDescargasEstados (opcionMarcado=N)\n"
        "→ confirmacionDescargasEstados"
    ): (
        "Descargas de estados de eFACT: lista los documentos de estado pendientes de un emisor; con --out\n"
        "guarda cada uno como DIR/<DocId>.xml (DeliveryFeedback); con --mark confirma cada uno una vez\n"
        "guardado.\n"
        "\n"
        "\x08\n"
        "solicitudDescargasEstados → peticionDescargasEstados (opcionMarcado=N)\n"
        "→ confirmacionDescargasEstados"
    ),
    "identificadorEmisor: the issuer's tax id.": "identificadorEmisor: el NIF del emisor.",
    "Download every pending document into DIR.": "Descarga en DIR todos los documentos pendientes.",
    "Confirm each document once saved (needs --out).": (
        "Confirma cada documento una vez guardado (requiere --out)."
    ),
    "Status-change notifications (mail and push): list and retry.": (
        "Notificaciones de cambio de estado (correo y push): listar y reintentar."
    ),
    "The latest notifications, newest first.": (
        "Las últimas notificaciones, de la más reciente a la más antigua."
    ),
    "Only this state.": "Solo este estado.",
    "Re-queue a failed notification (or all of them) for delivery by the worker.": (
        "Vuelve a encolar una notificación fallida (o todas) para que la entregue el proceso de fondo."
    ),
    "Re-queue every failed notification.": "Vuelve a encolar todas las notificaciones fallidas.",
    "Run the background worker: delivers mail and push notifications (huey consumer).": (
        "Ejecuta el proceso de fondo: entrega las notificaciones por correo y push (consumidor de huey)."
    ),
    "Worker threads (FACTURAHUB_JOBS_THREADS).": "Hilos del proceso de fondo (FACTURAHUB_JOBS_THREADS).",
    "Registered invoices.": "Facturas registradas.",
    "Print an invoice's parties, centres, files, notifications and full history.": (
        "Muestra las partes, los centros, los ficheros, las notificaciones y el historial completo de una "
        "factura."
    ),
    "Stored invoice files and attachments.": "Ficheros de factura y anexos almacenados.",
    "Remove blobs that no invoice references (left by refused invoices) and stale temporaries.": (
        "Borra los blobs a los que no remite ninguna factura (restos de facturas rechazadas) y los "
        "temporales abandonados."
    ),
    "Leave alone blobs written or reused more recently than this.": (
        "Respeta los blobs escritos o reutilizados hace menos de estas horas."
    ),
    "Only report what would be removed.": "Solo informa de lo que se borraría.",
    (
        "Bind the blob directory and the database to each other, as `facturahub serve` does at start.\n"
        "\n"
        "`blobs collect` removes files only from a directory bound to its database. Run this where the\n"
        "hub is never served with these settings (a node that only runs maintenance jobs)."
    ): (
        "Vincula entre sí el directorio de blobs y la base de datos, como hace `facturahub serve` al\n"
        "arrancar.\n"
        "\n"
        "`blobs collect` solo borra ficheros de un directorio vinculado a su base de datos. Ejecútelo "
        "donde\n"
        "el hub nunca se sirve con esta configuración (un nodo que solo hace tareas de mantenimiento)."
    ),
    (
        "Read back every file a registered invoice references and check it against its digest.\n"
        "\n"
        "Missing or damaged files are listed by registry number (exit code 8): restore them from a\n"
        "backup before a registry downloads those invoices."
    ): (
        "Relee cada fichero al que remite una factura registrada y lo compara con su resumen.\n"
        "\n"
        "Los ficheros que faltan o están dañados se listan por número de registro (código de salida 8):\n"
        "restáurelos de una copia de seguridad antes de que un registro descargue esas facturas."
    ),
}

# The English each command or option was defined with, kept to switch back (tests run several
# languages in one process).
_ENGLISH: WeakKeyDictionary[click.Command | click.Option, str] = WeakKeyDictionary()


def localise_help(command: click.Command, language: str) -> None:
    """Put the help of ``command``, of its options and of every subcommand in ``language``."""
    spanish = normalise_language(language) == "es"
    for holder in help_holders(command):
        english = _ENGLISH.setdefault(holder, holder.help or "")
        holder.help = SPANISH.get(inspect.cleandoc(english), english) if spanish else english


def help_holders(command: click.Command) -> Iterator[click.Command | click.Option]:
    """``command``, its options and its subcommands' (recursively) that have a help text."""
    if command.help:
        yield command
    yield from (param for param in command.params if isinstance(param, click.Option) and param.help)
    if isinstance(command, click.Group):
        for subcommand in command.commands.values():
            yield from help_holders(subcommand)
