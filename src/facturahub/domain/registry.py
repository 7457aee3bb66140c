"""Registry rules: users, integrators, delegates, certificates and platforms.

Pure functions over plain values; the services apply them before touching the store.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from facturahub.errors import InvalidInput

MIN_RSA_BITS = 2048
MAX_NOTIFICATION_EMAILS = 2
# One mailbox: a dot-atom local part (letters of any script allowed) @ a domain of at least two
# labels. No list separators, quotes, angle brackets or spaces: the address is a single SMTP
# recipient, never a header a supplier could turn into several.
_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]*[^\W_])?"
_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})+")
_HEX = re.compile(r"[0-9a-f]+")
_UUID_LOWER = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_TEST_CERTIFICATE = re.compile(r"PRUEBAS|TEST|SANDBOX|PRUEBA", re.IGNORECASE)


class Role(StrEnum):
    ADMINISTRATOR = "administrator"  # global administrator: may manage delegates
    DELEGATE = "delegate"  # authorised user ("Autorizado")


class Capability(StrEnum):
    SENDING = "sending"
    RECEPTION = "reception"
    CITIZEN_DELIVERY = "citizen_delivery"


class UnitAssociationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVOKED = "revoked"


def require_text(field: str, value: str | None, *, max_length: int, multiline: bool = False) -> str:
    """``value`` without surrounding blanks; it must be present, fit ``max_length`` and hold no
    control characters (a NUL cannot be stored by PostgreSQL; the others garble one-line displays).
    A ``multiline`` text may hold line breaks and tabs."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput("registry.field_required", field=field)
    if len(text) > max_length:
        raise InvalidInput("registry.field_too_long", field=field, limit=max_length, length=len(text))
    control = first_control_character(text, allowed=_MULTILINE_CONTROLS if multiline else "")
    if control is not None:
        raise InvalidInput("registry.field_control_character", field=field, character=control)
    return text


def optional_text(field: str, value: str | None, *, max_length: int) -> str | None:
    text = (value or "").strip()
    return require_text(field, text, max_length=max_length) if text else None


# Characters that reorder the text displayed around them (bidirectional embeddings, overrides and
# isolates): "\u202eNIF" shows reversed, the Trojan Source trick. Plain right-to-left text needs
# none of them, and line and paragraph separators break one-line displays like a line feed.
_DISPLAY_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SEPARATOR_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
# Characters XML 1.0 cannot carry (lxml refuses to serialise them): controls, lone surrogates,
# U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MULTILINE_CONTROLS = "\n\r\t\u2028\u2029"


def first_control_character(text: str, *, allowed: str = "") -> str | None:
    """The first character of ``text`` not in ``allowed`` that stored text must not hold, written
    ``U+0000``; None if there is none: C0 and C1 controls, line and paragraph separators,
    bidirectional formatting, and what XML cannot carry at all (U+FFFE, U+FFFF, lone
    surrogates), which would make every SOAP answer that lists the text fail."""
    for char in text:
        if char in allowed:
            continue
        if (
            char in _DISPLAY_CONTROLS
            or unicodedata.category(char) in _SEPARATOR_CATEGORIES
            or NOT_XML.match(char)
        ):
            return f"U+{ord(char):04X}"
    return None


def normalise_email(value: str | None, field: str = "email") -> str:
    text = require_text(field, value, max_length=254)
    if not _EMAIL.fullmatch(text):
        raise InvalidInput("registry.email_invalid", field=field, value=text)
    return text


def normalise_thumbprint(value: str, lengths: tuple[int, ...] = (40, 64)) -> str:
    """A certificate thumbprint (SHA-1: 40, SHA-256: 64 hex digits) as stored: lower case, without
    the colons or spaces viewers write between its bytes."""
    text = value.strip().lower().replace(":", "").replace(" ", "")
    if len(text) not in lengths or not _HEX.fullmatch(text):
        raise InvalidInput("certificate.reference_invalid", value=value)
    return text


