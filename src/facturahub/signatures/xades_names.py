"""Compare the ``ds:X509IssuerName`` string a signer wrote with a certificate's issuer.

Signers write distinguished names in several dialects: RFC 4514 (``CN=…,O=…,C=ES``), reversed
order, OpenSSL or Java keywords (``E=``, ``SERIALNUMBER=``, ``stateOrProvinceName=``), dotted OIDs
(``2.5.4.97=`` or ``OID.2.5.4.97=``) and hex-encoded values (``2.5.4.5=#1309…``). Names are compared
as sets of (attribute OID, value) pairs, values case-folded with whitespace collapsed; the order of
the RDNs is not significant because the dialects disagree on it. The certificate digest in
``SigningCertificate`` remains the binding check; this one only catches an inconsistent claim.
"""

from __future__ import annotations

import functools
import unicodedata

from cryptography import x509

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
    "postalcode": "2.5.4.17",
    "gn": "2.5.4.42",
    "givenname": "2.5.4.42",
    "initials": "2.5.4.43",
    "generationqualifier": "2.5.4.44",
    "dnqualifier": "2.5.4.46",
    "pseudonym": "2.5.4.65",
    "organizationidentifier": "2.5.4.97",
    "e": "1.2.840.113549.1.9.1",
    "email": "1.2.840.113549.1.9.1",
    "emailaddress": "1.2.840.113549.1.9.1",
    "dc": "0.9.2342.19200300.100.1.25",
    "uid": "0.9.2342.19200300.100.1.1",
}
# Longer issuer names are read each time rather than kept in the cache.
_CACHED_NAME_LENGTH = 1024
# DER string types a hex-encoded attribute value may carry, and how to decode them.
_DER_STRINGS = {0x0C: "utf-8", 0x13: "latin-1", 0x16: "latin-1", 0x14: "latin-1", 0x1E: "utf-16-be"}


def issuer_matches(written: str, certificate: x509.Certificate) -> bool:
    """Whether ``written`` names the same issuer as ``certificate.issuer``."""
    claimed = _claimed(written) if len(written) <= _CACHED_NAME_LENGTH else _read_claimed(written)
    if claimed is None:
        return False
    actual = sorted(
        (attribute.oid.dotted_string, _normalise(attribute.value))
        for attribute in certificate.issuer
        if isinstance(attribute.value, str)
    )
    return list(claimed) == actual


@functools.lru_cache(maxsize=256)
def _claimed(written: str) -> tuple[tuple[str, str], ...] | None:
    """The sorted pairs of a written issuer name (None if unreadable); the few issuers real
    signers write recur on every invoice, so they are read once."""
    return _read_claimed(written)


def _read_claimed(written: str) -> tuple[tuple[str, str], ...] | None:
    try:
        return tuple(sorted(parse_name(written)))
    except ValueError:
        return None


def parse_name(text: str) -> list[tuple[str, str]]:
    """(OID, normalised value) pairs of a string DN; ``ValueError`` if it cannot be read."""
    pairs: list[tuple[str, str]] = []
    for item in _split(text.strip()):
        name, separator, value = item.partition("=")
        if not separator:
            raise ValueError(f"no '=' in {item!r}")
        pairs.append((_oid(name.strip()), _normalise(_value(value.strip()))))
    if not pairs:
        raise ValueError("empty name")
    return pairs


def _split(text: str) -> list[str]:
    """Split on unescaped, unquoted ``,`` ``;`` and ``+`` (all attributes, RDN boundaries aside)."""
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
        if char in ",;+" and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    if quoted:
        raise ValueError("unterminated quotes")
    items.append("".join(current).strip())
    return [item for item in items if item]


def _oid(name: str) -> str:
    lowered = name.lower()
    if lowered.startswith("oid."):
        lowered = lowered[4:]
    if lowered and all(part.isdigit() for part in lowered.split(".")):
        return lowered
    if lowered not in _OIDS:
        raise ValueError(f"unknown attribute {name!r}")
    return _OIDS[lowered]


def _value(raw: str) -> str:
    if raw.startswith("#"):
        return _der_string(bytes.fromhex(raw[1:]))
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    out: list[str] = []
    pending = bytearray()
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\" and _is_hex(raw[index + 1 : index + 3]):
            pending.append(int(raw[index + 1 : index + 3], 16))
            index += 3
            continue
        if pending:
            out.append(pending.decode("utf-8", "replace"))
            pending.clear()
        if char == "\\" and index + 1 < len(raw):
            out.append(raw[index + 1])
            index += 2
            continue
        out.append(char)
        index += 1
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return "".join(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _der_string(der: bytes) -> str:
    if len(der) < 2 or der[0] not in _DER_STRINGS:
        raise ValueError("hex value is not a DER string")
    length, offset = der[1], 2
    if length & 0x80:
        count = length & 0x7F
        length, offset = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    content = der[offset : offset + length]
    if len(content) != length:
        raise ValueError("truncated DER string")
    return content.decode(_DER_STRINGS[der[0]])


def _normalise(value: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
