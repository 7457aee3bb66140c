"""The system's reason for a failure reads in the message's language, inside any message."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import facturahub.config  # noqa: F401  (registers the config.* messages)
from facturahub.errors import ConfigurationError
from facturahub.system_errors import system_reason


def _error_of(path: Path) -> OSError:
    try:
        path.read_bytes()
    except OSError as exc:
        return exc
    raise AssertionError(f"{path} was readable")


def test_a_missing_file_reads_in_either_language(tmp_path: Path) -> None:
    reason = system_reason(_error_of(tmp_path / "absent"))
    assert reason.in_language("es") == "No existe el fichero o el directorio"
    assert reason.in_language("en") == "No such file or directory"
    error = ConfigurationError("config.file_unreadable", path="x.toml", detail=reason)
    assert error.message("es").endswith(": No existe el fichero o el directorio")
    assert str(error).endswith(": No such file or directory")  # the exception's own text is English


def test_a_directory_and_a_busy_port_are_named() -> None:
    assert system_reason(_error_of(Path("/"))).in_language("es") == "Es un directorio"
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        with socket.socket() as second:
            try:
                second.bind(held.getsockname())
            except OSError as exc:
                assert system_reason(exc).in_language("es") == "La dirección ya se está usando"
            else:
                raise AssertionError("bound a busy port")


def test_a_name_lookup_failure_is_not_read_as_an_errno() -> None:
    """``socket.gaierror`` numbers are ``EAI_`` codes: -2 is not an errno at all."""
    lookup = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    assert system_reason(lookup).in_language("es") == "Nombre o servicio desconocido"


def test_a_reason_we_have_no_words_for_keeps_the_systems() -> None:
    unusual = OSError(errno.ENOTRECOVERABLE, os.strerror(errno.ENOTRECOVERABLE))
    assert system_reason(unusual).in_language("es") == os.strerror(errno.ENOTRECOVERABLE)
    assert system_reason(OSError("no errno at all")).in_language("es") == "no errno at all"
