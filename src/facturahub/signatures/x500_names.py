"""Distinguished names as signers write them (``ds:X509IssuerName``), compared by meaning.

This is the one place that reads a written DN: WS-Security's ``X509IssuerSerial`` key reference,
XAdES' ``SigningCertificate`` and the registry's lookup by issuer and serial all use it. Signers
write names in several dialects, and each must name the same certificate:

- RFC 2253/4514 (``CN=…,O=…,C=ES``), as Java's ``X500Principal``, WSS4J and Santuario write it,
  with unknown attributes as a dotted OID and a hex-encoded BER value
  (``2.5.4.97=#0c0f5641544553…``, ``1.2.840.113549.1.9.1=#16…``) and hex-pair escapes (``\\C3\\B3``);
- .NET's ``X500DistinguishedName`` (``CN=a, E=b, SERIALNUMBER=c, OID.2.5.4.97=d, O="x, S.A."``);
- OpenSSL and xmlsec keywords (``emailAddress=``, ``organizationIdentifier=``,
  ``stateOrProvinceName=``), RFC 1779's ``;`` separators and quoted values;
- PHP's xmlseclibs, which joins ``key=value`` pairs with ``,`` without escaping the values: a ``,``
  is a separator only when an attribute type and ``=`` follow it.

Names are compared as multisets of (attribute OID, value) pairs, values NFKC-normalised, case-folded
and with whitespace collapsed; the order of the RDNs is not significant because the dialects
disagree on it. Matching a name only *selects* a certificate: the signature must still verify with
that certificate's key.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from cryptography import x509

NameKey = tuple[tuple[str, str], ...]  # sorted (dotted OID, normalised value) pairs

_OIDS: dict[str, str] = {
    "cn": "2.5.4.3",
    "commonname": "2.5.4.3",
    "sn": "2.5.4.4",
    "surname": "2.5.4.4",
    "serialnumber": "2.5.4.5",
    "c": "2.5.4.6",
    "countryname": "2.5.4.6",
    "l": "2.5.4.7",
    "localityname": "2.5.4.7",
    "st": "2.5.4.8",
    "s": "2.5.4.8",
    "stateorprovincename": "2.5.4.8",
    "street": "2.5.4.9",
    "streetaddress": "2.5.4.9",
    "o": "2.5.4.10",
    "organizationname": "2.5.4.10",
    "ou": "2.5.4.11",
    "organizationalunitname": "2.5.4.11",
    "t": "2.5.4.12",
    "title": "2.5.4.12",
    "description": "2.5.4.13",
    "businesscategory": "2.5.4.15",
    "postalcode": "2.5.4.17",
    "g": "2.5.4.42",
    "gn": "2.5.4.42",
    "givenname": "2.5.4.42",
    "i": "2.5.4.43",
    "initials": "2.5.4.43",
    "generationqualifier": "2.5.4.44",
    "dnq": "2.5.4.46",
    "dnqualifier": "2.5.4.46",
    "pseudonym": "2.5.4.65",
    "organizationidentifier": "2.5.4.97",
    "e": "1.2.840.113549.1.9.1",
    "email": "1.2.840.113549.1.9.1",
    "emailaddress": "1.2.840.113549.1.9.1",
    "dc": "0.9.2342.19200300.100.1.25",
    "uid": "0.9.2342.19200300.100.1.1",
    "jurisdictionc": "1.3.6.1.4.1.311.60.2.1.3",
    "jurisdictionst": "1.3.6.1.4.1.311.60.2.1.2",
    "jurisdictionl": "1.3.6.1.4.1.311.60.2.1.1",
}
# Longer names are read each time rather than kept in the cache.
_CACHED_NAME_LENGTH = 1024
# DER string types a hex-encoded attribute value may carry, and how to decode them.
_DER_STRINGS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "latin-1",  # NumericString
    0x13: "latin-1",  # PrintableString
    0x14: "latin-1",  # TeletexString (T61), read as Latin-1 as OpenSSL does
    0x16: "latin-1",  # IA5String
    0x1A: "latin-1",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}
_SERIAL = re.compile(r"[0-9]{1,60}", re.ASCII)
# What must follow a separator for it to separate: an attribute type and "=".
_NEXT_ATTRIBUTE = re.compile(r"\s*(?:[Oo][Ii][Dd]\.)?(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)\s*=")


def issuer_matches(written: str, certificate: x509.Certificate) -> bool:
    """Whether ``written`` names the same issuer as ``certificate.issuer`` (False if unreadable)."""
    try:
        claimed = read_name(written)
    except ValueError:
        return False
    return claimed == name_key(certificate.issuer)


def read_name(written: str) -> NameKey:
    """The comparable form of a written DN; ``ValueError`` saying why when it cannot be read."""
    if len(written) > _CACHED_NAME_LENGTH:
        return _read(written)
    return _read_cached(written)


def read_serial_number(written: str) -> int:
    """An ``X509SerialNumber``: ASCII decimal digits, at most 60 (RFC 5280 allows 20 octets, 49
    digits); ``ValueError`` otherwise (``str.isdigit`` admits "²", which ``int`` refuses)."""
    text = written.strip()
    if not _SERIAL.fullmatch(text):
        raise ValueError(f"{text[:80]!r} is not a decimal serial number")
    return int(text)


def name_key(name: x509.Name) -> NameKey:
    """The comparable form of a certificate's name."""
    return tuple(
        sorted(
            (attribute.oid.dotted_string, _normalise(attribute.value))
            for attribute in name
            if isinstance(attribute.value, str)
        )
    )


