"""The notification outbox on both databases, through the use cases: rows written in the status
change's own transaction, enqueued (huey, real SQLite queue file) only after commit, never after a
rollback; exclusive claims, back-off and the failed state; the e-mail in both languages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select

from facturahub.config import load_settings
from facturahub.domain.local_time import time_zone
from facturahub.jobs.queue import Jobs, attach_job_queue
from facturahub.services import lookup, notifications
from facturahub.services.actors import Actor
from facturahub.services.intake import IntakePolicy, RegisteredInvoice, Submission, submit_invoice
from facturahub.services.invoices import request_cancellation
from facturahub.services.notification_content import push_status, render_mail
from facturahub.services.sandbox import init_sandbox
from facturahub.signatures.certgen import issue
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.store.blobs import LocalBlobStore
from facturahub.store.database import Database
from facturahub.store.models import Notification, PushEndpoint

NOW = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
POLICY = notifications.RetryPolicy(
    max_attempts=3, first_delay_seconds=10, max_delay_seconds=15, lease_seconds=60
)


@pytest.fixture
def jobs(database: Database, tmp_path: Path) -> Jobs:
    settings = load_settings(environ={}, data_dir=tmp_path / "var", jobs_queue=f"t_{uuid.uuid4().hex[:8]}")
    return attach_job_queue(database, settings)


@pytest.fixture
def world(database: Database, tmp_path: Path, shared_data: Path) -> dict[str, Any]:
    with database.unit_of_work() as session:
        summary = init_sandbox(session, tmp_path / "sandbox", issue("hub"), "http://127.0.0.1:1")
    with database.unit_of_work() as session:
        supplier = lookup.identify_caller(session, thumbprint=summary["supplier"]["certificate_sha256"])
    p12 = (shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12").read_bytes()
    key, certificate, _ = pkcs12.load_key_and_certificates(p12, b"1234")
    return {"supplier": supplier, "blobs": LocalBlobStore(tmp_path / "blobs"), "signer": (certificate, key)}


def _register(
    database: Database, world: dict[str, Any], shared_data: Path, email: str | None
) -> RegisteredInvoice:
    data = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    with database.unit_of_work() as session:
        invoice = submit_invoice(
            session,
            world["blobs"],
            world["supplier"],
            Submission(sign_invoice(data, *world["signer"]), "f.xsig", "application/xml", email),
            IntakePolicy(schema_dir=shared_data / "facturae" / "xsd", profile="efact"),
            now=NOW,
        )
        return invoice


def _queued_ids(jobs: Jobs) -> list[int]:
    return [notification_id for task in jobs.huey.pending() for notification_id in task.args[0]]


def _rows(database: Database, invoice: RegisteredInvoice) -> list[Notification]:
    with database.unit_of_work() as session:
        rows = list(session.scalars(select(Notification).where(Notification.invoice_id == invoice.id)))
        session.expunge_all()
        return rows


def test_status_change_writes_rows_and_enqueues_after_commit(
    database: Database, jobs: Jobs, world: dict[str, Any], shared_data: Path
) -> None:
    invoice = _register(database, world, shared_data, "proveedor@example.com")
    rows = _rows(database, invoice)
    assert [(r.channel, r.target, r.state, r.attempts) for r in rows] == [
        ("mail", "proveedor@example.com", "pending", 0)
    ]  # 1200 only: the initial 4100 is not a change; no push endpoint configured
    assert _queued_ids(jobs) == [rows[0].id]

    with database.unit_of_work() as session:
        session.add(
            PushEndpoint(platform_id=invoice.platform_id, type_code="3", enabled=True, url="http://x/y")
        )
    with database.unit_of_work() as session:
        request_cancellation(session, world["supplier"], invoice.registry_number, "Duplicada", now=NOW)
        assert len(_queued_ids(jobs)) == 1  # not before the commit
    rows = _rows(database, invoice)
    assert [(r.channel, r.target) for r in rows[1:]] == [
        ("mail", "proveedor@example.com"),
        ("push", "http://x/y"),
    ]
    assert _queued_ids(jobs) == [r.id for r in rows]


def test_rolled_back_change_leaves_no_row_and_enqueues_nothing(
    database: Database, jobs: Jobs, world: dict[str, Any], shared_data: Path
) -> None:
    invoice = _register(database, world, shared_data, "proveedor@example.com")
    before = _queued_ids(jobs)
    with pytest.raises(RuntimeError), database.unit_of_work() as session:
        request_cancellation(session, world["supplier"], invoice.registry_number, "Duplicada", now=NOW)
        raise RuntimeError("the request failed after the change")
    assert len(_rows(database, invoice)) == 1
    assert _queued_ids(jobs) == before


def test_no_correo_no_mail(database: Database, jobs: Jobs, world: dict[str, Any], shared_data: Path) -> None:
    invoice = _register(database, world, shared_data, None)
    assert _rows(database, invoice) == []
    assert _queued_ids(jobs) == []


def test_claims_are_exclusive_with_back_off_then_failed(
    database: Database, world: dict[str, Any], shared_data: Path
) -> None:
    invoice = _register(database, world, shared_data, "proveedor@example.com")
    row_id = _rows(database, invoice)[0].id
    with database.unit_of_work() as session:
        assert notifications.claim(session, row_id, NOW, POLICY) is not None
        assert notifications.claim(session, row_id, NOW, POLICY) is None  # leased
    later = NOW + timedelta(seconds=61)
    with database.unit_of_work() as session:
        assert notifications.due_ids(session, NOW) == []
        assert notifications.due_ids(session, later) == [row_id]  # the lease ended: due again
    waits = []
    moment = later
    for _ in range(POLICY.max_attempts):
        with database.unit_of_work() as session:
            claimed = notifications.claim(session, row_id, moment, POLICY)
            assert claimed is not None
            wait = notifications.record_failure(
                session, row_id, claimed.claim_token, "SMTPConnectError: down", moment, POLICY
            )
        if wait is None:
            break
        waits.append(wait.total_seconds())
        moment += wait
        with database.unit_of_work() as session:
            assert session.get_one(Notification, row_id).next_attempt_at == moment
    assert waits == [10, 15]  # 10 s, then 20 s capped at 15 s; the third failure is final
    with database.unit_of_work() as session:
        row = session.get_one(Notification, row_id)
        assert (row.state, row.attempts, row.last_error) == ("failed", 3, "SMTPConnectError: down")
        assert notifications.claim(session, row_id, moment + timedelta(days=1), POLICY) is None
        notifications.retry(session, Actor.operator(), moment, row_id)
    with database.unit_of_work() as session:
        assert notifications.claim(session, row_id, moment, POLICY) is not None
        notifications.record_sent(session, row_id, moment)
    with database.unit_of_work() as session:
        row = session.get_one(Notification, row_id)
        assert (row.state, row.attempts, row.last_error) == ("sent", 1, None)
        assert notifications.claim(session, row_id, moment + timedelta(days=1), POLICY) is None  # never again


def test_an_attempt_that_outlived_its_lease_cannot_reschedule_the_next_claim(
    database: Database, world: dict[str, Any], shared_data: Path
) -> None:
    """Worker A's lease runs out mid-attempt (a stopped process); worker B claims the row. A's late
    failure must not move B's lease (a third worker would deliver beside B), nor count an attempt;
    B's outcome is recorded. A delivery that did go out is recorded whoever holds the claim."""
    invoice = _register(database, world, shared_data, "proveedor@example.com")
    row_id = _rows(database, invoice)[0].id
    with database.unit_of_work() as session:
        first = notifications.claim(session, row_id, NOW, POLICY)
        assert first is not None
        token_a = first.claim_token
    after_lease = NOW + timedelta(seconds=POLICY.lease_seconds + 1)
    with database.unit_of_work() as session:
        second = notifications.claim(session, row_id, after_lease, POLICY)
        assert second is not None
        token_b = second.claim_token
    assert token_a and token_b and token_a != token_b
    with database.unit_of_work() as session, pytest.raises(notifications.ClaimLost):
        notifications.record_failure(session, row_id, token_a, "late: timed out", after_lease, POLICY)
    with database.unit_of_work() as session:
        row = session.get_one(Notification, row_id)
        assert (row.attempts, row.last_error) == (0, None)
        assert row.next_attempt_at == after_lease + timedelta(seconds=POLICY.lease_seconds)  # B's lease
        wait = notifications.record_failure(session, row_id, token_b, "refused", after_lease, POLICY)
        assert wait == POLICY.delay(1)
    with database.unit_of_work() as session:
        notifications.record_sent(session, row_id, after_lease)  # A's message did go out after all
    with database.unit_of_work() as session:
        row = session.get_one(Notification, row_id)
        assert (row.state, row.attempts) == ("sent", 2)


