"""Operator input the CLI used to take wrongly or silently, through `facturahub` on SQLite and
PostgreSQL: a directory file that would have switched the whole directory off or erased names,
notification settings that erased what was not asked, a local expiry read as UTC, ids the
database cannot hold, files that are not files."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from tests.functional.conftest import CLI
from tests.functional.test_registry_cli import ACME, ADMIN, _register_integrator

from facturahub.signatures.certgen import issue
from facturahub.store.database import Database
from facturahub.store.models import Administration

HEADER = "administracion,administracion_nombre,oc_codigo,oc_nombre,og_codigo,og_nombre,ut_codigo,ut_nombre\n"
FULL = HEADER + "E00003901,Ministerio A,GE0000001,Oficina A,E00120901,Gestor A,GE0000002,Tramitadora A\n"


def test_directory_files_that_would_lose_data_are_refused_or_merged(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path], database: Database
) -> None:
    hub_cli("dir3", "import", str(write_file("full.csv", FULL.encode())))

    # a truncated export (header only) imported in full would deactivate every unit
    line = hub_cli.error(
        "dir3", "import", str(write_file("h.csv", HEADER.encode())), exit_code=3, key="directory.no_rows"
    )
    assert "ninguna fila" in line
    assert {u["code"] for u in hub_cli.json("dir3", "units")} == {"GE0000001", "E00120901", "GE0000002"}

    # a partial file with codes only adds a relation; names and administrations stay
    codes_only = "oc_codigo,og_codigo,ut_codigo\nGE0000001,E00120901,GE0000009\n"
    report = hub_cli.json("dir3", "import", "--partial", str(write_file("codes.csv", codes_only.encode())))
    assert report["units_added"] == 1 and report["units_updated"] == 0
    office = hub_cli.json("dir3", "unit", "GE0000001")
    assert office["name"] == "Oficina A" and office["administration"] == "E00003901"
    assert hub_cli.json("dir3", "unit", "GE0000009")["name"] == "GE0000009"  # new: its code until named
    unnamed_admin = HEADER + "E00003901,,GE0000001,,E00120901,,GE0000002,\n"
    hub_cli.json("dir3", "import", "--partial", str(write_file("blank.csv", unnamed_admin.encode())))
    assert hub_cli.json("dir3", "unit", "GE0000001")["name"] == "Oficina A"
    with database.unit_of_work() as session:
        assert session.get(Administration, "E00003901").name == "Ministerio A"  # type: ignore[union-attr]

    huge = FULL + 'E1,"' + "x" * 140_000 + '",GE1,a,E2,b,E3,c\n'
    line = hub_cli.error(
        "dir3", "import", str(write_file("huge.csv", huge.encode())), exit_code=3, key="directory.csv_invalid"
    )
    assert line.startswith("error: Línea 3:") and "131072" in line, line
    classic_mac = (
        HEADER + "E00003901,Ministerio A,GE0000077,Oficina CR,E00120901,Gestor A,GE0000002,Tramitadora A\n"
    )
    hub_cli.json(
        "dir3", "import", "--partial", str(write_file("cr.csv", classic_mac.replace("\n", "\r").encode()))
    )
    assert hub_cli.json("dir3", "unit", "GE0000077")["name"] == "Oficina CR"  # lines ended by a lone CR
    latin1 = FULL.encode() + "E00003901,Ministerio,GE0000001,Oficina Españ,E00120901,G,GE0000002,T\n".encode(
        "latin-1"
    )
    line = hub_cli.error(
        "dir3", "import", str(write_file("l1.csv", latin1)), exit_code=3, key="directory.encoding"
    )
    assert line.startswith("error: Línea 3:"), line
    line = hub_cli.error("dir3", "import", "/dev/zero", exit_code=3, key="cli.file_not_regular")
    assert "/dev/zero" in line


def test_directory_files_that_contradict_themselves_are_refused_naming_both_lines(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    """ "Last row wins" would keep whichever of two contradicting rows came last; a repeated column
    would let one of its values vanish. None of these files changes the directory."""

    def refused(content: str, key: str) -> str:
        return hub_cli.error(
            "dir3", "import", str(write_file("f.csv", content.encode())), exit_code=3, key=key
        )

    row = "E00003901,Ministerio A,GE0000001,Oficina A,E00120901,Gestor A,GE0000002,Tramitadora A\n"
    renamed = row.replace("Oficina A", "Oficina B")
    line = refused(FULL + "\n" + renamed, "directory.name_conflict")
    assert line.startswith(
        "error: Línea 4: GE0000001 se llama «Oficina B», pero en la línea 2 «Oficina A»"
    ), line
    line = refused(FULL + row.replace("Ministerio A", "Ministerio B"), "directory.name_conflict")
    assert "E00003901" in line and "línea 2" in line
    flagged = HEADER.replace("\n", ",activa\n") + row.replace("\n", ",1\n") + row.replace("\n", ",0\n")
    line = refused(flagged, "directory.relation_conflict")
    assert line.startswith(
        "error: Línea 3: la relación GE0000001/E00120901/GE0000002 ya está en la línea 2"
    ), line
    line = refused(HEADER.replace("og_codigo", "oc_codigo") + row, "directory.column_repeated")
    assert "oc_codigo" in line
    line = refused("oc,og,ut,office_code\nA1,B1,C1,D1\n", "directory.column_repeated")
    assert "office_code" in line
    unclosed = FULL + 'E00003901,"Ministerio A,GE0000003,Oficina C,E00120901,Gestor A,GE0000002,T\n' + row
    line = refused(unclosed, "directory.line_break_in_field")
    assert line.startswith("error: Línea 3:") and "comillas" in line
    line = refused(
        HEADER + row.replace("GE0000002", "\u017fE0000002"), "directory.code_invalid"
    )  # ſ upper-cases to S
    assert "\u017fE0000002" in line
    assert hub_cli.json("dir3", "units", "--all") == []

    # a row may repeat an earlier one, or name what it left unnamed
    unnamed_first = HEADER + "E00003901,,GE0000001,,E00120901,,GE0000002,\n" + row + row
    report = hub_cli.json("dir3", "import", str(write_file("ok.csv", unnamed_first.encode())))
    assert report["units_added"] == 3
    assert hub_cli.json("dir3", "unit", "GE0000001")["name"] == "Oficina A"


def test_notification_settings_change_only_what_is_given(hub_cli: CLI) -> None:
    _register_integrator(hub_cli)
    both = ("--email", "n1@acme.example", "--email", "n2@acme.example")
    assert hub_cli.json("integrator", "notifications", ACME, *both)["system_notices"] is True
    quiet = hub_cli.json("integrator", "notifications", ACME, "--no-system-notices")
    assert quiet["notification_emails"] == ["n1@acme.example", "n2@acme.example"]  # kept
    moved = hub_cli.json("integrator", "notifications", ACME, "--email", "n3@acme.example")
    assert moved["notification_emails"] == ["n3@acme.example"] and moved["system_notices"] is False
    cleared = hub_cli.json("integrator", "notifications", ACME, "--no-email")
    assert cleared["notification_emails"] == [] and cleared["system_notices"] is False
    hub_cli.error(
        "integrator",
        "notifications",
        ACME,
        "--no-email",
        "--email",
        "a@b.es",
        exit_code=3,
        key="cli.email_and_no_email",
    )
    # the same mailbox twice (in any case) would get every notice twice and is no fallback
    twice = ("--email", "n1@acme.example", "--email", "N1@Acme.Example")
    line = hub_cli.error(
        "integrator", "notifications", ACME, *twice, exit_code=3, key="registry.notification_email_repeated"
    )
    assert "N1@Acme.Example" in line
    assert hub_cli.json("integrator", "show", ACME)["notification_emails"] == []  # unchanged


def test_an_empty_language_is_refused_not_taken_for_spanish(hub_cli: CLI) -> None:
    _register_integrator(hub_cli)
    assert hub_cli.json("user", "update", ADMIN, "--language", "en")["language"] == "en"
    hub_cli.error("user", "update", ADMIN, "--language", "", exit_code=3, key="registry.language_invalid")
    assert hub_cli.json("user", "show", ADMIN)["language"] == "en"


def test_a_notice_expiry_without_offset_is_the_hubs_local_time(hub_cli: CLI) -> None:
    published = hub_cli.json(
        "notice", "publish", "--title", "Corte", "--body", "x", "--expires", "2030-01-15T10:00"
    )
    assert datetime.fromisoformat(published["expires_at"]) == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)  # CET
    summer = hub_cli.json("notice", "publish", "--title", "Corte", "--body", "x", "--expires", "2030-07-15")
    assert datetime.fromisoformat(summer["expires_at"]) == datetime(2030, 7, 14, 22, 0, tzinfo=UTC)  # CEST


def test_ids_the_database_cannot_hold_and_files_that_are_not_files(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    _register_integrator(hub_cli)
    platform = hub_cli.json("platform", "create", ACME, "--name", "erp", "--sending")["code"]
    for certificate in ("3000000000", "99999999999999"):  # PostgreSQL's integer ends at 2³¹-1
        hub_cli.error("platform", "assign", platform, certificate, exit_code=4, key="certificate.not_found")
    hub_cli.error("certificate", "inspect", "/dev/zero", exit_code=3, key="cli.file_not_regular")
    hub_cli.error(
        "certificate", "register", ACME, "/tmp", "--alias", "d", exit_code=3, key="cli.file_not_regular"
    )
    pem = write_file("erp.pem", issue("erp", tax_id=ACME).certificate_pem)
    assert hub_cli.json("certificate", "register", ACME, str(pem), "--alias", "erp")["alias"] == "erp"


def test_sign_invoice_refuses_a_doctype_as_invalid_input(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    signer = issue("firmante", tax_id=ACME)
    cert, key = write_file("c.pem", signer.certificate_pem), write_file("k.pem", signer.private_key_pem)
    hostile = write_file("x.xml", b'<!DOCTYPE r [<!ENTITY e "x">]><Facturae>&e;</Facturae>')
    result = hub_cli("sign-invoice", str(hostile), "--cert", str(cert), "--key", str(key), expect=3)
    assert result.stderr.startswith("error: ") and "[xml." in result.stderr


def test_a_refused_value_of_any_length_is_one_readable_line(hub_cli: CLI) -> None:
    """The reason repeats what it refuses by its beginning and its length, not 10,000 characters."""
    line = hub_cli.error(
        "user",
        "create",
        "--nif",
        "1" * 10_000,
        "--name",
        "X",
        "--email",
        "x@example.org",
        exit_code=3,
        key="nif.invalid_shape",
    )
    assert "1" * 300 + "… (10000 caracteres)" in line and len(line) < 600
    line = hub_cli.error("--lang", "en", "user", "show", "9" * 1001, exit_code=3, key="nif.invalid_shape")
    assert "9" * 300 + "… (1001 characters)" in line and "9" * 301 not in line
    short = "2" * 1000  # up to the limit a value is shown whole
    assert short in hub_cli.error("user", "show", short, exit_code=3, key="nif.invalid_shape")


def test_a_certificate_another_one_answers_for_by_issuer_and_serial_is_refused(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    """A request may name its certificate by X509IssuerSerial: a second registered certificate
    with the same issuer and serial number (anyone can mint one) would make the first database row
    decide who signed, and could lock the real owner out."""
    _register_integrator(hub_cli)
    original = issue("erp", tax_id=ACME)
    clone_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    clone = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "clon")]))
        .issuer_name(original.certificate.issuer)
        .serial_number(original.certificate.serial_number)
        .public_key(clone_key.public_key())
        .not_valid_before(original.certificate.not_valid_before_utc)
        .not_valid_after(original.certificate.not_valid_after_utc)
        .sign(clone_key, hashes.SHA256())
    )
    first = write_file("erp.pem", original.certificate_pem)
    hub_cli.json("certificate", "register", ACME, str(first), "--alias", "erp")
    second = write_file("clon.pem", clone.public_bytes(serialization.Encoding.PEM))
    line = hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(second),
        "--alias",
        "clon",
        exit_code=5,
        key="certificate.issuer_serial_taken",
    )
    assert str(original.certificate.serial_number) in line
    assert [c["alias"] for c in hub_cli.json("certificate", "list", ACME)] == ["erp"]


def test_directory_files_with_delimiters_in_names_or_a_unit_under_two_administrations(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    """The delimiter (comma, semicolon or tab) comes from the header line. Before: from the first
    4 KiB, so a comma file whose names hold semicolons was read as semicolon-separated and refused
    (missing columns); a tab-delimited export was read as commas and refused.
    A unit a later line places under another administration keeps the first and is reported,
    naming both lines. Before: kept the first silently."""
    section = '"Servicio; Sección; Negociado; Unidad; Área; Departamento; Dirección; Gerencia; Subárea; '
    section += 'Planta; Registro; Archivo; Oficina"'  # more semicolons per row than commas
    rows = "".join(
        f"E00003901,Ministerio A,GE000001{i},{section.replace('Oficina', f'Oficina {i}')},"
        f"E00120901,Gestor A,GE0000002,Tramitadora A\n"
        for i in range(3)
    )
    report = hub_cli.json("dir3", "import", str(write_file("commas.csv", (HEADER + rows).encode())))
    assert report["units_added"] == 5 and report["administration_conflicts"] == []
    assert hub_cli.json("dir3", "unit", "GE0000011")["name"] == section.strip('"').replace(
        "Oficina", "Oficina 1"
    )

    semicolons = (HEADER + rows).replace(",", ";").replace("; ", ", ")  # names with commas now
    assert hub_cli.json("dir3", "import", str(write_file("semi.csv", semicolons.encode())))["changed"]
    assert hub_cli.json("dir3", "unit", "GE0000011")["name"].startswith("Servicio, Sección, ")
    tabs = semicolons.replace(";", "\t").replace(", ", "; ")  # a spreadsheet's tab-delimited export
    assert hub_cli.json("dir3", "import", str(write_file("tabs.txt", tabs.encode())))["changed"]
    assert hub_cli.json("dir3", "unit", "GE0000011")["name"].startswith("Servicio; Sección; ")

    two = (
        HEADER
        + "E00003901,Ministerio A,GE0000001,Oficina A,E00120901,Gestor A,GE0000002,Tramitadora A\n"
        + "E00000002,Consejería B,GE0000001,Oficina A,E00000003,Gestor B,GE0000004,Tramitadora B\n"
        + "E00000002,Consejería B,GE0000001,Oficina A,E00000003,Gestor B,GE0000005,Tramitadora C\n"
    )
    path = write_file("two.csv", two.encode())
    result = hub_cli("dir3", "import", "--partial", str(path))
    assert result.stderr.strip().splitlines() == [
        "aviso: línea 3: GE0000001 figura en la administración E00000002, pero en la línea 2 en "
        "E00003901; se mantiene en E00003901"
    ]  # once per unit and administration, not per line
    assert re.search(r"^administration_conflicts +1$", result.stdout, re.MULTILINE), result.stdout
    assert hub_cli.json("dir3", "unit", "GE0000001")["administration"] == "E00003901"
    assert hub_cli.json("dir3", "unit", "E00000003")["administration"] == "E00000002"
    report = hub_cli.json("dir3", "import", "--partial", str(path))
    assert report["administration_conflicts"] == [
        {"code": "GE0000001", "kept": "E00003901", "kept_line": 2, "other": "E00000002", "line": 3}
    ]
