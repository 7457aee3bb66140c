"""The operating system's reason for a failure, in the reader's language.

``OSError.strerror`` is the C library's text in the process's locale, which for a service is
English: "error: No se puede leer x: No such file or directory" mixed two languages in one line. A
:class:`SystemReason` keeps the system's words and renders, through :mod:`facturahub.i18n`, the
reasons an operator meets (a missing file, a permission, a full disk, a busy port, an unknown host)
in the message's language. A reason we have no words for keeps the system's.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from facturahub.i18n import has_message, register_messages, translate


@dataclass(frozen=True)
class SystemReason:
    key: str | None  # our catalog's key, None when we have no words for this reason
    text: str  # the system's own words

    def in_language(self, language: str) -> str:
        return translate(self.key, language) if self.key is not None else self.text

    def __str__(self) -> str:
        return self.text


def system_reason(error: OSError) -> SystemReason:
    """Why ``error`` happened: its errno (or, for a name lookup, its ``EAI_`` code) in our words,
    else the system's."""
    text = error.strerror or str(error) or type(error).__name__
    names = _RESOLVER_CODES if isinstance(error, socket.gaierror) else errno.errorcode
    name = names.get(error.errno) if isinstance(error.errno, int) else None
    key = f"os.{name}" if name is not None and has_message(f"os.{name}") else None
    return SystemReason(key, text)


_RESOLVER_CODES: dict[int, str] = {
    getattr(socket, name): name
    for name in ("EAI_NONAME", "EAI_AGAIN", "EAI_FAIL", "EAI_FAMILY", "EAI_SERVICE", "EAI_NODATA")
    if hasattr(socket, name)
}

register_messages(
    {
        "os.ENOENT": {"es": "No existe el fichero o el directorio", "en": "No such file or directory"},
        "os.EACCES": {"es": "Permiso denegado", "en": "Permission denied"},
        "os.EPERM": {"es": "Operación no permitida", "en": "Operation not permitted"},
        "os.EISDIR": {"es": "Es un directorio", "en": "Is a directory"},
        "os.ENOTDIR": {"es": "No es un directorio", "en": "Not a directory"},
        "os.EEXIST": {"es": "El fichero ya existe", "en": "File exists"},
        "os.ENOSPC": {"es": "No queda espacio en el dispositivo", "en": "No space left on device"},
        "os.EDQUOT": {"es": "Se ha excedido la cuota de disco", "en": "Disk quota exceeded"},
        "os.EROFS": {"es": "Sistema de ficheros de solo lectura", "en": "Read-only file system"},
        "os.ELOOP": {
            "es": "Demasiados niveles de enlaces simbólicos",
            "en": "Too many levels of symbolic links",
        },
        "os.ENAMETOOLONG": {"es": "Nombre de fichero demasiado largo", "en": "File name too long"},
        "os.EIO": {"es": "Error de entrada/salida", "en": "Input/output error"},
        "os.EMFILE": {"es": "Demasiados ficheros abiertos", "en": "Too many open files"},
        "os.ENFILE": {
            "es": "Demasiados ficheros abiertos en el sistema",
            "en": "Too many open files in system",
        },
        "os.EBUSY": {"es": "Dispositivo o recurso ocupado", "en": "Device or resource busy"},
        "os.ENXIO": {"es": "No existe el dispositivo o la dirección", "en": "No such device or address"},
        "os.EINVAL": {"es": "Argumento no válido", "en": "Invalid argument"},
        "os.EADDRINUSE": {"es": "La dirección ya se está usando", "en": "Address already in use"},
        "os.EADDRNOTAVAIL": {
            "es": "No se puede asignar la dirección solicitada",
            "en": "Cannot assign requested address",
        },
        "os.EAFNOSUPPORT": {
            "es": "Familia de direcciones no admitida por el protocolo",
            "en": "Address family not supported by protocol",
        },
        "os.ECONNREFUSED": {"es": "Conexión rehusada", "en": "Connection refused"},
        "os.ECONNRESET": {
            "es": "Conexión reinicializada por la máquina remota",
            "en": "Connection reset by peer",
        },
        "os.ETIMEDOUT": {"es": "Se agotó el tiempo de espera de la conexión", "en": "Connection timed out"},
        "os.EHOSTUNREACH": {"es": "No hay ruta hasta la máquina", "en": "No route to host"},
        "os.ENETUNREACH": {"es": "La red es inaccesible", "en": "Network is unreachable"},
        "os.EAI_NONAME": {"es": "Nombre o servicio desconocido", "en": "Name or service not known"},
        "os.EAI_NODATA": {
            "es": "El nombre no tiene ninguna dirección",
            "en": "No address associated with hostname",
        },
        "os.EAI_AGAIN": {
            "es": "Fallo temporal en la resolución del nombre",
            "en": "Temporary failure in name resolution",
        },
        "os.EAI_FAIL": {
            "es": "Fallo irrecuperable en la resolución del nombre",
            "en": "Non-recoverable failure in name resolution",
        },
        "os.EAI_FAMILY": {"es": "Familia de direcciones no admitida", "en": "Address family not supported"},
        "os.EAI_SERVICE": {
            "es": "Servicio no disponible para este tipo de socket",
            "en": "Service not available for socket type",
        },
    }
)
