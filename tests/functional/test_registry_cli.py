"""The registry through the `facturahub` CLI, on SQLite and PostgreSQL: users, integrators,
delegates, certificates, platforms, activity and notices, with every bad input's error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.functional.conftest import CLI

from facturahub.signatures.certgen import Identity, issue

ADMIN = "11111111H"
DELEGATE = "10200582J"
ACME = "B00000018"
OTHER = "A58818501"


def _register_integrator(hub_cli: CLI, nif: str = ACME, admin: str = ADMIN) -> None:
    if hub_cli("user", "show", admin, expect=None).exit_code != 0:
        hub_cli(
            "user",
            "create",
            "--nif",
            admin,
            "--name",
            "Usuario",
            "--first-surname",
            "Pruebas",
            "--email",
            f"{admin.lower()}@example.org",
        )
    hub_cli(
        "integrator",
        "register",
        "--nif",
        nif,
        "--legal-name",
        f"Empresa {nif}",
        "--email",
        f"facturas@{nif.lower()}.example",
        "--accepted-by",
        admin,
        "--accept-terms",
        "--third-party-services",
    )


@pytest.fixture
def certs(write_file: Callable[[str, bytes], Path]) -> Callable[[str, Identity | None], Path]:
    def make(name: str, identity: Identity | None = None) -> Path:
        identity = identity or issue(name, tax_id=ACME)
        return write_file(f"{name}.pem", identity.certificate_pem)

    return make


def test_users_and_integrators(hub_cli: CLI) -> None:
    user = hub_cli.json(
        "user",
        "create",
        "--nif",
        "11111111h",
        "--name",
        "Usuario",
        "--first-surname",
        "Pruebas",
        "--email",
        "u@example.org",
        "--phone",
        "+34 600 000 000",
    )
    assert user["nif"] == "11111111H" and user["phone"] == "+34600000000" and user["language"] == "es"
    hub_cli.error(
        "user",
        "create",
        "--nif",
        "11111111H",
        "--name",
        "X",
        "--email",
        "x@example.org",
        exit_code=5,
        key="user.already_exists",
    )
    message = hub_cli.error(
        "user",
        "create",
        "--nif",
        "11111111A",
        "--name",
        "X",
        "--email",
        "x@example.org",
        exit_code=3,
        key="nif.wrong_check",
    )
    assert "se esperaba H" in message
    other = ("user", "create", "--nif", "22222222J", "--name", "X")
    for phone in ("+34 ٦٠٠ ٠٠٠ ٠٠٠", "+34 ６００ ０００ ０００"):  # Arabic-Indic, full-width: not dialable
        refused = hub_cli.error(
            *other, "--email", "x2@example.org", "--phone", phone, exit_code=3, key="registry.phone_invalid"
        )
        assert phone in refused
    for address in ("a@example.org,root", "Ana <ana@example.org>", "ana@example"):
        hub_cli.error(*other, "--email", address, exit_code=3, key="registry.email_invalid")
    hub_cli.error(
        "user",
        "create",
        "--nif",
        "10200582J",
        "--name",
        "X",
        "--email",
        "not-an-email",
        exit_code=3,
        key="registry.email_invalid",
    )
    register = (
        "integrator",
        "register",
        "--nif",
        ACME,
        "--legal-name",
        "Acme SL",
        "--email",
        "a@acme.example",
    )
    hub_cli.error(*register, "--accepted-by", ADMIN, exit_code=3, key="integrator.terms_not_accepted")
    not_hex = hub_cli.error(
        *register,
        "--accepted-by",
        ADMIN,
        "--accept-terms",
        "--certificate-sha256",
        "z" * 64,
        exit_code=3,
        key="integrator.terms_certificate_invalid",
    )
    assert "z" * 64 in not_hex
    integrator = hub_cli.json(
        *register,
        "--commercial-id",
        "acme",
        "--accepted-by",
        ADMIN,
        "--accept-terms",
        "--third-party-services",
        "--certificate-sha256",
        ":".join(["AB"] * 32),  # as certificate viewers show it
    )
    assert integrator["terms_accepted_by"] == ADMIN and integrator["third_party_services"] is True
    assert integrator["terms_certificate_sha256"] == "ab" * 32
    accepted = datetime.fromisoformat(integrator["terms_accepted_at"])
    assert abs(accepted - datetime.now(UTC)) < timedelta(minutes=1)
    hub_cli.error(
        *register, "--accepted-by", ADMIN, "--accept-terms", exit_code=5, key="integrator.already_exists"
    )
    updated = hub_cli.json(
        "integrator",
        "notifications",
        ACME,
        "--email",
        "n1@acme.example",
        "--email",
        "n2@acme.example",
        "--no-system-notices",
    )
    assert updated["notification_emails"] == ["n1@acme.example", "n2@acme.example"]
    assert updated["system_notices"] is False
    hub_cli.error(
        "integrator",
        "notifications",
        ACME,
        "--email",
        "1@a.es",
        "--email",
        "2@a.es",
        "--email",
        "3@a.es",
        exit_code=3,
        key="registry.too_many_notification_emails",
    )
    english = hub_cli("--lang", "en", "integrator", "show", "B00000019", expect=3).stderr
    assert "wrong check character" in english


def test_delegates_act_on_behalf_and_every_action_records_both(hub_cli: CLI) -> None:
    _register_integrator(hub_cli)
    hub_cli.error("delegate", "add", ACME, DELEGATE, exit_code=4, key="delegate.user_unknown")
    created = hub_cli.json(
        "delegate",
        "add",
        ACME,
        DELEGATE,
        "--name",
        "Nombre",
        "--first-surname",
        "Apellido1",
        "--email",
        "nombre@correo.org",
    )
    assert created == {**created, "nif": DELEGATE, "role": "delegate", "name": "Nombre Apellido1"}
    hub_cli.error("delegate", "add", ACME, DELEGATE, exit_code=5, key="delegate.already_authorised")
    listed = hub_cli.json("delegate", "list", ACME)
    assert [(d["nif"], d["role"]) for d in listed] == [(ADMIN, "administrator"), (DELEGATE, "delegate")]

    # the delegate acts on behalf of the integrator: allowed for platforms, not for delegates
    hub_cli(
        "--as", DELEGATE, "--on-behalf-of", ACME, "platform", "create", ACME, "--name", "erp", "--sending"
    )
    hub_cli.error(
        "--as",
        DELEGATE,
        "--on-behalf-of",
        ACME,
        "delegate",
        "remove",
        ACME,
        ADMIN,
        exit_code=6,
        key="actor.not_administrator",
    )
    # acting as themselves, the delegate cannot touch the integrator
    hub_cli.error(
        "--as",
        DELEGATE,
        "platform",
        "create",
        ACME,
        "--name",
        "x",
        "--sending",
        exit_code=6,
        key="actor.not_for_integrator",
    )
    _register_integrator(hub_cli, OTHER, admin="99999999R")
    hub_cli.error(
        "--as",
        DELEGATE,
        "--on-behalf-of",
        OTHER,
        "platform",
        "list",
        OTHER,
        exit_code=6,
        key="actor.not_authorised",
    )

    activity = hub_cli.json("integrator", "activity", ACME)
    platform_event = next(e for e in activity if e["action"] == "platform.created")
    assert platform_event["actor"] == f"user:{DELEGATE}"  # who
    assert (
        hub_cli.json("--as", ADMIN, "--on-behalf-of", ACME, "integrator", "activity", ACME)[0]["action"]
        == "platform.created"
    )
    hub_cli.error(
        "--as",
        "99999999R",
        "--on-behalf-of",
        OTHER,
        "integrator",
        "activity",
        ACME,
        exit_code=6,
        key="actor.not_for_integrator",
    )

    hub_cli.error("delegate", "remove", ACME, ADMIN, exit_code=5, key="delegate.last_administrator")
    hub_cli("--as", ADMIN, "--on-behalf-of", ACME, "delegate", "remove", ACME, DELEGATE)
    assert [d["nif"] for d in hub_cli.json("delegate", "list", ACME)] == [ADMIN]
    hub_cli.error("delegate", "remove", ACME, DELEGATE, exit_code=4, key="delegate.not_found")
    # no longer authorised
    hub_cli.error(
        "--as",
        DELEGATE,
        "--on-behalf-of",
        ACME,
        "platform",
        "list",
        ACME,
        exit_code=6,
        key="actor.not_authorised",
    )


def test_certificate_registration_and_its_errors(hub_cli: CLI, certs, write_file) -> None:  # type: ignore[no-untyped-def]
    _register_integrator(hub_cli)
    identity = issue("erp-2026", tax_id="99999999R")
    path = certs("erp", identity)
    summary = hub_cli.json("certificate", "inspect", str(path))
    assert summary["tax_id"] == "99999999R" and summary["sha256"] == identity.sha256
    registered = hub_cli.json("certificate", "register", ACME, str(path), "--alias", "erp")
    assert registered["state"] == "unassigned" and registered["platform"] is None
    assert registered["key"] == "RSA 2048" and registered["serial"] == str(identity.certificate.serial_number)
    # DER (.cer) works too
    der = write_file("other.cer", issue("other").certificate_der)
    assert hub_cli.json("certificate", "register", ACME, str(der), "--alias", "cer")["alias"] == "cer"

    message = hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(path),
        "--alias",
        "again",
        exit_code=5,
        key="certificate.already_registered_here",
    )
    assert "«erp»" in message
    _register_integrator(hub_cli, OTHER, admin="99999999R")
    hub_cli.error(
        "certificate",
        "register",
        OTHER,
        str(path),
        "--alias",
        "stolen",
        exit_code=5,
        key="certificate.already_registered",
    )

    expired = issue("old", not_before=datetime.now(UTC) - timedelta(days=400), days=365)
    hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(certs("old", expired)),
        "--alias",
        "old",
        exit_code=3,
        key="certificate.expired",
    )
    weak = issue("weak", bits=1024)
    assert "1024 bits" in hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(certs("weak", weak)),
        "--alias",
        "w",
        exit_code=3,
        key="certificate.weak_key",
    )
    key_file = write_file("key.pem", identity.private_key_pem)
    hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(key_file),
        "--alias",
        "k",
        exit_code=3,
        key="x509.private_key_material",
    )
    hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(write_file("notes.txt", b"just text")),
        "--alias",
        "t",
        exit_code=3,
        key="x509.not_a_certificate",
    )
    hub_cli.error(
        "certificate",
        "register",
        ACME,
        str(write_file("broken.cer", identity.certificate_der[:300])),
        "--alias",
        "b",
        exit_code=3,
        key="x509.corrupt",
    )
    hub_cli.error(
        "certificate",
        "register",
        ACME,
        "/nonexistent.pem",
        "--alias",
        "n",
        exit_code=3,
        key="cli.file_unreadable",
    )
    listed = hub_cli.json("certificate", "list", ACME)
    assert [c["alias"] for c in listed] == ["erp", "cer"]


def test_platforms_certificates_and_lookup(hub_cli: CLI, certs) -> None:  # type: ignore[no-untyped-def]
    _register_integrator(hub_cli)
    first, second, third = (issue(f"c{i}", tax_id=ACME) for i in range(3))
    ids = [
        hub_cli.json("certificate", "register", ACME, str(certs(f"c{i}", c)), "--alias", f"c{i}")["id"]
        for i, c in enumerate((first, second, third))
    ]
    hub_cli.error("platform", "create", ACME, "--name", "none", exit_code=3, key="platform.no_capability")
    hub_cli.error(
        "platform",
        "create",
        ACME,
        "--name",
        "fsp",
        "--citizen-delivery",
        exit_code=3,
        key="platform.instance_id_required",
    )
    expected = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    for written, key in (
        ("3F2504E0-4F89-41D3-9A0C-0305E82C3301", "platform.instance_id_not_lowercase"),
        ("{3f2504e0-4f89-41d3-9a0c-0305e82c3301}", "platform.instance_id_not_canonical"),
        ("urn:uuid:3f2504e0-4f89-41d3-9a0c-0305e82c3301", "platform.instance_id_not_canonical"),
        ("3f2504e04f8941d39a0c0305e82c3301", "platform.instance_id_not_canonical"),
    ):
        message = hub_cli.error(
            "platform",
            "create",
            ACME,
            "--name",
            "fsp",
            "--citizen-delivery",
            "--instance-id",
            written,
            exit_code=3,
            key=key,
        )
        assert f"«{expected}»" in message  # how to write it
    sending = hub_cli.json(
        "platform", "create", ACME, "--name", "erp", "--sending", "--certificate", str(ids[0])
    )
    assert sending["certificates"] == [first.sha256] and sending["sending"] and not sending["reception"]
    fsp = hub_cli.json(
        "platform",
        "create",
        ACME,
        "--name",
        "paperless",
        "--citizen-delivery",
        "--sending",
        "--instance-id",
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
    )
    assert fsp["instance_id"] == "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    hub_cli.error(
        "platform",
        "create",
        ACME,
        "--name",
        "dup",
        "--citizen-delivery",
        "--instance-id",
        "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
        exit_code=5,
        key="platform.instance_id_taken",
    )

    # a certificate belongs to at most one platform
    message = hub_cli.error(
        "platform", "assign", fsp["code"], first.sha256, exit_code=5, key="certificate.in_use"
    )
    assert sending["code"] in message
    hub_cli("platform", "assign", fsp["code"], str(ids[1]))
    hub_cli.error(
        "platform", "unassign", sending["code"], str(ids[1]), exit_code=5, key="certificate.not_on_platform"
    )
    hub_cli.error(
        "platform", "swap", sending["code"], str(ids[0]), str(ids[1]), exit_code=5, key="certificate.in_use"
    )
    swapped = hub_cli.json("platform", "swap", sending["code"], str(ids[0]), str(ids[2]))
    assert swapped["platform"] == sending["code"]
    shown = hub_cli.json("platform", "show", sending["code"])
    assert shown["certificates"] == [third.sha256]
    states = {c["alias"]: (c["state"], c["platform"]) for c in hub_cli.json("certificate", "list", ACME)}
    assert states == {
        "c0": ("unassigned", None),
        "c1": ("in use", fsp["code"]),
        "c2": ("in use", sending["code"]),
    }
    renamed = hub_cli.json("platform", "rename", sending["code"], "erp-2")
    assert renamed["name"] == "erp-2"

    # lookup from any reference a request can carry
    by_file = hub_cli.json("certificate", "lookup", "--file", str(certs("c2", third)))
    assert by_file == {
        **by_file,
        "platform": sending["code"],
        "integrator": ACME,
        "capabilities": ["sending"],
    }
    sha1 = third.certificate.fingerprint(
        __import__("cryptography.hazmat.primitives.hashes").hazmat.primitives.hashes.SHA1()
    ).hex()
    assert hub_cli.json("certificate", "lookup", "--thumbprint", sha1)["platform"] == sending["code"]
    issuer = third.certificate.issuer.rfc4514_string()
    by_serial = hub_cli.json(
        "certificate", "lookup", "--issuer", issuer, "--serial", str(third.certificate.serial_number)
    )
    assert by_serial["platform"] == sending["code"]
    # the issuer as Java's X500Principal.getName() writes it: C as a hex-encoded PrintableString
    java_issuer = issuer.replace("C=ES", "2.5.4.6=#13024553")
    assert java_issuer != issuer
    by_java_name = hub_cli.json(
        "certificate", "lookup", "--issuer", java_issuer, "--serial", str(third.certificate.serial_number)
    )
    assert by_java_name["certificate_sha256"] == third.sha256
    for bad_serial, reason in (("²", "'²' is not a decimal serial number"), ("1" * 5000, "is not a decimal")):
        line = hub_cli.error(
            "certificate",
            "lookup",
            "--issuer",
            issuer,
            "--serial",
            bad_serial,
            exit_code=3,
            key="certificate.issuer_serial_invalid",
        )
        assert reason in line
    line = hub_cli.error(
        "certificate",
        "lookup",
        "--issuer",
        "CN=x,FOO=y",
        "--serial",
        "5",
        exit_code=3,
        key="certificate.issuer_serial_invalid",
    )
    assert "unknown attribute 'FOO'" in line
    hub_cli.error("certificate", "lookup", "--issuer", issuer, exit_code=3, key="cli.lookup_one_reference")
    assert sorted(hub_cli.json("certificate", "lookup", "--thumbprint", second.sha256)["capabilities"]) == [
        "citizen_delivery",
        "sending",
    ]
    hub_cli.error(
        "certificate",
        "lookup",
        "--thumbprint",
        first.sha256,
        exit_code=1,
        key="caller.certificate_unassigned",
    )
    hub_cli.error(
        "certificate", "lookup", "--thumbprint", "00" * 32, exit_code=1, key="caller.certificate_unknown"
    )

    # delete: certificates become unassigned, the platform and its history remain
    deleted = hub_cli.json("platform", "delete", sending["code"])
    assert deleted["deleted_at"] and deleted["certificates"] == []
    hub_cli.error(
        "certificate",
        "lookup",
        "--thumbprint",
        third.sha256,
        exit_code=1,
        key="caller.certificate_unassigned",
    )
    assert [p["code"] for p in hub_cli.json("platform", "list", ACME)] == [fsp["code"]]
    assert {p["code"] for p in hub_cli.json("platform", "list", ACME, "--all")} == {
        sending["code"],
        fsp["code"],
    }
    line = hub_cli.error(
        "platform", "rename", sending["code"], "zombie", exit_code=4, key="platform.was_deleted"
    )
    assert f"La plataforma {sending['code']} se eliminó el {deleted['deleted_at'][:10]}" in line
    hub_cli.error("platform", "rename", "no-such-platform", "x", exit_code=4, key="platform.not_found")
    actions = [e["action"] for e in hub_cli.json("integrator", "activity", ACME, "--limit", "50")]
    assert actions[0] == "platform.deleted" and "platform.certificate_assigned" in actions


def test_reception_platform_offices_need_operator_approval(hub_cli: CLI, certs) -> None:  # type: ignore[no-untyped-def]
    hub_cli("sandbox", "init", "--out", str(Path(hub_cli.env["FACTURAHUB_DATA_DIR"]) / "sandbox"))
    registry = "Q2826000H"
    _register_integrator(hub_cli, registry)
    cert = issue("rcf", tax_id=registry)
    cert_id = hub_cli.json("certificate", "register", registry, str(certs("rcf", cert)), "--alias", "rcf")[
        "id"
    ]
    sending = hub_cli.json("platform", "create", registry, "--name", "send", "--sending")
    hub_cli.error(
        "platform", "request-unit", sending["code"], "P00000010", exit_code=3, key="platform.not_reception"
    )
    rcf = hub_cli.json(
        "platform", "create", registry, "--name", "rcf", "--reception", "--certificate", str(cert_id)
    )
    hub_cli.error(
        "platform", "request-unit", rcf["code"], "NOPE0001", exit_code=4, key="directory.office_unknown"
    )
    hub_cli.error(
        "platform", "request-unit", rcf["code"], "0201", exit_code=3, key="platform.unit_not_office"
    )
    pending = hub_cli.json("platform", "request-unit", rcf["code"], "P00000010")
    assert pending["status"] == "pending"
    hub_cli.error(
        "platform", "request-unit", rcf["code"], "P00000010", exit_code=5, key="platform.unit_already"
    )
    assert [(p["platform"], p["office"]) for p in hub_cli.json("platform", "pending")] == [
        (rcf["code"], "P00000010")
    ]
    # only an operator approves
    hub_cli.error(
        "--as",
        ADMIN,
        "--on-behalf-of",
        registry,
        "platform",
        "decide-unit",
        rcf["code"],
        "P00000010",
        "--approve",
        exit_code=6,
        key="actor.not_operator",
    )
    approved = hub_cli.json("platform", "decide-unit", rcf["code"], "P00000010", "--approve")
    assert approved["status"] == "approved" and approved["decided_by"] == "operator:operator"
    hub_cli.error(
        "platform",
        "decide-unit",
        rcf["code"],
        "P00000010",
        "--reject",
        exit_code=5,
        key="platform.unit_not_pending",
    )
    assert hub_cli.json("platform", "show", rcf["code"])["offices"] == ["P00000010 (approved)"]
    hub_cli("platform", "request-unit", rcf["code"], "DFB0")
    assert hub_cli.json("platform", "decide-unit", rcf["code"], "DFB0", "--reject")["status"] == "rejected"
    assert hub_cli.json("certificate", "lookup", "--file", str(certs("rcf", cert)))["capabilities"] == [
        "reception"
    ]


def test_notices(hub_cli: CLI) -> None:
    _register_integrator(hub_cli)
    published = hub_cli.json(
        "notice", "publish", "--title", "Parada", "--body", "Mantenimiento el sábado", "--severity", "warning"
    )
    hub_cli("notice", "publish", "--title", "Old", "--body", "x", "--expires", "2031-01-01")
    hub_cli.error(
        "notice",
        "publish",
        "--title",
        "T",
        "--body",
        "x",
        "--severity",
        "loud",
        exit_code=3,
        key="notice.severity_invalid",
    )
    hub_cli.error(
        "notice",
        "publish",
        "--title",
        "T",
        "--body",
        "x",
        "--expires",
        "2001-01-01",
        exit_code=3,
        key="notice.expiry_past",
    )
    hub_cli.error(
        "--as",
        ADMIN,
        "notice",
        "publish",
        "--title",
        "T",
        "--body",
        "x",
        exit_code=6,
        key="actor.not_operator",
    )
    assert [n["title"] for n in hub_cli.json("notice", "list")] == ["Old", "Parada"]
    hub_cli("notice", "withdraw", str(published["id"]))
    hub_cli.error("notice", "withdraw", str(published["id"]), exit_code=5, key="notice.already_withdrawn")
    assert [n["title"] for n in hub_cli.json("notice", "list")] == ["Old"]


def test_errors_speak_the_configured_language(hub_cli: CLI) -> None:
    """FACTURAHUB_LANGUAGE (or the TOML file's ``language``) sets the language of errors; ``--lang``
    overrides it. The setting used to be ignored: errors were always Spanish."""
    english = CLI({**hub_cli.env, "FACTURAHUB_LANGUAGE": "en"}, hub_cli.runner)
    line = english.error(
        "certificate", "lookup", "--thumbprint", "zz", exit_code=3, key="certificate.reference_invalid"
    )
    assert "is neither a certificate id nor a SHA-1/SHA-256 thumbprint" in line
    line = english.error(
        "--lang",
        "es",
        "certificate",
        "lookup",
        "--thumbprint",
        "zz",
        exit_code=3,
        key="certificate.reference_invalid",
    )
    assert "no es un identificador ni una huella" in line
