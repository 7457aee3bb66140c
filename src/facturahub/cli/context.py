"""What every CLI command shares: settings, the database, the acting user, error reporting."""

from __future__ import annotations

import math
import re
import socket
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from facturahub.cli.usage import usage_text
from facturahub.config import Settings, load_settings
from facturahub.errors import (
    ConfigurationError,
    Conflict,
    FacturahubError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StorageUnavailable,
)
from facturahub.i18n import normalise_language, register_messages
from facturahub.services.actors import Actor, act_as
from facturahub.signatures.xades_keys import SigningMaterial, load_pem_cert_and_key, load_pkcs12
from facturahub.store.database import (
    Database,
    MissingDatabaseFile,
    driver_message,
    is_missing_table,
    safe_url,
)
from facturahub.store.files import write_durably
from facturahub.system_errors import system_reason


class _Integer(click.IntRange):
    """An integer written in ASCII digits: ``int()`` also reads "１" and "٣", which no operator
    means to type."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not _ASCII_INTEGER.fullmatch(value.strip()):
            self.fail(usage_text("cli.not_ascii_number", value=repr(value)), param, ctx)
        return super().convert(value, param, ctx)


_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")


class _Path(click.Path):
    """A file or directory name; an empty one (an unset shell variable) would be the current
    directory, where nobody meant to write."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail(usage_text("cli.empty_path"), param, ctx)
        return super().convert(value, param, ctx)


PATH = _Path(path_type=Path)
# A row id as the database can hold it (32-bit on PostgreSQL): a larger one is a usage error, not
# a database error.
ROW_ID = _Integer(1, 2**31 - 1)
LIST_LIMIT = _Integer(1, 10_000)
PORT = _Integer(1, 65535)
WORKERS = _Integer(1, 64)  # as the workers setting
THREADS = _Integer(1, 64)  # as the jobs_threads setting
GRACE_HOURS = _Integer(1, 24 * 366 * 100)  # up to a century


class _Seconds(click.FloatRange):
    """A timeout in seconds: more than 0, at most an hour, and a number (``FloatRange`` lets
    ``nan`` through, which sockets refuse with a traceback)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(usage_text("cli.not_seconds", value=repr(value)), param, ctx)
        return seconds


SECONDS = _Seconds(0, 3600, min_open=True)


MAX_INPUT_BYTES = 256 * 1024 * 1024  # a whole DIR3 export fits; /dev/zero does not


def read_input(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """A regular file's bytes, or one line saying why not: unreadable, not a regular file (a
    device or a pipe would never end), or larger than ``limit``."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise InvalidInput("cli.file_not_regular", path=str(path))
        if status.st_size > limit:
            raise InvalidInput("cli.file_too_large", path=str(path), size=status.st_size, limit=limit)
        return path.read_bytes()
    except OSError as exc:
        raise file_error("cli.file_unreadable", path, exc) from None


def write_output(path: Path, data: bytes) -> None:
    """Write a command's output file durably; a failure is ``cli.file_unwritable`` naming why."""
    try:
        write_durably(path, data)
    except OSError as exc:
        raise file_error("cli.file_unwritable", path, exc) from None


def usable_directory(path: Path) -> Path:
    """``path`` as a directory (created if missing), or ``cli.directory_unusable`` naming why."""
    if path.exists() and not path.is_dir():
        raise InvalidInput("cli.not_a_directory", path=str(path))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise file_error("cli.directory_unusable", path, exc) from None
    return path


def check_listening_address(host: str, port: int) -> None:
    """Bind ``host:port`` as the server will, and let go: a busy port or an address this machine
    does not have is ``cli.address_unusable`` naming both, before any worker starts."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind(address)
    except OSError as exc:  # socket.gaierror included
        detail = system_reason(exc)
        raise ConfigurationError("cli.address_unusable", host=host, port=port, detail=detail) from None


def file_error(key: str, path: Path | str, error: OSError) -> InvalidInput:
    """``key`` about the file the ``OSError`` names (else ``path``), with the system's reason."""
    return InvalidInput(key, path=str(error.filename or path), detail=system_reason(error))


def signing_identity(
    p12: Path | None, cert: Path | None, key: Path | None, password: str | None
) -> SigningMaterial:
    """The identity that signs (``sign-invoice``, ``client``): a PKCS#12, or a PEM certificate and
    key (no chain), exactly one of them."""
    if p12 is not None and cert is None and key is None:
        return load_pkcs12(read_input(p12), password)
    if p12 is None and cert is not None and key is not None:
        return load_pem_cert_and_key(read_input(cert), read_input(key), password)
    raise InvalidInput("cli.sign_one_identity")


EXIT_CODES: dict[type[FacturahubError], int] = {
    InvalidInput: 3,
    NotFound: 4,
    Conflict: 5,
    PermissionDenied: 6,
    ConfigurationError: 7,
    StorageUnavailable: 8,
}


@dataclass
class CLIContext:
    config_file: Path | None = None
    as_json: bool = False
    language: str | None = None
    as_user: str | None = None
    on_behalf_of: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)

    def settings(self, **overrides: Any) -> Settings:
        if self._settings is None or overrides:
            self._settings = load_settings(self.config_file, **overrides)
        return self._settings

    def lang(self) -> str:
        return normalise_language(self.language or self.settings().language)

    def message_language(self) -> str:
        """The language of messages: ``--lang``, else the settings' (``FACTURAHUB_LANGUAGE`` or the
        TOML file); Spanish when the settings themselves cannot be read."""
        try:
            return self.lang()
        except (FacturahubError, ValueError, OSError):
            return normalise_language(self.language or "es")

    def database(self, create: bool = False) -> Database:
        """The settings' database; a SQLite file that does not exist is created only with
        ``create`` (``db upgrade``), refused otherwise (``cli.database_missing``)."""
        if self._database is None:
            settings = self.settings()
            settings.ensure_data_dir()
            self._database = Database(settings.effective_database_url, create=create)
            from facturahub.jobs.queue import attach_job_queue

            attach_job_queue(self._database, settings)  # notifications enqueue after commit
        return self._database

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self.database().unit_of_work() as session:
            yield session

    def actor(self, session: Session) -> Actor:
        if self.as_user:
            return act_as(session, self.as_user, self.on_behalf_of)
        return Actor.operator()


