"""The error hierarchy. Every error has a stable ``key`` and named parameters; no protocol codes
here — each face (SOAP profile, REST, portal, CLI) maps keys to its own codes in one module.

The message is rendered from the key through :mod:`facturahub.i18n`, so the same error reads in
Spanish or English and always says precisely what failed.
"""

from __future__ import annotations

from typing import Any

from facturahub.i18n import translate


class FacturahubError(Exception):
    """Base of every error facturahub raises on purpose."""

    def __init__(self, key: str, /, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, language: str | None = None) -> str:
        return translate(self.key, language, **self.params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key!r}, {self.params!r})"


class InvalidInput(FacturahubError):
    """The caller sent something malformed or not allowed by a rule."""


class NotFound(FacturahubError):
    """The thing named does not exist (or is not visible to the caller)."""


class Conflict(FacturahubError):
    """The request contradicts existing state (duplicate, wrong state, already assigned)."""


class PermissionDenied(FacturahubError):
    """The caller may not do this, or not on behalf of that integrator."""


class SecurityError(FacturahubError):
    """A message failed a security check (WS-Security, hardened parsing, tokens)."""


class SignatureInvalid(FacturahubError):
    """A document signature (XAdES) failed verification."""


class StorageUnavailable(FacturahubError):
    """A store the hub writes to failed (disk full, I/O error): nothing was saved; retry later."""


class ConfigurationError(FacturahubError):
    """The hub is misconfigured; start-up must stop with this message."""
