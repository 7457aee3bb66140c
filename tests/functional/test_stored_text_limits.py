"""Values the store could not keep, through the `facturahub` CLI on SQLite and PostgreSQL.

PostgreSQL refuses a NUL in text and a value longer than its column; SQLite stores both. Either
way the operator must get one line naming the field, never a database traceback, and a valid
certificate must register whatever the length of its issuer's name or serial number."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID
from tests.functional.conftest import CLI
from tests.functional.test_registry_cli import ACME, _register_integrator

from facturahub.signatures.certgen import Identity, issue

HEADER = "administracion,administracion_nombre,oc_codigo,oc_nombre,og_codigo,og_nombre,ut_codigo,ut_nombre\n"


def _row(administration_name: str = "Ministerio", office_name: str = "Oficina") -> str:
    return f"E00003901,{administration_name},GE0000001,{office_name},E00120901,Gestor,GE0000002,Tramitadora\n"


def test_directory_names_that_do_not_fit_are_refused_by_line_and_column(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    def refused(name: str, content: str, key: str) -> str:
        path = write_file(name, (HEADER + _row() + content).encode())
        return hub_cli.error("dir3", "import", str(path), exit_code=3, key=key)

    message = refused("long.csv", _row(administration_name="n" * 251), "directory.name_too_long")
    assert "3" in message.split(":")[1] and "administracion_nombre" in message and "251" in message
    message = refused("nul.csv", _row(office_name="Ofi\x00cina"), "directory.name_control_character")
    assert "oc_nombre" in message and "U+0000" in message
    refused("tab.csv", _row(office_name="Ofi\tcina"), "directory.name_control_character")
    message = refused(
        "bidi.csv", _row(office_name="Oficina \u2067anulada\u2069"), "directory.name_control_character"
    )
    assert "U+2067" in message
    for character in ("\uffff", "\ufffe"):  # XML cannot carry them: every listing of the name failed
        message = refused(
            "nonchar.csv",
            _row(administration_name=f"Minis{character}terio"),
            "directory.name_control_character",
        )
        assert "administracion_nombre" in message and f"U+{ord(character):04X}" in message
        assert "que XML no puede llevar" in message
    assert hub_cli.json("dir3", "units", "--all") == []  # nothing of a refused file was kept

    fits = write_file("fits.csv", (HEADER + _row(administration_name="n" * 250)).encode())
    assert hub_cli.json("dir3", "import", str(fits))["administrations_added"] == 1
    assert hub_cli.json("dir3", "unit", "GE0000001")["name"] == "Oficina"


def _long_name(common_name: str) -> x509.Name:
    """A CA name of about 800 characters, with a serialNumber that is not a tax id."""
    units = [
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"unidad {i} " + "x" * 60) for i in range(10)
    ]
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Autoridad de certificación de pruebas"),
            *units,
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IDCES-" + "9" * 60),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _with_long_serial(identity: Identity) -> bytes:
    """``identity``'s certificate with a 60-octet serial number (RFC 5280 allows 20; parsers read
    it). The signature no longer matches, which registration does not check."""
    der = identity.certificate_der
    serial = identity.certificate.serial_number
    encoded = serial.to_bytes((serial.bit_length() + 8) // 8, "big")
    at = der.index(b"\x02" + bytes([len(encoded)]) + encoded)
    longer = b"\x01" * 60
    grown = bytearray(der[:at] + b"\x02" + bytes([len(longer)]) + longer + der[at + 2 + len(encoded) :])
    for offset in (2, 6):  # the certificate's and the TBSCertificate's two-byte lengths
        length = int.from_bytes(grown[offset : offset + 2], "big") + len(longer) - len(encoded)
        grown[offset : offset + 2] = length.to_bytes(2, "big")
    return bytes(grown)


def test_certificates_with_long_issuer_names_and_serials_register_and_block(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    _register_integrator(hub_cli)
    authority = issue("ca", subject=_long_name("CA de pruebas"), is_ca=True)
    leaf = issue("leaf", issuer=authority, subject=_long_name("Sello\x00de pruebas"))
    path = write_file("long.pem", leaf.certificate_pem)

    registered = hub_cli.json("certificate", "register", ACME, str(path), "--alias", "largo")
    assert len(registered["issuer"]) > 500 and registered["tax_id"] is None  # 60 digits: not a tax id
    assert "\\00" in registered["subject"]  # the NUL of the name is written escaped
    listed = hub_cli.json("certificate", "list", ACME)
    assert [(c["alias"], c["issuer"]) for c in listed] == [("largo", registered["issuer"])]

    long_serial = write_file("serial.cer", _with_long_serial(issue("serial")))
    registered = hub_cli.json("certificate", "register", ACME, str(long_serial), "--alias", "serie")
    assert len(registered["serial"]) > 80

    blocked = hub_cli.json("certificate", "block", str(path), "--reason", "pruebas")
    assert blocked["issuer"] == listed[0]["issuer"]
    assert hub_cli.json("certificate", "block", str(long_serial), "--reason", "pruebas")["serial"]


def test_registry_text_with_control_characters_is_refused_naming_the_field(
    hub_cli: CLI, write_file: Callable[[str, bytes], Path]
) -> None:
    _register_integrator(hub_cli)
    path = write_file("erp.pem", issue("erp", tax_id=ACME).certificate_pem)
    message = hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(path),
        "--alias",
        "e\x00rp",
        exit_code=3,
        key="registry.field_control_character",
    )
    assert "alias" in message and "U+0000" in message
    refused_texts = [
        (("platform", "create", ACME, "--sending", "--name"), "erp\x1b[2J", "U+001B"),
        (("integrator", "update", ACME, "--legal-name"), "Acme\nS.L.", "U+000A"),
        # text that reorders what is displayed around it (Trojan Source) or breaks the line
        (("platform", "create", ACME, "--sending", "--name"), "erp \u202efdp.exe", "U+202E"),
        (("integrator", "update", ACME, "--legal-name"), "Acme\u2028S.L.", "U+2028"),
        # a notice's body is several lines; its title one
        (("notice", "publish", "--title", "Corte", "--body"), "pague a \u202eSE00", "U+202E"),
        (("notice", "publish", "--body", "x", "--title"), "Cor\rte", "U+000D"),
        (("notice", "publish", "--title", "Corte", "--body"), "nul\x00", "U+0000"),
    ]
    for command, text, character in refused_texts:
        message = hub_cli.error(*command, text, exit_code=3, key="registry.field_control_character")
        assert character in message
    assert hub_cli.json("certificate", "list", ACME) == []
    assert hub_cli.json("platform", "list", ACME) == []
    # right-to-left letters themselves are text
    arabic = hub_cli.json("platform", "create", ACME, "--name", "منصة الفواتير", "--sending")
    assert arabic["name"] == "منصة الفواتير"

    # a notice's body may hold line breaks and tabs
    published = hub_cli.json(
        "notice", "publish", "--title", "Corte", "--body", "Línea 1\nLínea 2\tfin\u2028Línea 3"
    )
    assert published["body"] == "Línea 1\nLínea 2\tfin\u2028Línea 3"
    assert [n["title"] for n in hub_cli.json("notice", "list")] == ["Corte"]  # none of the refused
