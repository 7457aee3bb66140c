"""The DIR3 directory through `facturahub dir3`, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select
from tests.functional.conftest import CLI

from facturahub.domain.directory import parse_directory_csv
from facturahub.errors import InvalidInput
from facturahub.services.actors import Actor
from facturahub.services.directory import check_centres, import_directory
from facturahub.services.invoices import administrations
from facturahub.store.database import Database
from facturahub.store.models import AuditEvent

HEADER = "administracion,administracion_nombre,oc_codigo,oc_nombre,og_codigo,og_nombre,ut_codigo,ut_nombre,activa\n"
V1 = HEADER + (
    "E00003901,Ministerio A,GE0000001,Oficina A,E00120901,Gestor A,GE0000002,Tramitadora A1,1\n"
    "E00003901,Ministerio A,GE0000001,Oficina A,E00120901,Gestor A,GE0000003,Tramitadora A2,1\n"
    "L01280796,Ayuntamiento,L01280796,OC Ayto,LA0007407,OG Ayto,LA0007408,UT Ayto,1\n"
)
V2 = HEADER + (
    "E00003901,Ministerio A,GE0000001,Oficina A (renombrada),E00120901,Gestor A,GE0000002,Tramitadora A1,1\n"
    "E00003901,Ministerio A,GE0000001,Oficina A (renombrada),E00120901,Gestor A,GE0000003,Tramitadora A2,0\n"
    "E00003901,Ministerio A,GE0000001,Oficina A (renombrada),E00120901,Gestor A,GE0000004,Tramitadora A3,1\n"
)


def test_import_reports_changes_and_full_import_deactivates(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path], database: Database
) -> None:
    first = hub_cli.json("dir3", "import", str(write_file("v1.csv", V1.encode())))
    assert first == {
        **first,
        "units_added": 7,
        "relations_added": 3,
        "administrations_added": 2,
        "changed": True,
    }
    again = hub_cli.json("dir3", "import", str(write_file("v1b.csv", V1.encode())))
    assert again["changed"] is False and again["unchanged"] == 10

    text = hub_cli("dir3", "import", str(write_file("v2.csv", V2.encode()))).stdout
    assert "units_updated" in text  # human-readable summary
    report = hub_cli.json("dir3", "units", "--all")
    by_code = {u["code"]: u for u in report}
    assert by_code["GE0000001"]["name"] == "Oficina A (renombrada)" and by_code["GE0000001"]["kind"] == "OC"
    assert by_code["GE0000004"]["active"] is True
    assert by_code["LA0007407"]["active"] is False  # absent from a full import: deactivated, not deleted
    active = {(r["oficina_contable"], r["unidad_tramitadora"]) for r in hub_cli.json("dir3", "relations")}
    assert active == {("GE0000001", "GE0000002"), ("GE0000001", "GE0000004")}
    assert len(hub_cli.json("dir3", "relations", "--all")) == 4
    assert [u["code"] for u in hub_cli.json("dir3", "units", "--administration", "E00003901")] == [
        "E00120901",
        "GE0000001",
        "GE0000002",
        "GE0000003",
        "GE0000004",
    ]

    # a partial import only adds
    partial = hub_cli.json("dir3", "import", "--partial", str(write_file("v1c.csv", V1.encode())))
    assert partial["units_deactivated"] == 0 and partial["relations_activated"] == 2
    assert hub_cli.json("dir3", "unit", "la0007407")["active"] is True

    with database.unit_of_work() as session:
        check_centres(session, office="GE0000001", managing_body="E00120901", processing_unit="GE0000004")
        for centres, key in (
            (("GE0000001", "E00120901", "NOPE"), "directory.processing_unit_unknown"),
            (("GE0000001", "NOPE", "GE0000002"), "directory.managing_body_unknown"),
            (("NOPE", "E00120901", "GE0000002"), "directory.office_unknown"),
            (("GE0000001", "E00120901", "LA0007408"), "directory.relation_missing"),
        ):
            try:
                check_centres(
                    session, office=centres[0], managing_body=centres[1], processing_unit=centres[2]
                )
            except InvalidInput as exc:
                assert exc.key == key
            else:
                raise AssertionError(f"{centres} accepted")
        imports = session.scalars(select(AuditEvent).where(AuditEvent.action == "directory.imported")).all()
        assert len(imports) == 4


def test_bad_directory_files_are_refused_with_the_line(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    bad = HEADER + "E1,M,GE1,O,OG1,G,UT 1,U,1\n"
    message = hub_cli.error(
        "dir3", "import", str(write_file("bad.csv", bad.encode())), exit_code=3, key="directory.code_invalid"
    )
    assert "Línea 2" in message
    assert hub_cli.json("dir3", "units") == []  # nothing half-imported
    hub_cli.error("dir3", "unit", "NOPE", exit_code=4, key="directory.unit_unknown")


def test_a_full_import_deactivates_the_administrations_it_no_longer_names(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path], database: Database
) -> None:
    """Administrations stayed active for ever: one a later file no longer named was still listed
    by consultarAdministraciones (and one with a name XML cannot carry could never be removed)."""
    hub_cli.json("dir3", "import", str(write_file("v1.csv", V1.encode())))
    report = hub_cli.json("dir3", "import", str(write_file("v2.csv", V2.encode())))
    assert report["administrations_deactivated"] == 1 and report["changed"] is True
    with database.reading() as session:
        assert administrations(session) == [("E00003901", "Ministerio A")]
    again = hub_cli.json("dir3", "import", str(write_file("v2b.csv", V2.encode())))
    assert again["administrations_deactivated"] == 0 and again["changed"] is False
    hub_cli.json("dir3", "import", str(write_file("v1c.csv", V1.encode())))  # named again: active again
    with database.reading() as session:
        assert [code for code, _name in administrations(session)] == ["E00003901", "L01280796"]
    # a file that names no administration at all leaves them as they are
    plain = "oc_codigo,og_codigo,ut_codigo,activa\nGE0000001,E00120901,GE0000002,1\n"
    assert (
        hub_cli.json("dir3", "import", str(write_file("plain.csv", plain.encode())))[
            "administrations_deactivated"
        ]
        == 0
    )
    with database.reading() as session:
        assert len(administrations(session)) == 2


def test_overlapping_full_imports_end_as_the_last_file_says(
    hub_cli: CLI, database: Database, write_file: Callable[[str, bytes], Path]
) -> None:
    """Two overlapping imports each computed their changes from what they had read first: the one
    written last left the directory as neither file says. The second waits for the first, from
    its reading to its last batch."""
    hub_cli.json("dir3", "import", str(write_file("v1.csv", V1.encode())))
    first_reading = threading.Event()

    def slow_tick(_written: int, _total: int) -> None:
        first_reading.set()
        time.sleep(0.05)  # one row per transaction: about a second from its reading to its end

    def run(snapshot_text: str, progress: Callable[[int, int], None] | None) -> None:
        snapshot = parse_directory_csv(snapshot_text.encode())
        import_directory(database, Actor.operator(), snapshot, progress=progress, batch_rows=1)

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(run, V2, slow_tick)
        assert first_reading.wait(10)
        second = pool.submit(run, V1, None)  # starts while the first is still inside its transaction
        first.result(timeout=60)
        second.result(timeout=60)
    active = {(r["oficina_contable"], r["unidad_tramitadora"]) for r in hub_cli.json("dir3", "relations")}
    assert active == {("GE0000001", "GE0000002"), ("GE0000001", "GE0000003"), ("L01280796", "LA0007408")}
    assert hub_cli.json("dir3", "unit", "GE0000004")["active"] is False
    assert hub_cli.json("dir3", "unit", "GE0000001")["name"] == "Oficina A"


def _directory(offices: int) -> str:
    """A full file of ``offices`` administrations, each with one OC–OG–UT relation."""
    lines = [
        f"L0{n:07d},Ayuntamiento {n},L0{n:07d},OC {n},LA{n:07d},OG {n},LB{n:07d},UT {n},1\n"
        for n in range(1, offices + 1)
    ]
    return HEADER + "".join(lines)


def test_a_file_cut_short_does_not_switch_the_directory_off(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    """A file truncated at a line boundary parses cleanly; imported in full it deactivated every
    unit it no longer named. Now more than 10 % is refused, with nothing changed, unless forced."""
    whole = _directory(100)
    hub_cli.json("dir3", "import", str(write_file("whole.csv", whole.encode())))
    cut = whole[: whole.index("L00000071,")]  # 70 of 100 lines: 90 units and 30 relations gone
    message = hub_cli.error(
        "--lang", "en", "dir3", "import", str(write_file("cut.csv", cut.encode())),
        exit_code=3, key="directory.deactivates_too_much",
    )  # fmt: skip
    assert "would deactivate 90 of the 300 active units and 30 of the 100 active relations" in message
    assert "Nothing was changed" in message and "--force" in message
    assert len(hub_cli.json("dir3", "units")) == 300 and len(hub_cli.json("dir3", "relations")) == 100

    partial = hub_cli.json("dir3", "import", "--partial", str(write_file("cut.csv", cut.encode())))
    assert partial["units_deactivated"] == 0 and len(hub_cli.json("dir3", "units")) == 300

    text = hub_cli("dir3", "import", "--force", str(write_file("cut.csv", cut.encode()))).stdout
    assert "… (+70)" in text and "L00000090" not in text  # 20 codes shown, then the count
    assert len(hub_cli.json("dir3", "units")) == 210 and len(hub_cli.json("dir3", "relations")) == 70


def test_ordinary_changes_of_a_large_directory_need_no_force(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    whole = _directory(100)
    hub_cli.json("dir3", "import", str(write_file("whole.csv", whole.encode())))
    fewer = whole[: whole.index("L00000096,")]  # 5 offices closed: 15 units, 5 relations
    report = hub_cli.json("dir3", "import", str(write_file("fewer.csv", fewer.encode())))
    assert report["units_deactivated"] == 15 and report["relations_deactivated"] == 5
    assert len(report["units_deactivated_codes"]) == 15  # --json lists every code