@functools.lru_cache(maxsize=256)
def _read_cached(written: str) -> NameKey:
    """The few issuers real signers write recur on every request, so they are read once (a
    ``ValueError`` is not cached, and is raised again for the next caller)."""
    return _read(written)


def _read(written: str) -> NameKey:
    pairs: list[tuple[str, str]] = []
    for item in _split(written.strip()):
        name, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"no '=' in {item!r}")
        pairs.append((_oid(name.strip()), _normalise(_value(value.strip()))))
    if not pairs:
        raise ValueError("empty name")
    return tuple(sorted(pairs))


def _split(text: str) -> list[str]:
    """Split on unescaped, unquoted ``,`` ``;`` and ``+`` followed by an attribute type and ``=``
    (all attributes, RDN boundaries aside)."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == '"':
            quoted = not quoted
        if char in ",;+" and not quoted and _NEXT_ATTRIBUTE.match(text, index + 1):
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    if quoted:
        raise ValueError("unterminated quotes")
    items.append("".join(current).strip())
    if not items[0] and len(items) > 1:
        raise ValueError(f"separator before the first attribute in {text!r}")
    return [item for item in items if item]


def _oid(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("oid."):
        lowered = lowered[4:]
    if lowered and all(part.isdigit() and part.isascii() for part in lowered.split(".")):
        return lowered
    if lowered not in _OIDS:
        raise ValueError(f"unknown attribute {name!r}")
    return _OIDS[lowered]


def _value(raw: str) -> str:
    if raw.startswith("#"):
        return _der_string(raw[1:])
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    out = bytearray()  # escaped hex pairs are UTF-8 bytes, possibly of one character
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and _is_hex(raw[index + 1 : index + 3]):
            out.append(int(raw[index + 1 : index + 3], 16))
            index += 3
            continue
        if char == "\\" and index + 1 < len(raw):
            index += 1
            char = raw[index]
        out.extend(char.encode())
        index += 1
    try:
        return out.decode()
    except UnicodeDecodeError:
        raise ValueError(f"escaped bytes in {raw!r} are not UTF-8") from None


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _der_string(hex_text: str) -> str:
    try:
        der = bytes.fromhex(hex_text)
    except ValueError:
        raise ValueError(f"#{hex_text} is not hexadecimal") from None
    if len(der) < 2 or der[0] not in _DER_STRINGS:
        raise ValueError(f"#{hex_text} is not a BER-encoded string")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    content = der[offset:]
    if len(content) != length:
        raise ValueError(f"#{hex_text}: the string's length is not {length} bytes")
    try:
        return content.decode(_DER_STRINGS[der[0]])
    except UnicodeDecodeError:
        raise ValueError(f"#{hex_text}: the string's bytes do not match its type") from None


def _normalise(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
