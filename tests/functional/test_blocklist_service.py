"""The operator's certificate blocklist on both databases, through its use cases (the SOAP answers
106 and 442 are tested through zeep in test_face_certificates.py): who may block, how a certificate
is named, what is recorded, and that a block is seen by the caller lookup at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from facturahub.errors import FacturahubError
from facturahub.services import blocklist, lookup
from facturahub.services.actors import Actor
from facturahub.signatures.certgen import issue
from facturahub.store.database import Database
from facturahub.store.models import AuditEvent, Certificate

OPERATOR = Actor.operator("ana")


def _error(call) -> FacturahubError:  # type: ignore[no-untyped-def]
    with pytest.raises(FacturahubError) as caught:
        call()
    return caught.value


def test_only_an_operator_blocks_and_a_reason_and_one_reference_are_required(database: Database) -> None:
    pem = issue("facturahub tests blocklist").certificate_pem
    with database.unit_of_work() as session:
        user = Actor(label="user:00000000T", user_id=1)
        assert _error(lambda: blocklist.block_certificate(session, user, reason="x", data=pem)).key == (
            "actor.not_operator"
        )
        assert _error(lambda: blocklist.list_blocked(session, user)).key == "actor.not_operator"
        blank = _error(lambda: blocklist.block_certificate(session, OPERATOR, reason="  ", data=pem))
        assert blank.key == "registry.field_required" and blank.params["field"] == "reason"
        both = _error(
            lambda: blocklist.block_certificate(session, OPERATOR, reason="x", data=pem, thumbprint="ab" * 32)
        )
        assert both.key == "blocklist.one_reference"
        assert _error(lambda: blocklist.block_certificate(session, OPERATOR, reason="x")).key == (
            "blocklist.one_reference"
        )
        unknown_sha1 = _error(
            lambda: blocklist.block_certificate(session, OPERATOR, reason="x", thumbprint="AB:" * 19 + "AB")
        )
        assert unknown_sha1.key == "blocklist.sha1_unregistered" and unknown_sha1.params["sha1"] == "ab" * 20
        assert blocklist.list_blocked(session, OPERATOR) == []


def test_blocking_by_sha256_an_unknown_certificate_then_by_file(database: Database) -> None:
    identity = issue("facturahub tests signer elsewhere", tax_id="12345678Z")
    moment = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    with database.unit_of_work() as session:
        by_hash = blocklist.block_certificate(
            session, OPERATOR, reason="Robado", thumbprint=identity.sha256.upper(), now=moment
        )
        assert (by_hash.sha256, by_hash.subject, by_hash.blocked_by) == (
            identity.sha256,
            None,
            "operator:ana",
        )
    with database.unit_of_work() as session:
        found = blocklist.find_block(session, identity.sha256)
        assert found is not None and (found.reason, found.blocked_at) == ("Robado", moment)
        assert blocklist.find_block(session, "0" * 64) is None
        again = _error(
            lambda: blocklist.block_certificate(
                session, OPERATOR, reason="otra", data=identity.certificate_pem
            )
        )
        assert again.key == "blocklist.already_blocked" and again.params["reason"] == "Robado"
        blocklist.unblock_certificate(session, OPERATOR, identity.sha256)
    with database.unit_of_work() as session:
        assert blocklist.find_block(session, identity.sha256) is None
        by_file = blocklist.block_certificate(
            session, OPERATOR, reason="Robado", data=identity.certificate_pem
        )
        assert by_file.subject is not None and "signer elsewhere" in by_file.subject
        assert by_file.serial_number == str(identity.certificate.serial_number)
        missing = _error(lambda: blocklist.unblock_certificate(session, OPERATOR, "1" * 64))
        assert missing.key == "blocklist.not_blocked"


def test_a_block_is_seen_by_the_next_caller_lookup_and_recorded_for_the_integrator(
    database: Database, sandbox
) -> None:  # type: ignore[no-untyped-def]
    caller, _blobs = sandbox
    with database.unit_of_work() as session:
        certificate = session.scalar(
            select(Certificate).where(Certificate.sha256 == caller.certificate_sha256)
        )
        assert certificate is not None
        sha1 = certificate.sha1
        blocklist.block_certificate(session, OPERATOR, reason="Auditoría", thumbprint=sha1)
    with database.unit_of_work() as session:
        refused = _error(lambda: lookup.identify_caller(session, thumbprint=caller.certificate_sha256))
        assert refused.key == "caller.certificate_blocked" and refused.params["reason"] == "Auditoría"
        assert "sandbox" in refused.params["subject"]
        blocklist.unblock_certificate(session, OPERATOR, sha1)
    with database.unit_of_work() as session:
        assert lookup.identify_caller(session, thumbprint=caller.certificate_sha256).platform_id == (
            caller.platform_id
        )
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.on_behalf_of_id == caller.integrator_id)
            .order_by(AuditEvent.id)
        ).all()
        recorded = [(e.action, e.actor, e.data["reason"]) for e in events if "blocked" in e.action]
        assert recorded[-2:] == [
            ("certificate.blocked", "operator:ana", "Auditoría"),
            ("certificate.unblocked", "operator:ana", "Auditoría"),
        ]