def test_mail_and_push_content(database: Database, world: dict[str, Any], shared_data: Path) -> None:
    invoice = _register(database, world, shared_data, "proveedor@example.com")
    with database.unit_of_work() as session:
        request_cancellation(session, world["supplier"], invoice.registry_number, "Duplicada", now=NOW)
    first, second = _rows(database, invoice)
    with database.unit_of_work() as session:
        english = render_mail(session, second, "en")
        spanish = render_mail(session, first, "es")
        canary = render_mail(session, second, "en", time_zone("Atlantic/Canary"))
        registration = push_status(session, first)
        cancellation = push_status(session, second)
    number = invoice.registry_number
    assert english.subject == (
        f"Invoice series {invoice.series} number {invoice.number}: new status 4200 Solicitada anulación "
        f"(registry number {number})"
    )
    assert (
        "Reason or comment: Duplicada" in english.text
        and "Date of the change: 2026-07-01 12:00:00" in english.text  # Madrid (CEST) by default
    )
    assert "Date of the change: 2026-07-01 11:00:00" in canary.text  # the operator's zone (WEST)
    assert spanish.subject.startswith(
        f"Factura serie {invoice.series} número {invoice.number}: nuevo estado 1200"
    )
    assert "Motivo" not in spanish.text
    assert (registration.processing.code, registration.cancellation.code) == ("1200", "4100")
    assert (cancellation.processing.code, cancellation.cancellation.code) == ("1200", "4200")
    assert cancellation.cancellation.reason == "Duplicada" and cancellation.registry_number == number
