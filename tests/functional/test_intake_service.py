"""Intake rules on both databases, through the submit use case (the SOAP tests repeat the
protocol-visible ones through zeep): real samples, duplicates, numbering under concurrency."""

from __future__ import annotations

import hashlib
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12

from facturahub.domain.local_time import local_year, time_zone
from facturahub.errors import FacturahubError
from facturahub.services.intake import IntakePolicy, RegisteredInvoice, Submission, submit_invoice
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.store.database import Database
from facturahub.store.models import InvoiceEvent, StatusDocument


@pytest.fixture(scope="module")
def signer(shared_data: Path):  # type: ignore[no-untyped-def]
    p12 = (shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12").read_bytes()
    key, certificate, _chain = pkcs12.load_key_and_certificates(p12, b"1234")
    return certificate, key


def _submit(
    database: Database, sandbox, data: bytes, now: datetime | None = None, **policy
) -> RegisteredInvoice:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    schema = Path(__file__).resolve().parents[3] / "shared" / "data" / "facturae" / "xsd"
    with database.unit_of_work() as session:
        invoice = submit_invoice(
            session,
            blobs,
            caller,
            Submission(data, "f.xsig", "application/xml", "a@b.es"),
            IntakePolicy(schema_dir=schema, **policy),
            now,
        )
        return invoice


def _key(call) -> FacturahubError:  # type: ignore[no-untyped-def]
    with pytest.raises(FacturahubError) as caught:
        call()
    return caught.value


def test_face_official_test_invoice_is_registered_to_p00000010(database, sandbox, shared_data) -> None:  # type: ignore[no-untyped-def]
    data = (shared_data / "facturae" / "samples" / "factura-prueba-v1-2-0.xsig").read_bytes()
    invoice = _submit(database, sandbox, data)
    assert invoice.registry_number == f"{local_year(invoice.received_at)}00000001"
    assert (invoice.office_code, invoice.managing_body_code, invoice.processing_unit_code) == (
        "P00000010",
    ) * 3
    assert (invoice.status_code, invoice.cancellation_code) == ("1200", "4100")
    assert sandbox[1].get(invoice.blob_sha256) == data  # byte-identical
    with database.unit_of_work() as session:
        events = [(e.flow, e.code) for e in session.query(InvoiceEvent).filter_by(invoice_id=invoice.id)]
        assert events == [("processing", "1200"), ("cancellation", "4100")]
        assert session.query(StatusDocument).filter_by(invoice_id=invoice.id).count() == 1
    again = _key(lambda: _submit(database, sandbox, data))
    assert again.key == "invoice.duplicate" and again.params["registry_number"] == invoice.registry_number


def test_real_samples_are_refused_for_the_right_reason(database, sandbox, shared_data) -> None:  # type: ignore[no-untyped-def]
    samples = shared_data / "facturae" / "samples"
    aapp = _key(
        lambda: _submit(
            database, sandbox, (samples / "aapp2face-sample-factura-firmada-32v1.xsig").read_bytes()
        )
    )
    assert aapp.key == "facturae.centres_count"
    oca = _key(lambda: _submit(database, sandbox, (samples / "oca-facturae_01.xsig").read_bytes()))
    assert oca.key == "xades.certificate_expired_at_signing"
    assert oca.params["not_after"] and oca.params["signing_time"]
    gobl = _key(lambda: _submit(database, sandbox, (samples / "gobl-invoice-face.xml").read_bytes()))
    assert gobl.key == "xades.reference_digest_mismatch" and gobl.params["uri"] is not None


@pytest.mark.parametrize("algorithm", ["rsa-sha1", "rsa-sha256", "rsa-sha512"])
def test_unsigned_samples_signed_by_our_signer_are_accepted(
    database, sandbox, shared_data, signer, algorithm
) -> None:  # type: ignore[no-untyped-def]
    data = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    signed = sign_invoice(data, signer[0], signer[1], algorithm=algorithm)
    invoice = _submit(database, sandbox, signed)
    assert (invoice.office_code, invoice.managing_body_code, invoice.processing_unit_code) == (
        "DFB0",
        "020110",
        "0201",
    )
    resigned = sign_invoice(data, signer[0], signer[1], algorithm=algorithm)
    duplicate = _key(lambda: _submit(database, sandbox, resigned))
    assert (
        duplicate.key == "invoice.duplicate"
        and duplicate.params["registry_number"] == invoice.registry_number
    )
    test_cert = _key(
        lambda: _submit(
            database,
            sandbox,
            sign_invoice(data.replace(b"<InvoiceNumber>", b"<InvoiceNumber>P"), signer[0], signer[1]),
            production=True,
        )
    )
    assert test_cert.key == "intake.test_certificate"


def test_concurrent_submissions_get_distinct_gapless_numbers(database, sandbox, shared_data, signer) -> None:  # type: ignore[no-untyped-def]
    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    assert template.count(b"<InvoiceNumber>") == 1
    documents = [
        sign_invoice(template.replace(b"<InvoiceNumber>", f"<InvoiceNumber>C{i}-".encode()), *signer)
        for i in range(12)
    ]
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker(chunk: list[bytes]) -> None:
        for document in chunk:
            try:
                numbers.append(_submit(database, sandbox, document).registry_number)
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(documents[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    sequence = sorted(int(n[4:]) for n in numbers)
    assert sequence == list(range(1, 13))


def test_registry_numbers_take_the_year_of_the_administrations_time_zone(
    database, sandbox, shared_data, signer
) -> None:  # type: ignore[no-untyped-def]
    """New Year's Eve at 23:30 UTC is already 00:30 on 1 January in Madrid (the default zone), and
    still 23:30 on 31 December in the Canary Islands: the number's year is the one its
    fechaRecepcion shows, and each year's sequence starts at 1."""
    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()

    def document(tag: str) -> bytes:
        return sign_invoice(template.replace(b"<InvoiceNumber>", f"<InvoiceNumber>Y{tag}-".encode()), *signer)

    eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    madrid = _submit(database, sandbox, document("1"), now=eve)
    before_midnight = _submit(
        database, sandbox, document("2"), now=datetime(2026, 12, 31, 22, 59, tzinfo=UTC)
    )
    canary = _submit(database, sandbox, document("3"), now=eve, zone=time_zone("Atlantic/Canary"))
    assert (madrid.registry_number, before_midnight.registry_number, canary.registry_number) == (
        "202700000001",
        "202600000001",
        "202600000002",
    )
    assert madrid.received_at == canary.received_at == eve  # stored as the same instant, in UTC


def test_values_longer_than_the_registry_keeps_are_900_without_a_schema(  # type: ignore[no-untyped-def]
    database, sandbox, shared_data, signer
) -> None:
    """With no schema directory nothing else bounds them: PostgreSQL refused them only at the
    INSERT (a 402 "try again later" that could never succeed) and SQLite stored them."""
    caller, blobs = sandbox
    data = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_text()
    long_number = re.sub(r"<InvoiceNumber>[^<]*", "<InvoiceNumber>" + "N" * 45, data, count=1)
    euro = data.replace("<InvoiceCurrencyCode>EUR<", "<InvoiceCurrencyCode>EURO<")
    for variant, field, length, limit in (
        (long_number, "InvoiceNumber", 45, 40),
        (euro, "InvoiceCurrencyCode", 4, 3),
    ):
        signed = sign_invoice(variant.encode(), signer[0], signer[1])
        submission = Submission(signed, "f.xsig", "application/xml", "a@b.es")
        with database.unit_of_work() as session:
            error = _key(lambda: submit_invoice(session, blobs, caller, submission, IntakePolicy()))  # noqa: B023
        assert error.key == "intake.value_too_long"
        assert error.params == {"field": field, "length": length, "limit": limit}


def test_the_same_number_on_two_dates_at_once_registers_one_and_refuses_the_other_414(  # type: ignore[no-untyped-def]
    database, sandbox, shared_data, signer
) -> None:
    """Only identical keys have a unique index: on PostgreSQL two registrations of one number with
    different issue dates each read "no duplicate" before either committed, and both registered."""
    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_text()
    date = re.search(r"<IssueDate>([0-9-]+)</IssueDate>", template)
    assert date is not None
    documents = [
        sign_invoice(
            template.replace("<InvoiceNumber>", "<InvoiceNumber>RACE-")
            .replace(date.group(0), f"<IssueDate>{date.group(1)[:8]}{day:02d}</IssueDate>")
            .encode(),
            *signer,
        )
        for day in (11, 12, 13, 14)
    ]
    outcomes: list[str] = []
    start = threading.Barrier(len(documents))

    def submit(document: bytes) -> None:
        start.wait()
        try:
            outcomes.append(_submit(database, sandbox, document).registry_number)
        except FacturahubError as error:
            outcomes.append(error.key)

    threads = [threading.Thread(target=submit, args=(document,)) for document in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("invoice.duplicate_number") == 3, outcomes
    assert len([o for o in outcomes if o.isdigit()]) == 1, outcomes


def test_identical_bytes_resent_get_415_even_after_the_signer_is_blocked(  # type: ignore[no-untyped-def]
    database, sandbox, shared_data, signer
) -> None:
    """D2: a client retrying after a lost answer learns its registry number; any other document
    of that signer is refused 442 as before."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from facturahub.services.actors import Actor
    from facturahub.services.blocklist import block_certificate, unblock_certificate

    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    document = sign_invoice(template.replace(b"<InvoiceNumber>", b"<InvoiceNumber>D2-"), *signer)
    original = _submit(database, sandbox, document)
    with database.unit_of_work() as session:
        block_certificate(
            session, Actor.operator(), reason="compromised", data=signer[0].public_bytes(Encoding.PEM)
        )
    try:
        resent = _key(lambda: _submit(database, sandbox, document))
        assert resent.key == "invoice.duplicate"
        assert resent.params["registry_number"] == original.registry_number
        other = sign_invoice(template.replace(b"<InvoiceNumber>", b"<InvoiceNumber>D2B-"), *signer)
        assert _key(lambda: _submit(database, sandbox, other)).key == "intake.certificate_blocked"
    finally:
        with database.unit_of_work() as session:
            sha256 = hashlib.sha256(signer[0].public_bytes(Encoding.DER)).hexdigest()
            unblock_certificate(session, Actor.operator(), sha256)


def test_duplicate_keys_are_unambiguous_and_migrated(database, sandbox, shared_data, signer) -> None:  # type: ignore[no-untyped-def]
    """Series "A|B" number "7" and series "A" number "B|7" (same issuer and date) are two invoices:
    with the parts joined by "|" alone they were one key and the second got 415. Migration 0006
    rewrites the keys stored in the old form, and they keep catching real duplicates."""
    from alembic import command
    from sqlalchemy import select

    from facturahub.store.migrate import alembic_config, current_revision, upgrade
    from facturahub.store.models import InvoiceKey

    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()

    def invoice(series: str, number: str) -> bytes:
        xml = template.replace(b"<InvoiceSeriesCode>201401<", f"<InvoiceSeriesCode>{series}<".encode())
        return sign_invoice(
            xml.replace(b"<InvoiceNumber>256623570<", f"<InvoiceNumber>{number}<".encode()), *signer
        )

    def keys() -> set[tuple[str, str]]:
        with database.unit_of_work() as session:
            return {(row.exact, row.number) for row in session.scalars(select(InvoiceKey))}

    first_bytes = invoice("A|B", "7")
    first = _submit(database, sandbox, first_bytes)
    date = re.search(rb"<IssueDate>([0-9-]+)<", template).group(1).decode()  # type: ignore[union-attr]
    assert keys() == {(f"9:G48200422|3:A|B|1:7|{date}", "9:G48200422|3:A|B|1:7")}
    try:
        command.downgrade(alembic_config(database), "0005")
        assert keys() == {(f"G48200422|A|B|7|{date}", "G48200422|A|B|7")}  # the old form
    finally:
        upgrade(database)
    assert current_revision(database) == "0012"
    assert keys() == {(f"9:G48200422|3:A|B|1:7|{date}", "9:G48200422|3:A|B|1:7")}

    second = _submit(database, sandbox, invoice("A", "B|7"))
    assert second.registry_number != first.registry_number
    resent = _key(lambda: _submit(database, sandbox, first_bytes))
    assert resent.key == "invoice.duplicate" and resent.params["registry_number"] == first.registry_number


def test_totals_stored_in_exponent_notation_are_rewritten_plain(
    database, sandbox, shared_data, signer
) -> None:  # type: ignore[no-untyped-def]
    """Before revision 0007 a zero total written with eight decimals was stored as ``0E-8``; the
    migration rewrites such rows (and only those) in plain notation."""
    from alembic import command
    from sqlalchemy import select, update

    from facturahub.store.migrate import alembic_config, upgrade
    from facturahub.store.models import Invoice

    template = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    numbers = ("801", "802", "803")
    registered = [
        _submit(
            database,
            sandbox,
            sign_invoice(
                template.replace(b"<InvoiceNumber>256623570<", f"<InvoiceNumber>{n}<".encode()), *signer
            ),
        )
        for n in numbers
    ]
    old_forms = {registered[0].id: "0E-8", registered[1].id: "-1.5E-7"}
    with database.unit_of_work() as session:
        kept = session.scalar(select(Invoice.total).where(Invoice.id == registered[2].id))
    try:
        command.downgrade(alembic_config(database), "0006")
        with database.unit_of_work() as session:
            for invoice_id, total in old_forms.items():
                session.execute(update(Invoice).where(Invoice.id == invoice_id).values(total=total))
    finally:
        upgrade(database)
    with database.unit_of_work() as session:
        totals = {row.id: row.total for row in session.execute(select(Invoice.id, Invoice.total))}
    assert totals == {registered[0].id: "0.00000000", registered[1].id: "-0.00000015", registered[2].id: kept}
