"""zeep WS-Security plugins: a signed ``wsu:Timestamp`` plus zeep's BinarySignature with in-memory
PEM material, and verification of responses with the server's certificate using facturahub's own
verifier (never with a key the response supplies by itself).

Request form (the one zeep, PHP and OCA clients send, protocols.md §1.1): a BinarySecurityToken
with our certificate, a Timestamp (5 minutes), and an rsa-sha1 signature over Body and Timestamp
referencing the token — zeep's defaults, accepted by FACe, eFACT and facturahub alike.
"""

# mypy: disallow-untyped-calls=False
# (zeep ships no type hints)

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from zeep.wsse.compose import Compose
from zeep.wsse.signature import BinarySignature, MemorySignature
from zeep.wsse.utils import WSU, get_security_header, get_timestamp

from facturahub.client.errors import ResponseNotVerified
from facturahub.errors import FacturahubError
from facturahub.signatures.wssecurity import WSSPolicy, verify_request

# Responses: the Body must be signed; a Timestamp, when present, must be fresh. Public services
# differ on whether the Timestamp is signed and on its lifetime, so neither is required here.
RESPONSE_POLICY = WSSPolicy(
    require_timestamp=False,
    require_signed_timestamp=False,
    max_lifetime_seconds=24 * 3600,
)


class Timestamp:
    """Adds a wsu:Timestamp; put it before the signature so it is signed."""

    def __init__(self, lifetime_seconds: int = 300) -> None:
        self.lifetime = lifetime_seconds

    def apply(self, envelope: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        created = datetime.now(UTC)
        security = get_security_header(envelope)
        security.append(
            WSU.Timestamp(
                WSU.Created(get_timestamp(created)),
                WSU.Expires(get_timestamp(created + timedelta(seconds=self.lifetime))),
            )
        )
        return envelope, headers

    def verify(self, envelope: Any) -> Any:
        return envelope


class _Signature(MemorySignature):
    """zeep's BinarySignature (token + signature over Body and Timestamp) with in-memory PEMs;
    responses are verified by :class:`ServerVerification`, not by zeep."""

    apply = BinarySignature.apply

    def verify(self, envelope: Any) -> Any:
        return envelope


class ServerVerification:
    """Verifies a response's WS-Security signature with the server certificate the user trusts:
    the key of that certificate, not the one the response carries, must verify it. Faults are
    signed too (protocols.md §1) and verified the same way. Without a certificate nothing is
    verified (the command warns)."""

    def __init__(self, server_certificate: x509.Certificate | None) -> None:
        self.certificate = server_certificate

    def apply(self, envelope: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        return envelope, headers

    def verify(self, envelope: Any) -> Any:
        certificate = self.certificate
        if certificate is None:
            return envelope
        try:
            verify_request(
                envelope, RESPONSE_POLICY, datetime.now(UTC), resolve_key=lambda _reference: certificate
            )
        except FacturahubError as error:
            raise ResponseNotVerified(error) from None
        return envelope


def signer(key_pem: bytes, cert_pem: bytes, server_certificate: x509.Certificate | None) -> Compose:
    signature = _Signature(key_pem, cert_pem)
    return Compose([Timestamp(), signature, ServerVerification(server_certificate)])
