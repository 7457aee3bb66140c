"""WS-Security rules of the eFACT suppliers' service through real HTTP (protocols.md §1, §3;
security.md S2, S3, S5): a signed ``wsu:Timestamp`` is mandatory — a request without one, or with
one outside the signature, is a Fault 100 although FACe's profile accepts the very same shapes —
unregistered or misused certificates are 300, and every answer (faults included) is signed by the
hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from tests.functional.efact_hub import EFACT, EfactHub, efact_hub, efact_payload
from tests.functional.soap_client import (
    face_payload,
    fixture_identity,
    post,
    zeep_signed,
)
from tests.unit.signatures import wss_fixtures
from tests.unit.signatures.wss_fixtures import MemoryBinarySignature, bare_envelope, handbuilt_request
from zeep.wsse.compose import Compose

from facturahub.signatures.certgen import Identity, issue
from facturahub.signatures.dsig_algorithms import RSA_SHA1, SHA1

__all__ = ["efact_hub"]

ESTADOS = efact_payload("consultarEstados")
CONSULTAR = efact_payload("consultarFactura", "<numeroRegistro>209900000001</numeroRegistro>")


def _fault(efact_hub: EfactHub, body: bytes, code: str) -> str:
    answer = post(efact_hub.endpoint, body, efact_hub.hub_cert_pem)  # the fault is verified as signed
    assert answer.status == 500 and answer.operation == "Fault", answer.body.decode()
    tracking, found, message = (answer.fault_string or "").split(" - ", 2)
    assert len(tracking) == 32 and found == code, answer.fault_string
    return message


def _without_timestamp(payload: str, signer: Identity) -> bytes:
    """zeep's own BinarySignature, without the Timestamp plugin: Body signed, no wsu:Timestamp."""
    envelope, _ = Compose([MemoryBinarySignature(signer.private_key_pem, signer.certificate_pem)]).apply(
        bare_envelope(payload), {}
    )
    return bytes(etree.tostring(envelope))


def _handbuilt(
    efact_hub: EfactHub, monkeypatch: pytest.MonkeyPatch, payload: str, **variant: object
) -> bytes:
    """A hand-built request of the shapes real clients send (tests/unit/signatures/wss_fixtures.py)
    around ``payload``."""
    monkeypatch.setattr(wss_fixtures, "PAYLOAD", payload)
    return handbuilt_request(fixture_identity(efact_hub.supplier), created=datetime.now(UTC), **variant)  # type: ignore[arg-type]


def test_signed_request_with_signed_timestamp_is_served(efact_hub: EfactHub) -> None:
    answer = post(efact_hub.endpoint, zeep_signed(ESTADOS, efact_hub.supplier), efact_hub.hub_cert_pem)
    assert answer.status == 200 and answer.operation == "consultarEstadosResponse"
    assert etree.QName(answer.verified.operation).namespace == EFACT
    assert answer.result()[0] == "0"


def test_request_without_timestamp_is_refused_100(efact_hub: EfactHub) -> None:
    message = _fault(efact_hub, _without_timestamp(ESTADOS, efact_hub.supplier), "100")
    assert "Timestamp" in message
    # the same shape is accepted by the FACe profile (FACe's own example signs the Body only)
    face = post(
        efact_hub.face_endpoint,
        _without_timestamp(face_payload("consultarEstados"), efact_hub.supplier),
        efact_hub.hub_cert_pem,
    )
    assert face.status == 200 and face.result()[0] == "0"


def test_unsigned_timestamp_is_refused_100(efact_hub: EfactHub, monkeypatch: pytest.MonkeyPatch) -> None:
    message = _fault(efact_hub, _handbuilt(efact_hub, monkeypatch, CONSULTAR, sign_timestamp=False), "100")
    assert "Timestamp" in message
    accepted = post(efact_hub.endpoint, _handbuilt(efact_hub, monkeypatch, CONSULTAR), efact_hub.hub_cert_pem)
    assert accepted.status == 200 and accepted.result()[0] == "303"


@pytest.mark.parametrize(
    "variant",
    [
        {"timestamp": "first"},
        {"timestamp": "last", "signature_before_token": False},
        {"id_attribute": "plain"},
        {
            "lifetime": 3600,
            "timestamp": "first",
            "signature_before_token": False,
            "signature_method": RSA_SHA1,
            "digest_method": SHA1,
        },
    ],
    ids=["timestamp-first", "timestamp-last-token-first", "unqualified-id", "wse-php-one-hour-timestamp"],
)
def test_interop_variants_with_a_signed_timestamp_are_accepted(
    efact_hub: EfactHub, monkeypatch: pytest.MonkeyPatch, variant: dict[str, object]
) -> None:
    answer = post(
        efact_hub.endpoint, _handbuilt(efact_hub, monkeypatch, CONSULTAR, **variant), efact_hub.hub_cert_pem
    )
    assert answer.status == 200, answer.fault_string
    assert answer.operation == "consultarFacturaResponse" and answer.result()[0] == "303"


def test_expired_future_and_replayed_messages(efact_hub: EfactHub) -> None:
    assert "caduc" in _fault(
        efact_hub, zeep_signed(ESTADOS, efact_hub.supplier, offset=timedelta(hours=-1)), "100"
    )
    assert "futuro" in _fault(
        efact_hub, zeep_signed(ESTADOS, efact_hub.supplier, offset=timedelta(hours=1)), "100"
    )
    body = zeep_signed(ESTADOS, efact_hub.supplier)
    assert post(efact_hub.endpoint, body, efact_hub.hub_cert_pem).result()[0] == "0"
    assert "ya se recibió" in _fault(efact_hub, body, "100")


def test_unregistered_certificate_and_reception_only_platform_are_300(efact_hub: EfactHub) -> None:
    stranger = issue("facturahub tests stranger", tax_id="B00000018")
    message = _fault(efact_hub, zeep_signed(ESTADOS, stranger), "300")
    assert stranger.sha256 in message
    _fault(efact_hub, zeep_signed(ESTADOS, efact_hub.registry), "300")


def test_face_namespace_is_not_efacts(efact_hub: EfactHub) -> None:
    """Dispatch is on the signed Body's first child, namespace included."""
    message = _fault(efact_hub, zeep_signed(face_payload("consultarEstados"), efact_hub.supplier), "001")
    assert "consultarEstados" in message
