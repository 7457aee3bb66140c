"""WS-Security for the SOAP faces: verify signed requests, sign responses.

Public API (see the modules for details):

* :func:`verify_request` with a :class:`WSSPolicy` → :class:`VerifiedRequest`;
* :func:`check_envelope` / :func:`parse_envelope` for the envelope-level faults (101-104);
* :func:`sign_envelope` for responses and faults;
* key references: :class:`CertificateReference`, :class:`IssuerSerialReference`, and the
  ``resolve_key`` callback type :data:`KeyResolver`.

Errors are :class:`facturahub.errors.SecurityError` with ``wss.*`` keys (catalog in
:mod:`facturahub.signatures.wss_messages`).
"""

from facturahub.signatures import wss_messages as _wss_messages  # noqa: F401  (registers the catalog)
from facturahub.signatures.dsig_algorithms import (
    DIGEST_METHOD_NAMES,
    DIGEST_METHODS,
    SIGNATURE_METHOD_NAMES,
    SIGNATURE_METHODS,
)
from facturahub.signatures.wss_envelope import EnvelopeParts, check_envelope, parse_envelope
from facturahub.signatures.wss_keys import (
    CertificateReference,
    IssuerSerialReference,
    KeyReference,
    KeyResolver,
)
from facturahub.signatures.wss_sign import sign_envelope
from facturahub.signatures.wss_verify import VerifiedRequest, WSSPolicy, verify_request

__all__ = [
    "DIGEST_METHODS",
    "DIGEST_METHOD_NAMES",
    "SIGNATURE_METHODS",
    "SIGNATURE_METHOD_NAMES",
    "CertificateReference",
    "EnvelopeParts",
    "IssuerSerialReference",
    "KeyReference",
    "KeyResolver",
    "VerifiedRequest",
    "WSSPolicy",
    "check_envelope",
    "parse_envelope",
    "sign_envelope",
    "verify_request",
]
