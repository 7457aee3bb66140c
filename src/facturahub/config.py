"""One typed settings object: defaults, then an optional TOML file, then ``FACTURAHUB_*``
environment variables (each later source overrides the earlier).

The file is named by ``FACTURAHUB_CONFIG`` (or passed explicitly); its keys are the field names
below, e.g. ``database_url = "postgresql+psycopg://..."``. Environment variables are the field names
upper-cased with the ``FACTURAHUB_`` prefix: ``FACTURAHUB_DATABASE_URL``, ``FACTURAHUB_PORT``.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from facturahub.domain import local_time
from facturahub.errors import ConfigurationError
from facturahub.i18n import register_messages, supported_language
from facturahub.system_errors import system_reason

ENV_PREFIX = "FACTURAHUB_"
CONFIG_FILE_ENV = "FACTURAHUB_CONFIG"


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """``"10.20.0.0/16, fd00:1::/64"`` → networks (a bare address is a one-address network).
    Raises ``ValueError`` naming the entry that is not a network."""
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP network (CIDR) or address") from None
    return tuple(networks)


@dataclass(frozen=True)
class ProxyAddress:
    """An HTTP proxy: where it listens and, when it wants them, the credentials for its
    ``Proxy-Authorization`` (Basic). Shown as ``host:port``, never with the credentials."""

    host: str
    port: int
    authorization: str | None = None

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


_DOMAIN = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*")


@dataclass(frozen=True)
class NoProxy:
    """Push endpoints reached directly although a proxy is configured: domain names, each with
    its subdomains, and IP networks for endpoints whose URL names an address. A name is matched
    as written in the URL, never by what it resolves to."""

    domains: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()

    def matches(self, host: str) -> bool:
        name = host.strip("[]").rstrip(".").lower()
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return any(name == domain or name.endswith("." + domain) for domain in self.domains)
        return any(address in network for network in self.networks)


def parse_no_proxy(text: str) -> NoProxy:
    """``"intranet.example.org, .partners.example, 10.20.0.0/16"`` → what bypasses the proxy
    (``example.org``, ``.example.org`` and ``*.example.org`` all mean the domain and its
    subdomains). Raises ``ValueError`` naming the entry it cannot use."""
    domains: list[str] = []
    networks: list[IPNetwork] = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        if entry == "*":
            raise ValueError(
                "'*' would bypass the proxy for every endpoint: leave FACTURAHUB_PUSH_PROXY_URL unset instead"
            )
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
            continue
        except ValueError:
            pass
        name = entry.lower().removeprefix("*").lstrip(".").rstrip(".")
        if not _DOMAIN.fullmatch(name):
            raise ValueError(
                f"{entry!r} is neither a domain name nor an IP network (CIDR); ports are not supported"
            )
        domains.append(name)
    return NoProxy(tuple(domains), tuple(networks))


def parse_proxy_url(text: str) -> ProxyAddress:
    """``http://[user:password@]host[:port]`` (port 80 by default) → the proxy. Raises
    ``ValueError`` saying what is wrong, without repeating a password."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"the proxy URL is malformed ({exc})") from None
    if parts.scheme != "http":
        raise ValueError(
            "the proxy URL must be http://host:port (the proxy is spoken to in plain HTTP; https "
            "endpoints are reached through it with CONNECT)"
        )
    if not parts.hostname:
        raise ValueError("the proxy URL names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("the proxy URL must be only http://host:port (no path, query or fragment)")
    authorization = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return ProxyAddress(parts.hostname, port or 80, authorization)


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


# The databases facturahub runs on, by SQLAlchemy driver name; a bare ``postgresql://`` means psycopg 3
# (SQLAlchemy's own default, psycopg2, is not installed).
DATABASE_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql+psycopg"})
DATABASE_EXAMPLE = "postgresql+psycopg://user@host/db, sqlite:///var/facturahub.db"
REDIS_SCHEMES = frozenset({"redis", "rediss", "unix"})


def check_database_url(text: str) -> str:
    """The database URL as SQLAlchemy will use it, or a ValueError saying what is wrong."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    value = text.strip()
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(f"not a database URL (e.g. {DATABASE_EXAMPLE})") from None
    if url.drivername == "postgresql":
        return "postgresql+psycopg" + value[len("postgresql") :]
    if url.drivername not in DATABASE_DRIVERS:
        raise ValueError(f"unsupported database {url.drivername!r} (use {DATABASE_EXAMPLE})")
    return value


def check_redis_url(text: str) -> str:
    """A Redis URL (``redis://``, ``rediss://`` or ``unix://``), or a ValueError saying what is wrong."""
    value = text.strip()
    example = "e.g. redis://127.0.0.1:6379/0"
    parts = urlsplit(value)
    if parts.scheme not in REDIS_SCHEMES:
        raise ValueError(f"not a Redis URL ({example})")
    if parts.scheme == "unix":
        if not parts.path:
            raise ValueError(f"a unix:// Redis URL needs the socket's path ({example})")
        return value
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise ValueError(f"the Redis URL's port is not a number from 0 to 65535 ({example})") from None
    database = parts.path.strip("/")
    if database and not (database.isascii() and database.isdigit()):
        raise ValueError(f"the Redis URL's database must be a number ({example})")
    return value


def check_redis_queue_name(name: str) -> None:
    """huey keeps only ``A-Z a-z 0-9 _`` of a queue's name in its Redis keys, so ``hub-a`` and
    ``huba`` would silently share one queue (and each hub's worker take the other's jobs): such a
    name is refused, naming what huey would make of it."""
    kept = re.sub("[^A-Za-z0-9_]", "", name)
    if kept != name:
        raise ValueError(
            f"on Redis a queue's name may hold only letters A-Z a-z, digits and '_'; huey would "
            f"use {kept!r} for {name!r}, which another hub's name may also become"
        )


def redis_database(url: str) -> int:
    """The database number a Redis URL selects, read by redis-py's own parser (the one huey's
    connection uses, so the label cannot disagree with it); 0 when the URL names none."""
    from redis.connection import parse_url  # here: only the app and the worker need it

    try:
        return int(parse_url(url).get("db") or 0)  # type: ignore[no-untyped-call]
    except ValueError:  # ?db= that is not a number: the connection itself refuses it
        return 0


def _non_empty_path(value: object) -> object:
    # Path("") is the current directory: an unset shell variable must not put the hub's data, or
    # look for its keys, wherever it happens to be started.
    if isinstance(value, str) and not value.strip():
        raise ValueError("an empty path; leave the setting out to use its default")
    return value


SettingPath = Annotated[Path, BeforeValidator(_non_empty_path)]


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Mode = Mode.SANDBOX
    data_dir: SettingPath = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    blob_dir: SettingPath | None = Field(default=None, description="default: <data_dir>/blobs")
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_url: str | None = Field(default=None, description="base URL used in WSDLs; default from host/port")
    language: str = "es"
    time_zone: str = Field(
        default=local_time.DEFAULT_TIME_ZONE,
        description="IANA zone of the wire's dates and of the registry numbers' year "
        "(FACe: Europe/Madrid; e.g. Atlantic/Canary, Europe/Lisbon)",
    )
    # The hub's own signing identity (signs every SOAP response). In sandbox mode it is generated
    # on first run in <data_dir>/hub; in production it must be configured.
    hub_cert_file: SettingPath | None = None
    hub_key_file: SettingPath | None = None
    hub_key_password: str | None = None
    hub_p12_file: SettingPath | None = None
    hub_p12_password: str | None = None
    redis_url: str | None = Field(
        default=None, description="Redis for the job queue (huey); default: SQLite file in the data dir"
    )
    jobs_queue: str = Field(default="facturahub", min_length=1, description="huey queue name")
    jobs_threads: int = Field(default=2, ge=1, le=64, description="threads of `facturahub worker`")
    jobs_poll_seconds: float = Field(
        default=1.0, gt=0, le=3600, allow_inf_nan=False, description="worker's longest idle poll interval"
    )
    # Mail (status-change notices to the invoice's ``correo``).
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "facturahub@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    # Notification delivery: the n-th failure waits retry_seconds * 2**(n-1), at most retry_max_seconds;
    # after max_attempts failures the notification is "failed" until ``facturahub notify retry``.
    notify_max_attempts: int = Field(default=8, ge=1, le=100)
    notify_retry_seconds: float = Field(default=60.0, gt=0, le=86400, allow_inf_nan=False)
    notify_retry_max_seconds: float = Field(default=3600.0, gt=0, le=7 * 86400, allow_inf_nan=False)
    push_timeout_seconds: float = Field(default=30.0, gt=0, le=3600, allow_inf_nan=False)
    push_per_endpoint: int = Field(
        default=1,
        ge=1,
        le=64,
        description="push calls in flight to one endpoint (host and port) at once, per worker process; "
        "the others wait, unattempted, while the worker's other threads serve other endpoints",
    )
    push_pause_seconds: float = Field(
        default=60.0,
        ge=0,
        le=86400,
        allow_inf_nan=False,
        description="after an endpoint leaves a call unanswered for the whole push timeout, its pushes "
        "fail at once, without a call, for this long; 0: never pause",
    )
    # Push endpoints are named by integrators and called from inside the operator's network: see
    # facturahub.services.destinations (server-side request forgery).
    push_private_destinations: bool | None = Field(
        default=None,
        description="allow push endpoints on loopback, private, link-local and other non-public "
        "addresses; default: allowed in sandbox mode, refused in production",
    )
    push_allowed_networks: str = Field(
        default="",
        description="comma-separated networks (CIDR) push endpoints may use although they are not "
        "public, e.g. '10.20.0.0/16, fd00:1::/64'",
    )
    push_proxy_url: str | None = Field(
        default=None,
        description="HTTP proxy for push calls, http://[user:password@]host:port (https endpoints "
        "through CONNECT); default: push calls go straight to the endpoint",
    )
    push_no_proxy: str = Field(
        default="",
        description="comma-separated domain names (each with its subdomains) and networks (CIDR) that "
        "push calls reach directly although FACTURAHUB_PUSH_PROXY_URL is set, e.g. "
        "'intranet.example.org, 10.20.0.0/16'; the destination rule applies to them in full",
    )
    facturae_schema_dir: SettingPath | None = None
    trust_store: SettingPath | None = Field(
        default=None,
        description="PEM bundle of trusted CAs: invoice signing certificates must chain up to one of them "
        "(judged at the XAdES SigningTime); default: no chain validation",
    )
    max_request_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    soap_inline_max_bytes: int = Field(
        default=1024 * 1024,
        ge=0,
        description="SOAP requests up to this size are processed on the worker's event loop, larger ones "
        "in its thread pool; 0: always the thread pool",
    )
    clock_skew_seconds: int = Field(default=300, ge=0)
    timestamp_max_lifetime_seconds: int = Field(
        default=300,
        ge=1,
        le=86400,
        description="a request is accepted at most this long after its Timestamp's Created (plus the skew)",
    )
    response_signature_algorithm: Literal["rsa-sha256", "rsa-sha1", "rsa-sha512"] = Field(
        default="rsa-sha256",
        description="how responses are signed (the digest follows: sha256, sha1, sha512); rsa-sha1 for "
        "clients that verify nothing else",
    )
    workers: int | None = Field(
        default=None, ge=1, le=64, description="HTTP worker processes; default: cores"
    )

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        return None if value is None else check_database_url(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        return None if value is None else check_redis_url(value)

    @field_validator("jobs_queue")
    @classmethod
    def _jobs_queue(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("redis_url"):
            check_redis_queue_name(value)
        return value

    @field_validator("push_allowed_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # a ValueError names the entry
        return value

    @field_validator("push_proxy_url")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if value is not None and value.strip():
            parse_proxy_url(value)  # a ValueError says what is wrong
            return value
        return None

    @property
    def push_proxy(self) -> ProxyAddress | None:
        return None if self.push_proxy_url is None else parse_proxy_url(self.push_proxy_url)

    @field_validator("push_no_proxy")
    @classmethod
    def _no_proxy(cls, value: str) -> str:
        parse_no_proxy(value)  # a ValueError names the entry
        return value

    @property
    def push_direct(self) -> NoProxy:
        """The push endpoints that bypass ``push_proxy``."""
        return parse_no_proxy(self.push_no_proxy)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        return supported_language(value)  # a ValueError names the languages

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        local_time.time_zone(value)  # a ValueError names the zone
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The administration's local time zone (ZoneInfo keeps one instance per name)."""
        return local_time.time_zone(self.time_zone)

    @property
    def effective_push_private_destinations(self) -> bool:
        if self.push_private_destinations is None:
            return not self.is_production
        return self.push_private_destinations

    @property
    def effective_workers(self) -> int:
        return self.workers or max(1, min(os.cpu_count() or 1, 8))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'facturahub.db').resolve()}"

    @property
    def effective_blob_dir(self) -> Path:
        return self.blob_dir if self.blob_dir is not None else self.data_dir / "blobs"

    @property
    def jobs_file(self) -> Path:
        """The huey SQLite queue (when no Redis is configured)."""
        return self.data_dir / "jobs.db"

    @property
    def jobs_queue_label(self) -> str:
        """The queue the web app enqueues onto and a worker consumes: its storage and name. Each
        worker's heartbeat carries it and ``/health`` compares it with its own. A Redis server's
        host is left out (``localhost`` and ``127.0.0.1`` would look like two queues); the SQLite
        file is named by a digest of its path, which the public ``/health`` does not show (the
        worker's start-up line gives both)."""
        if self.redis_url:
            return f"redis db {redis_database(self.redis_url)} {self.jobs_queue}"
        file_digest = hashlib.sha256(str(self.jobs_file.resolve()).encode()).hexdigest()[:12]
        return f"sqlite {file_digest} {self.jobs_queue}"

    @property
    def hub_identity_dir(self) -> Path:
        return self.data_dir / "hub"

    @property
    def effective_public_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def is_production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    def ensure_data_dir(self) -> Path:
        """Create the data directory if it is missing; a path that cannot be one (a file, no
        permission) is a configuration error naming it."""
        return _ensure_directory(self.data_dir, "config.data_dir_unusable")

    def ensure_blob_dir(self) -> Path:
        """The same for the blob directory."""
        return _ensure_directory(self.effective_blob_dir, "config.blob_dir_unusable")


def _ensure_directory(path: Path, key: str) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file is in the way
        raise ConfigurationError(
            key,
            path=str(path),
            detail=system_reason(NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))),
        ) from None
    except OSError as exc:
        raise ConfigurationError(key, path=str(path), detail=system_reason(exc)) from None
    return path


def _from_environment(environ: Mapping[str, str]) -> dict[str, str]:
    fields = set(Settings.model_fields)
    values: dict[str, str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or name == CONFIG_FILE_ENV:
            continue
        field = name[len(ENV_PREFIX) :].lower()
        if field in fields:
            values[field] = value
    return values


def _problem(error: Any) -> str:
    """pydantic's message, without the "Value error, " it puts before our validators' own words."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return str(error["msg"])


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings: defaults → file → environment → explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or (Path(env[CONFIG_FILE_ENV]) if env.get(CONFIG_FILE_ENV) else None)
    if path is not None:
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigurationError("config.file_missing", path=str(path)) from None
        except OSError as exc:  # a directory, no permission…
            raise ConfigurationError(
                "config.file_unreadable", path=str(path), detail=system_reason(exc)
            ) from None
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError("config.file_invalid", path=str(path), detail=str(exc)) from None
    values.update(_from_environment(env))
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {_problem(error)}" for error in exc.errors()
        )
        raise ConfigurationError("config.invalid", detail=problems) from None


register_messages(
    {
        "config.file_unreadable": {
            "es": "No se puede leer el fichero de configuración {path}: {detail}",
            "en": "Cannot read the configuration file {path}: {detail}",
        },
        "config.file_missing": {
            "es": "No existe el fichero de configuración {path}",
            "en": "The configuration file {path} does not exist",
        },
        "config.file_invalid": {
            "es": "El fichero de configuración {path} no es TOML válido: {detail}",
            "en": "The configuration file {path} is not valid TOML: {detail}",
        },
        "config.data_dir_unusable": {
            "es": "No se puede usar {path} como directorio de datos: {detail}",
            "en": "Cannot use {path} as the data directory: {detail}",
        },
        "config.blob_dir_unusable": {
            "es": "No se puede usar {path} como directorio de ficheros (blobs): {detail}",
            "en": "Cannot use {path} as the blob directory: {detail}",
        },
        "config.invalid": {
            "es": "Configuración no válida: {detail}",
            "en": "Invalid configuration: {detail}",
        },
    }
)


def settings_environment(settings: Settings) -> dict[str, str]:
    """The settings as ``FACTURAHUB_*`` variables, for worker processes that rebuild them."""
    values = settings.model_dump(exclude_none=True)
    return {f"{ENV_PREFIX}{name.upper()}": str(value) for name, value in values.items()}
