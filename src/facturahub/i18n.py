"""User-facing text, translatable: Spanish by default, English available.

Each package keeps its own catalog next to its code (a ``messages.py`` with a dict mapping a stable
key to ``{"es": ..., "en": ...}``) and registers it here, so no single file becomes everyone's
merge conflict. Templates use ``str.format`` named fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

DEFAULT_LANGUAGE = "es"
LANGUAGES = ("es", "en")

_CATALOG: dict[str, dict[str, str]] = {}


@runtime_checkable
class Localized(Protocol):
    """A message parameter that has its own words in each language (the system's reason for a
    failed file operation, for example): :func:`translate` renders it in the message's language."""

    def in_language(self, language: str) -> str: ...


def register_messages(messages: Mapping[str, Mapping[str, str]]) -> None:
    """Add a package's messages; a key registered twice with different text is a bug."""
    for key, texts in messages.items():
        if DEFAULT_LANGUAGE not in texts:
            raise ValueError(f"message {key!r} has no {DEFAULT_LANGUAGE!r} text")
        existing = _CATALOG.get(key)
        if existing is not None and existing != dict(texts):
            raise ValueError(f"message {key!r} registered twice with different texts")
        _CATALOG[key] = dict(texts)


def has_message(key: str) -> bool:
    return key in _CATALOG


def normalise_language(language: str | None) -> str:
    short = _primary_subtag(language or "")
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


def supported_language(language: str) -> str:
    """``language`` (``es``, ``en-GB``, ``EN``…) as one of :data:`LANGUAGES`, or ``ValueError``."""
    short = _primary_subtag(language)
    if short not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r} ({', '.join(LANGUAGES)})")
    return short


def _primary_subtag(language: str) -> str:
    """``en`` of ``en-GB``, ``EN_gb``, `` en ``."""
    return language.strip().lower().replace("_", "-").split("-")[0]


def translate(key: str, language: str | None = None, /, **params: object) -> str:
    """Render ``key`` in ``language``; unknown keys render as the key and its parameters."""
    texts = _CATALOG.get(key)
    if texts is None:
        detail = ", ".join(f"{name}={_shortened(value, 'en')}" for name, value in sorted(params.items()))
        return f"{key} ({detail})" if detail else key
    chosen = normalise_language(language)
    template = texts.get(chosen) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**{name: _shortened(value, chosen) for name, value in params.items()})
    except (KeyError, IndexError, ValueError):
        return template


# A message repeats what it refuses; a value longer than this (a 10,000-character "NIF", a pasted
# file) is shown by its beginning and its length, so that the reason stays one readable line.
_LONGEST_PARAMETER = 1000
_SHOWN_OF_LONG_PARAMETER = 300
_CHARACTERS = {"es": "caracteres", "en": "characters"}


def _shortened(value: object, language: str) -> object:
    if isinstance(value, Localized):
        value = value.in_language(language)
    if not isinstance(value, str) or len(value) <= _LONGEST_PARAMETER:
        return value
    return f"{value[:_SHOWN_OF_LONG_PARAMETER]}… ({len(value)} {_CHARACTERS[language]})"