def database_failure(error: DBAPIError, url: str) -> FacturahubError | None:
    """What to tell the operator when the database itself is the problem: a schema that was never
    migrated, or a database that cannot be reached or opened. ``None`` for anything else (a bug:
    its traceback is worth more than a line)."""
    if is_missing_table(error):
        return ConfigurationError("cli.database_no_schema", database=safe_url(url))
    if isinstance(error.orig, MissingDatabaseFile):
        return ConfigurationError("cli.database_missing", database=safe_url(url), path=error.orig.path)
    # ``statement`` None: the driver refused the connection itself (psycopg's "invalid connection
    # option"); a bare ``DatabaseError``: the file is not a database at all (SQLite)
    if (
        isinstance(error, OperationalError | InterfaceError)
        or error.statement is None
        or type(error) is DatabaseError
    ):
        return StorageUnavailable(
            "cli.database_unavailable", database=safe_url(url), reason=driver_message(error)
        )
    return None


def run_command(obj: CLIContext, action: Callable[[], None]) -> None:
    """Run ``action``; turn our errors into one line on stderr and a distinct exit code."""
    try:
        try:
            action()
        except DBAPIError as exc:
            failure = database_failure(exc, obj._database.url) if obj._database is not None else None
            if failure is None:
                raise
            raise failure from exc
    except FacturahubError as exc:
        click.echo(f"error: {exc.message(obj.message_language())} [{exc.key}]", err=True)
        code = next((c for kind, c in EXIT_CODES.items() if isinstance(exc, kind)), 1)
        sys.exit(code)
    finally:
        if obj._database is not None:
            obj._database.dispose()
            obj._database = None


register_messages(
    {
        "cli.address_unusable": {
            "es": "No se puede escuchar en {host}:{port}: {detail}",
            "en": "Cannot listen on {host}:{port}: {detail}",
        },
        "cli.file_unreadable": {
            "es": "No se puede leer {path}: {detail}",
            "en": "Cannot read {path}: {detail}",
        },
        "cli.file_not_regular": {
            "es": "{path} no es un fichero normal (¿un directorio, un dispositivo o una tubería?)",
            "en": "{path} is not a regular file (a directory, a device or a pipe?)",
        },
        "cli.file_too_large": {
            "es": "{path} ocupa {size} bytes y el máximo es {limit}",
            "en": "{path} is {size} bytes and the limit is {limit}",
        },
        "cli.file_unwritable": {
            "es": "No se puede escribir {path}: {detail}",
            "en": "Cannot write {path}: {detail}",
        },
        "cli.not_ascii_number": {
            "es": "{value} no es un número escrito con cifras ASCII.",
            "en": "{value} is not a number written in ASCII digits.",
        },
        "cli.empty_path": {
            "es": "una ruta vacía no nombra ningún fichero.",
            "en": "an empty path names no file.",
        },
        "cli.not_seconds": {
            "es": "{value} no es un número de segundos.",
            "en": "{value} is not a number of seconds.",
        },
        "cli.language_unsupported": {
            "es": "idioma no admitido {value} ({languages})",
            "en": "unsupported language {value} ({languages})",
        },
        "cli.argument_not_utf8": {
            "es": "El argumento «{argument}» no está en UTF-8",
            "en": "The argument '{argument}' is not UTF-8",
        },
        "cli.file_unusable": {
            "es": "No se puede usar {path}: {detail}",
            "en": "Cannot use {path}: {detail}",
        },
        "cli.not_a_directory": {
            "es": "{path} no es un directorio",
            "en": "{path} is not a directory",
        },
        "cli.directory_unusable": {
            "es": "No se puede usar el directorio {path}: {detail}",
            "en": "Cannot use the directory {path}: {detail}",
        },
        "cli.sign_one_identity": {
            "es": "Indique la identidad de firma: --p12 (con --password) o --cert y --key",
            "en": "Give the signing identity: --p12 (with --password), or --cert and --key",
        },
        "cli.database_missing": {
            "es": "La base de datos {database} no existe: no hay ningún fichero {path}. Compruebe la URL "
            "(FACTURAHUB_DATABASE_URL o database_url en el fichero de configuración); una base de datos "
            "nueva se crea con `facturahub db upgrade`",
            "en": "The database {database} does not exist: there is no file {path}. Check the URL "
            "(FACTURAHUB_DATABASE_URL or database_url in the settings file); `facturahub db upgrade` "
            "creates a new database",
        },
        "cli.database_no_schema": {
            "es": "La base de datos {database} no tiene el esquema de facturahub: ejecute "
            "`facturahub db upgrade`",
            "en": "The database {database} has no facturahub schema: run `facturahub db upgrade`",
        },
        "cli.database_unavailable": {
            "es": "No se puede usar la base de datos {database}: {reason}",
            "en": "Cannot use the database {database}: {reason}",
        },
        "cli.lookup_one_reference": {
            "es": "Indique exactamente una referencia: --file, --thumbprint o --issuer con --serial",
            "en": "Give exactly one reference: --file, --thumbprint, or --issuer with --serial",
        },
    }
)
