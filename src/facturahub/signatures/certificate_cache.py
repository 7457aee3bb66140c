"""Certificates carried in signed messages (a BinarySecurityToken, an ``X509Certificate``), decoded
once: the same few client and signer certificates arrive with every request, and decoding the
base64 and parsing the DER again each time is pure overhead.

The cache maps the exact (whitespace-free) base64 text to the DER bytes and the parsed certificate,
both immutable; what the callers check about the certificate is unchanged. Failures are never
cached. Texts longer than :data:`MAX_CACHED_TEXT` are decoded each time, so the cache stays small
whatever the messages carry.
"""

from __future__ import annotations

import base64
import functools

from cryptography import x509

MAX_CACHED_TEXT = 16 * 1024


def load_base64_certificate(text: str | None) -> tuple[bytes, x509.Certificate]:
    """The DER and the certificate of base64 ``text`` (whitespace ignored). Raises ``ValueError``
    (``binascii.Error`` for bad base64) like ``base64.b64decode(..., validate=True)`` and
    ``x509.load_der_x509_certificate`` do."""
    compact = "".join((text or "").split())
    if len(compact) > MAX_CACHED_TEXT:
        return _decode(compact)
    return _cached(compact)


@functools.lru_cache(maxsize=128)
def _cached(compact: str) -> tuple[bytes, x509.Certificate]:
    return _decode(compact)


def _decode(compact: str) -> tuple[bytes, x509.Certificate]:
    der = base64.b64decode(compact, validate=True)
    return der, x509.load_der_x509_certificate(der)
