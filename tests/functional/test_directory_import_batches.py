"""A full directory import is written in short transactions (services/directory.py): a DIR3 file
of 250,000 units written in one held SQLite's only writer for half a minute, and every supplier's
invoice waited for it. Here an invoice is sent through zeep between two batches of an import of
the hub's own database — with the old single transaction it waited for a writer lock held by the
very thread waiting for its answer. An import cut short leaves what it wrote, never a
deactivation, and the next run completes it. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from tests.functional.face_hub import HEADER, SANDBOX_ROWS, FaceHub, face_hub, invoice_variant, signed
from tests.functional.soap_client import send_invoice, zeep_client

from facturahub.domain.directory import parse_directory_csv
from facturahub.services.actors import Actor
from facturahub.services.directory import import_directory
from facturahub.store.database import Database
from facturahub.store.models import AuditEvent, Unit, UnitRelation

__all__ = ["face_hub"]

BATCH = 25


def _rows(prefix: str, count: int) -> str:
    return "".join(f"{prefix}A,{prefix}C{n:05d},{prefix}G{n:05d},{prefix}U{n:05d},1\n" for n in range(count))


@pytest.fixture
def hub_database(face_hub: FaceHub) -> Iterator[Database]:
    database = Database(face_hub.env["FACTURAHUB_DATABASE_URL"])
    yield database
    database.dispose()


def _imports(database: Database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).where(AuditEvent.action == "directory.imported")) or 0


def test_an_invoice_is_registered_between_two_batches_of_an_import(
    face_hub: FaceHub, hub_database: Database
) -> None:
    snapshot = parse_directory_csv((HEADER + SANDBOX_ROWS + _rows("Q1", 40)).encode())
    # a single transaction would hold the writer lock the hub waits for: no answer, not a hang
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem, operation_timeout=30)
    answers: list[object] = []
    progress: list[tuple[int, int]] = []
    imports_before = _imports(hub_database)

    def between_batches(written: int, total: int) -> None:
        progress.append((written, total))
        if len(progress) == 2:  # the administration and the first units are written, no relation yet
            xml, _ = invoice_variant()
            answers.append(send_invoice(client, signed(xml, face_hub.supplier)))

    report = import_directory(
        hub_database, Actor.operator(), snapshot, full=False, progress=between_batches, batch_rows=BATCH
    )
    (answer,) = answers
    assert answer.resultado.codigo == "0", answer.resultado.descripcion  # type: ignore[attr-defined]
    assert len(report.units_added) == 120 and report.relations_added == 40
    total = progress[0][1]
    assert total == 1 + 120 + 40  # an administration, the units, the relations
    assert sum(written for written, _ in progress) == total
    assert all(0 < written <= BATCH for written, _ in progress) and len(progress) == 1 + 5 + 2
    with hub_database.reading() as session:
        assert session.scalar(select(func.count()).where(Unit.code.like("Q1C%"), Unit.active)) == 40
        assert session.scalar(select(func.count()).where(UnitRelation.office_code.like("Q1C%"))) == 40
    assert _imports(hub_database) == imports_before + 1


def test_an_import_cut_short_leaves_no_deactivation_and_the_next_run_completes_it(
    face_hub: FaceHub, hub_database: Database
) -> None:
    """The second file drops the 40 relations of the first (20 % of the directory: forced) and
    adds 40 others. Cut short after its second batch (the administration, 25 units): the additions written so far stay, nothing is
    deactivated and no import is recorded; run again, it ends as the file says."""
    first = parse_directory_csv((HEADER + SANDBOX_ROWS + _rows("Q2", 40)).encode())
    import_directory(hub_database, Actor.operator(), first, batch_rows=BATCH, force=True)
    imports_before = _imports(hub_database)
    second = parse_directory_csv((HEADER + SANDBOX_ROWS + _rows("Q3", 40)).encode())

    batches: list[int] = []

    def crash(written: int, _total: int) -> None:  # the operator's Ctrl-C after two batches
        batches.append(written)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_directory(hub_database, Actor.operator(), second, progress=crash, batch_rows=BATCH, force=True)
    with hub_database.reading() as session:
        assert session.scalar(select(func.count()).where(Unit.code.like("Q2%"), Unit.active)) == 120
        assert (
            session.scalar(
                select(func.count()).where(UnitRelation.office_code.like("Q2C%"), UnitRelation.active)
            )
            == 40
        )
        assert session.scalar(select(func.count()).where(Unit.code.like("Q3%"))) == BATCH
    assert _imports(hub_database) == imports_before

    report = import_directory(hub_database, Actor.operator(), second, batch_rows=BATCH, force=True)
    assert len(report.units_added) == 120 - BATCH and report.relations_added == 40
    assert len(report.units_deactivated) == 120 and report.relations_deactivated == 40
    with hub_database.reading() as session:
        assert session.scalar(select(func.count()).where(Unit.code.like("Q2%"), Unit.active)) == 0
        assert session.scalar(select(func.count()).where(Unit.code.like("Q3%"), Unit.active)) == 120
    assert _imports(hub_database) == imports_before + 1
