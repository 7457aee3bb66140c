"""Spanish tax identifiers: NIF (DNI), NIE, CIF and the K/L/M personal NIFs.

``normalise_nif`` accepts the forms people type (lower case, spaces, dashes, dots, an ``ES``
prefix) and returns the canonical upper-case form, or raises ``InvalidInput('nif.invalid')``
saying why (wrong shape, or the check character that was expected).
"""

from __future__ import annotations

import re
from enum import StrEnum

from facturahub.errors import InvalidInput

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CIF_CONTROL_LETTERS = "JABCDEFGHI"
_CIF_ORG_LETTERS = "ABCDEFGHJNPQRSUVW"
_CIF_LETTER_CONTROL = set("NPQRSW")  # control is always a letter
_CIF_DIGIT_CONTROL = set("ABEH")  # control is always a digit
_NIE_PREFIX = {"X": "0", "Y": "1", "Z": "2"}

_SHAPE = re.compile(r"^[A-Z0-9]{9}$")


class TaxIdKind(StrEnum):
    DNI = "dni"
    NIE = "nie"
    CIF = "cif"
    KLM = "klm"  # NIF of Spaniards under 14 (K), non-resident Spaniards (L), foreigners without NIE (M)


_SEPARATORS = re.compile(r"[\s.\-/]")  # what people write between a tax id's characters


def clean(value: str) -> str:
    text = _SEPARATORS.sub("", value or "").upper()
    if text.startswith("ES") and len(text) == 11:
        text = text[2:]
    return text


# An invoice issuer's tax id, once cleaned: letters and digits of any script and "&" (a Mexican
# RFC may hold "Ñ" or "&"), as a status download names it and as its ZIP entry carries it.
ISSUER_TAX_ID = re.compile(r"[\w&]{2,32}")


def issuer_tax_id(value: str) -> str:
    """An invoice issuer's tax id as intake stores it and the status downloads look it up (one
    rule for both, or an issuer could never find its documents): upper case, without spaces,
    dots, dashes or slashes, and without ``ES`` before a Spanish-shaped id, whether the issuer is
    resident or not (``ESN0032484H`` is the NIF ``N0032484H`` of a foreign company)."""
    text = _SEPARATORS.sub("", value or "").upper()
    if len(text) == 11 and text.startswith("ES") and classify(text[2:]) is not None:
        return text[2:]
    return text


def classify(nif: str) -> TaxIdKind | None:
    """Return the kind a cleaned identifier has the shape of, or None."""
    if re.fullmatch(r"\d{8}[A-Z]", nif):
        return TaxIdKind.DNI
    if re.fullmatch(r"[XYZ]\d{7}[A-Z]", nif):
        return TaxIdKind.NIE
    if re.fullmatch(r"[KLM]\d{7}[A-Z]", nif):
        return TaxIdKind.KLM
    if re.fullmatch(rf"[{_CIF_ORG_LETTERS}]\d{{7}}[0-9A-J]", nif):
        return TaxIdKind.CIF
    return None


def dni_letter(number: int) -> str:
    return _DNI_LETTERS[number % 23]


def cif_control(seven_digits: str) -> tuple[str, str]:
    """Return (control digit, control letter) for the 7 central digits of a CIF."""
    total = 0
    for position, char in enumerate(seven_digits):
        digit = int(char)
        if position % 2 == 0:  # odd positions (1st, 3rd, ...) are doubled
            doubled = digit * 2
            total += doubled // 10 + doubled % 10
        else:
            total += digit
    control = (10 - total % 10) % 10
    return str(control), _CIF_CONTROL_LETTERS[control]


def expected_check(nif: str, kind: TaxIdKind) -> set[str]:
    if kind is TaxIdKind.DNI:
        return {dni_letter(int(nif[:8]))}
    if kind is TaxIdKind.NIE:
        return {dni_letter(int(_NIE_PREFIX[nif[0]] + nif[1:8]))}
    if kind is TaxIdKind.KLM:
        return {dni_letter(int(nif[1:8]))}
    digit, letter = cif_control(nif[1:8])
    if nif[0] in _CIF_LETTER_CONTROL:
        return {letter}
    if nif[0] in _CIF_DIGIT_CONTROL:
        return {digit}
    return {digit, letter}


def normalise_nif(value: str) -> str:
    """Validate a Spanish NIF/NIE/CIF and return it canonical, or raise ``nif.invalid``."""
    nif = clean(value)
    if not _SHAPE.match(nif):
        raise InvalidInput("nif.invalid_shape", value=value)
    kind = classify(nif)
    if kind is None:
        raise InvalidInput("nif.invalid_shape", value=value)
    expected = expected_check(nif, kind)
    if nif[-1] not in expected:
        raise InvalidInput("nif.wrong_check", value=value, expected="/".join(sorted(expected)), found=nif[-1])
    return nif


def is_valid_nif(value: str) -> bool:
    try:
        normalise_nif(value)
    except InvalidInput:
        return False
    return True