def normalise_phone(value: str | None) -> str | None:
    text = re.sub(r"[\s\-().]", "", value or "")
    if not text:
        return None
    if not re.fullmatch(r"\+?[0-9]{6,15}", text):  # ASCII digits only: \d also takes ٣ or ３
        raise InvalidInput("registry.phone_invalid", value=value)
    return text


def normalise_language(value: str | None) -> str:
    text = ("es" if value is None else value).strip().lower()  # "" is a mistake, not Spanish
    if text not in ("es", "en", "ca", "pt", "gl", "eu"):
        raise InvalidInput("registry.language_invalid", value=value)
    return text


def notification_emails(values: list[str]) -> tuple[str | None, str | None]:
    cleaned = [v.strip() for v in values if v and v.strip()]
    if len(cleaned) > MAX_NOTIFICATION_EMAILS:
        raise InvalidInput("registry.too_many_notification_emails", limit=MAX_NOTIFICATION_EMAILS)
    emails = [normalise_email(v, "notification_email") for v in cleaned]
    if len(emails) == 2 and emails[0].casefold() == emails[1].casefold():
        # every notice would go twice to one mailbox, and the second address is not a fallback
        raise InvalidInput("registry.notification_email_repeated", value=emails[1])
    return (emails[0] if emails else None, emails[1] if len(emails) > 1 else None)


def normalise_instance_id(value: str) -> str:
    """An FSP instance id: an RFC 4122 UUID written in lower case."""
    text = (value or "").strip()
    if not _UUID_LOWER.match(text):
        try:
            parsed = uuid.UUID(text)
        except ValueError:
            raise InvalidInput("platform.instance_id_invalid", value=value) from None
        expected = str(parsed)
        if text == expected:  # a UUID, but not of RFC 4122's variant or versions
            raise InvalidInput("platform.instance_id_invalid", value=value)
        if text.lower() == expected:
            raise InvalidInput("platform.instance_id_not_lowercase", value=value, expected=expected)
        # braces, urn:uuid:, no hyphens: Python reads them, FSP does not
        raise InvalidInput("platform.instance_id_not_canonical", value=value, expected=expected)
    return text


@dataclass(frozen=True)
class Capabilities:
    sending: bool = False
    reception: bool = False
    citizen_delivery: bool = False

    def __post_init__(self) -> None:
        if not (self.sending or self.reception or self.citizen_delivery):
            raise InvalidInput("platform.no_capability")

    def names(self) -> list[str]:
        return [
            capability.value
            for capability, enabled in (
                (Capability.SENDING, self.sending),
                (Capability.RECEPTION, self.reception),
                (Capability.CITIZEN_DELIVERY, self.citizen_delivery),
            )
            if enabled
        ]


def check_certificate_acceptable(
    *, not_before: datetime, not_after: datetime, key_type: str, key_size: int, now: datetime
) -> None:
    """A certificate may be registered only while valid and with a strong enough key."""
    if not_after < now:
        raise InvalidInput("certificate.expired", not_after=not_after.isoformat(), now=now.isoformat())
    if key_type == "RSA" and key_size < MIN_RSA_BITS:
        raise InvalidInput("certificate.weak_key", key_size=key_size, minimum=MIN_RSA_BITS)
    if key_type in ("DSA",):
        raise InvalidInput("certificate.key_type_refused", key_type=key_type)


def is_test_certificate(subject: str, issuer: str) -> bool:
    """A test certificate, which production refuses (FACe's 106 for a SOAP request's signature,
    442 for an invoice's): its subject or its issuer says so — FNMT's ``… PRUEBAS`` certificates,
    "AC … PRUEBAS" issuers, facturahub's own sandbox certificates."""
    return bool(_TEST_CERTIFICATE.search(subject) or _TEST_CERTIFICATE.search(issuer))
