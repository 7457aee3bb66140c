"""The hub's own signing identity (certificate + RSA key), which signs every SOAP response.

Sandbox mode: generated on first run under ``<data_dir>/hub`` (key file mode 0600) and reused.
Production mode: loaded from the configured PEM pair or PKCS#12 file; start-up fails with a
clear message when they are missing or unusable.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from facturahub.config import Settings
from facturahub.errors import ConfigurationError
from facturahub.i18n import register_messages
from facturahub.signatures.certgen import Identity, issue, load_identity
from facturahub.system_errors import system_reason

CERT_NAME = "hub-cert.pem"
KEY_NAME = "hub-key.pem"


def load_hub_identity(settings: Settings) -> Identity:
    if settings.hub_p12_file is not None:
        return _from_pkcs12(settings.hub_p12_file, settings.hub_p12_password)
    if settings.hub_cert_file is not None or settings.hub_key_file is not None:
        if settings.hub_cert_file is None or settings.hub_key_file is None:
            raise ConfigurationError("hub_identity.pair_incomplete")
        return _from_pem(settings.hub_cert_file, settings.hub_key_file, settings.hub_key_password)
    if settings.is_production:
        raise ConfigurationError("hub_identity.missing_in_production")
    return _sandbox_identity(settings.hub_identity_dir)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(
            "hub_identity.unreadable", path=str(path), detail=system_reason(exc)
        ) from None


def _from_pem(cert_path: Path, key_path: Path, password: str | None) -> Identity:
    try:
        return load_identity(_read(cert_path), _read(key_path), password.encode() if password else None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError("hub_identity.invalid", path=str(cert_path), detail=str(exc)) from None


def _from_pkcs12(path: Path, password: str | None) -> Identity:
    try:
        key, certificate, _chain = pkcs12.load_key_and_certificates(
            _read(path), password.encode() if password else None
        )
    except ValueError as exc:
        raise ConfigurationError("hub_identity.invalid", path=str(path), detail=str(exc)) from None
    if key is None or certificate is None:
        raise ConfigurationError(
            "hub_identity.invalid", path=str(path), detail="no private key or certificate"
        )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("hub_identity.invalid", path=str(path), detail="the key is not RSA")
    return Identity(certificate, key)


def _sandbox_identity(directory: Path) -> Identity:
    cert_path, key_path = directory / CERT_NAME, directory / KEY_NAME
    if cert_path.exists() and key_path.exists():
        return _from_pem(cert_path, key_path, None)
    directory.mkdir(parents=True, exist_ok=True)
    identity = issue("facturahub sandbox hub", organisation="facturahub sandbox", days=3650)
    write_private(key_path, identity.private_key_pem)
    cert_path.write_bytes(identity.certificate_pem)
    return identity


def write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable by its owner only (created 0600, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


register_messages(
    {
        "hub_identity.missing_in_production": {
            "es": "En modo producción hay que configurar el certificado de firma del hub: "
            "FACTURAHUB_HUB_CERT_FILE y FACTURAHUB_HUB_KEY_FILE (PEM) o FACTURAHUB_HUB_P12_FILE (PKCS#12)",
            "en": "Production mode needs the hub's signing certificate: set FACTURAHUB_HUB_CERT_FILE and "
            "FACTURAHUB_HUB_KEY_FILE (PEM) or FACTURAHUB_HUB_P12_FILE (PKCS#12)",
        },
        "hub_identity.pair_incomplete": {
            "es": "Hay que configurar a la vez FACTURAHUB_HUB_CERT_FILE y FACTURAHUB_HUB_KEY_FILE",
            "en": "FACTURAHUB_HUB_CERT_FILE and FACTURAHUB_HUB_KEY_FILE must be set together",
        },
        "hub_identity.unreadable": {
            "es": "No se puede leer {path}: {detail}",
            "en": "Cannot read {path}: {detail}",
        },
        "hub_identity.invalid": {
            "es": "El certificado de firma del hub en {path} no se puede usar: {detail}",
            "en": "The hub's signing certificate in {path} cannot be used: {detail}",
        },
    }
)
