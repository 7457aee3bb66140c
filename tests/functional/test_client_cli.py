"""``facturahub client …`` through the real CLI (click's runner in-process, and the installed entry
point as a subprocess) against a running hub on SQLite and PostgreSQL: every FACe command, the exit
codes of a business error (``resultado/codigo`` ≠ 0), of a SOAP Fault and of a response that does
not verify with ``--server-cert``; and eFACT's three-step status download against our own eFACT
endpoint (``/efact/sspp``)."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lxml import etree
from tests.functional.face_hub import FACTURAHUB, FNMT_P12, FaceHub, _free_port, face_hub, invoice_variant

from facturahub.cli import cli
from facturahub.signatures.certgen import issue

__all__ = ["face_hub"]  # the module-scoped fixture

REGISTRY_NUMBER = re.compile(r"^\d{12}$")


@dataclass
class ClientCLI:
    """``facturahub client <command> --endpoint … --cert … --key … --server-cert …``."""

    hub: FaceHub
    files: Path
    runner: CliRunner

    @property
    def hub_cert(self) -> str:
        return str(self.hub.sandbox["hub"]["cert"])

    def identity(self) -> list[str]:
        supplier = self.hub.sandbox["supplier"]
        return ["--cert", str(supplier["cert"]), "--key", str(supplier["key"])]

    def run(
        self,
        command: str,
        *args: str,
        expect: int = 0,
        identity: list[str] | None = None,
        server_cert: str | None = "hub",
        endpoint: str | None = None,
        profile: str = "face",
        as_json: bool = False,
    ) -> Result:
        options = ["--endpoint", endpoint or self.hub.endpoint, "--profile", profile]
        options += self.identity() if identity is None else identity
        if server_cert is not None:
            options += ["--server-cert", self.hub_cert if server_cert == "hub" else server_cert]
        root = ["--json"] if as_json else []
        argv = [*root, "client", command, *args, *options]
        result = self.runner.invoke(cli, argv, env={"FACTURAHUB_CONFIG": ""}, catch_exceptions=False)
        assert result.exit_code == expect, (
            f"facturahub {' '.join(argv)} exited {result.exit_code}, expected {expect}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
        return result

    def json(self, command: str, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.run(command, *args, as_json=True, **kwargs).stdout)

    def error(self, command: str, *args: str, expect: int, key: str, **kwargs: Any) -> str:
        """A command that must fail: its one-line reason (the only line on stderr)."""
        result = self.run(command, *args, expect=expect, **kwargs)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ") and lines[0].endswith(f"[{key}]"), lines[0]
        return lines[0]

    def signed_invoice(self, name: str = "factura.xsig") -> tuple[Path, str]:
        """A fresh sample invoice signed by ``facturahub sign-invoice`` with the supplier's key."""
        xml, number = invoice_variant()
        unsigned = self.files / f"{number}.xml"
        unsigned.write_bytes(xml)
        out = self.files / f"{number}-{name}"
        supplier = self.hub.sandbox["supplier"]
        result = self.runner.invoke(
            cli,
            [
                "sign-invoice",
                str(unsigned),
                "--cert",
                supplier["cert"],
                "--key",
                supplier["key"],
                "--out",
                str(out),
            ],
            env={"FACTURAHUB_CONFIG": ""},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.stderr
        return out, number

    def send(self, invoice: Path, *args: str) -> dict[str, Any]:
        sent = self.json("send", str(invoice), *args)
        assert sent["resultado"]["codigo"] == "0", sent
        return dict(sent)


@pytest.fixture
def client(face_hub: FaceHub, tmp_path: Path) -> ClientCLI:
    return ClientCLI(face_hub, tmp_path, CliRunner())


def test_send_status_list_and_cancel(client: ClientCLI, tmp_path: Path) -> None:
    invoice, number = client.signed_invoice()
    pdf = tmp_path / "albarán.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    note = tmp_path / "nota"
    note.write_bytes(b"entregado en mano")
    sent = client.send(
        invoice,
        "--email",
        "proveedor@example.com",
        "--attachment",
        str(pdf),
        "--attachment",
        f"{note}:text/plain",
    )
    factura = sent["factura"]
    assert REGISTRY_NUMBER.match(factura["numeroRegistro"])
    assert (factura["numeroFactura"], factura["identificadorEmisor"]) == (number, "12345678Z")
    assert sent["resultado"]["codigoSeguimiento"]
    registry_number = factura["numeroRegistro"]

    text = client.run("status", registry_number).stdout
    assert re.search(rf"^numeroRegistro\s+{registry_number}$", text, re.M), text
    assert re.search(r"^tramitacion\s+1200 La factura ha sido registrada", text, re.M), text
    assert re.search(r"^anulacion\s+4100 ", text, re.M), text
    assert re.search(r"^resultado\s+0 Correcto$", text, re.M), text

    listed = client.json("status-list", registry_number, "209900000001")
    first, unknown = listed["facturas"]["consultarListadoFactura"]
    assert (first["codigo"], first["factura"]["tramitacion"]["codigo"]) == ("0", "1200")
    assert (unknown["codigo"], unknown["factura"]["numeroRegistro"]) == ("303", "209900000001")
    table = client.run("status-list", registry_number, "209900000001").stdout.splitlines()
    assert table[0].split() == ["NUMEROREGISTRO", "CODIGO", "TRAMITACION", "ANULACION", "DESCRIPCION"]
    row, missing = (re.split(r"\s{2,}", line) for line in table[1:])
    assert row[:2] == [registry_number, "0"] and row[2].startswith("1200 ") and row[3].startswith("4100 ")
    assert missing[:2] == ["209900000001", "303"] and missing[-1].startswith("No existe factura")

    cancelled = client.json("cancel", registry_number, "--reason", "Emitida por error")
    assert cancelled["factura"] == {
        "numeroRegistro": registry_number,
        "mensaje": "Anulación solicitada correctamente",
    }
    after = client.json("status", registry_number)
    assert after["factura"]["anulacion"]["codigo"] == "4200"
    assert after["factura"]["anulacion"]["motivo"] == "Emitida por error"

    # asking twice is a business error: exit 10, FACe's code and text in one line
    line = client.error("cancel", registry_number, "--reason", "otra vez", expect=10, key="client.result")
    assert "307" in line and "ya tiene solicitada su anulación" in line


def test_states_and_units(client: ClientCLI) -> None:
    states = client.run("states").stdout.splitlines()
    assert states[0].split() == ["CODIGO", "NOMBRE", "DESCRIPCION"]
    assert [row.split()[0] for row in states[1:]] == [
        "1200", "1300", "2400", "2500", "2600", "3100", "4100", "4200", "4300", "4400"
    ]  # fmt: skip
    assert client.json("states")["estados"]["estado"][0]["nombre"] == "Registrada"

    units = client.json("units")
    triples = {
        (r["organoGestor"]["codigo"], r["unidadTramitadora"]["codigo"], r["oficinaContable"]["codigo"])
        for r in units["relaciones"]["relacion"]
    }
    assert ("P00000010", "P00000010", "P00000010") in triples and len(triples) == 3
    dfb = client.run("units", "--administration", "DFB0").stdout.splitlines()
    assert dfb[0].split() == ["ORGANOGESTOR", "UNIDADTRAMITADORA", "OFICINACONTABLE"]
    assert len(dfb) == 2 and dfb[1].startswith("020110 ") and " 0201 " in dfb[1] and " DFB0 " in dfb[1]
    # an empty administration code is FACe's 310, a business error
    line = client.error("units", "--administration", "", expect=10, key="client.result")
    assert "310" in line


def test_business_error_prints_the_response_and_exits_10(client: ClientCLI) -> None:
    invoice, _number = client.signed_invoice()
    first = client.send(invoice)["factura"]["numeroRegistro"]
    result = client.run("send", str(invoice), expect=10, as_json=True)
    response = json.loads(result.stdout)
    assert response["resultado"]["codigo"] == "415"
    assert first in response["resultado"]["descripcion"]  # FACe's 415 names the existing number
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith("[client.result]")
    assert " 415" in lines[0] and first in lines[0] and response["resultado"]["codigoSeguimiento"] in lines[0]


def test_soap_fault_exits_11_with_code_and_description(client: ClientCLI, tmp_path: Path) -> None:
    stranger = issue("not registered anywhere")
    cert, key = tmp_path / "stranger.pem", tmp_path / "stranger-key.pem"
    cert.write_bytes(stranger.certificate_pem)
    key.write_bytes(stranger.private_key_pem)
    line = client.error(
        "states", expect=11, key="client.fault", identity=["--cert", str(cert), "--key", str(key)]
    )
    assert "SOAP Fault 300" in line and "no está dado de alta" in line

    # the registry's certificate is registered, but only for reception: a fault too, in JSON as well
    registry = client.hub.sandbox["registry"]
    result = client.run(
        "status",
        "209900000001",
        expect=11,
        as_json=True,
        identity=["--cert", registry["cert"], "--key", registry["key"]],
    )
    fault = json.loads(result.stdout)["fault"]
    assert fault["codigo"] == "300" and fault["faultcode"].endswith("Client")
    assert fault["faultstring"] == f"{fault['codigoSeguimiento']} - 300 - {fault['descripcion']}"


def test_responses_that_do_not_verify_with_the_server_cert_exit_12(client: ClientCLI, tmp_path: Path) -> None:
    wrong = client.hub.sandbox["supplier"]["cert"]  # a real certificate, but not the hub's
    line = client.error("states", expect=12, key="client.response_unverified", server_cert=wrong)
    assert "no se pudo verificar" in line
    # a signed fault is verified before it is believed
    stranger = issue("not registered either")
    cert, key = tmp_path / "s.pem", tmp_path / "s-key.pem"
    cert.write_bytes(stranger.certificate_pem)
    key.write_bytes(stranger.private_key_pem)
    client.error(
        "states",
        expect=12,
        key="client.response_unverified",
        server_cert=wrong,
        identity=["--cert", str(cert), "--key", str(key)],
    )
    # DER is accepted for --server-cert too, and then the same responses verify
    der = tmp_path / "hub.cer"
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der.write_bytes(x509.load_pem_x509_certificate(client.hub.hub_cert_pem).public_bytes(Encoding.DER))
    assert client.run("states", server_cert=str(der)).stderr == ""


def test_without_server_cert_it_warns_that_responses_are_not_verified(client: ClientCLI) -> None:
    result = client.runner.invoke(
        cli,
        ["--lang", "en", "client", "states", "--endpoint", client.hub.endpoint, *client.identity()],
        env={"FACTURAHUB_CONFIG": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == (
        "warning: responses are not verified (give --server-cert with the server's certificate)"
    )
    assert "1200" in result.stdout


def test_p12_identity_and_its_errors(client: ClientCLI) -> None:
    invoice, _ = client.signed_invoice()
    registry_number = client.send(invoice)["factura"]["numeroRegistro"]
    # FNMT's test certificate is another integrator's sending platform: it cannot see the invoice
    other = ["--p12", str(FNMT_P12), "--password", "1234"]
    line = client.error("status", registry_number, expect=10, key="client.result", identity=other)
    assert re.search(r" (301|303):", line), line
    assert client.json("states", identity=other)["resultado"]["codigo"] == "0"

    client.error(
        "states",
        expect=3,
        key="signing_key.pkcs12_wrong_password",
        identity=["--p12", str(FNMT_P12), "--password", "wrong"],
    )
    client.error("states", expect=3, key="cli.sign_one_identity", identity=[])
    client.error("states", expect=3, key="cli.sign_one_identity", identity=[*client.identity(), *other])


def test_profile_commands_and_unreachable_endpoints(client: ClientCLI) -> None:
    client.error("download-status", "--issuer", "12345678Z", expect=3, key="client.operation_not_in_profile")
    client.error("units", expect=3, key="client.operation_not_in_profile", profile="efact")
    client.error(
        "download-status",
        "--issuer",
        "12345678Z",
        "--mark",
        expect=3,
        key="client.mark_needs_out",
        profile="efact",
    )
    closed = f"http://127.0.0.1:{_free_port()}/face/facturasspp2"
    line = client.error("states", expect=13, key="client.wsdl_unreadable", endpoint=closed)
    assert closed in line


def test_bad_connection_options_and_arguments_are_one_line_errors(client: ClientCLI, tmp_path: Path) -> None:
    """Nothing is sent and no traceback is printed: a timeout that is not a positive number of
    seconds is a usage error (2); an address that is not http(s) with a host, a WSDL that declares
    no service and text XML cannot carry are each one line naming what is wrong."""
    for timeout in ("nan", "inf", "0", "-1", "3601"):
        result = client.run("states", "--timeout", timeout, expect=2)
        assert "--timeout" in result.stderr and "Traceback" not in result.stderr
    for endpoint, key in (
        ("face/facturasspp2", "client.url_scheme"),
        ("ftp://127.0.0.1/face", "client.url_scheme"),
        ("http://[::1/face", "client.url_malformed"),
        ("http://127.0.0.1:99999/face", "client.url_malformed"),
        ("http:///face", "client.url_no_host"),
        ("http://127.0.0.1/fa ce", "client.url_blank"),
        ("http://127.0.0.1/\x1bface", "client.url_blank"),
    ):
        line = client.error("states", expect=3, key=key, endpoint=endpoint)
        assert "--endpoint" in line and "\x1b" not in line
    line = client.error(
        "states", "--wsdl", "ftp://127.0.0.1/x.wsdl", expect=3, key="client.url_scheme", server_cert=None
    )
    assert "--wsdl" in line

    no_service = tmp_path / "empty.wsdl"
    no_service.write_text('<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" targetNamespace="urn:x"/>')
    line = client.error("states", "--wsdl", str(no_service), expect=13, key="client.wsdl_without_service")
    assert str(no_service) in line
    not_xml = client.hub.base_url + "/health"
    assert not_xml in client.error("states", expect=13, key="client.wsdl_not_xml", endpoint=not_xml)

    line = client.error(
        "cancel", "209900000001", "--reason", "mal\x01dito", expect=3, key="client.text_not_xml"
    )
    assert "U+0001" in line and "anularFactura" in line and "mal?dito" in line
    client.error("status", "2099\ufffe", expect=3, key="client.text_not_xml")
    client.run("cancel", "209900000001", "--reason", "línea 1\nlínea 2\tfin", expect=10)  # XML carries these


def test_the_installed_command_with_environment_variables(client: ClientCLI) -> None:
    supplier = client.hub.sandbox["supplier"]
    env = {
        **client.hub.env,
        "FACTURAHUB_CLIENT_ENDPOINT": client.hub.endpoint,
        "FACTURAHUB_CLIENT_CERT": str(supplier["cert"]),
        "FACTURAHUB_CLIENT_KEY": str(supplier["key"]),
        "FACTURAHUB_CLIENT_SERVER_CERT": client.hub_cert,
    }
    done = subprocess.run(
        [FACTURAHUB, "client", "states", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert [e["codigo"] for e in json.loads(done.stdout)["estados"]["estado"]][:2] == ["1200", "1300"]


def test_efact_status_download_in_three_steps(client: ClientCLI, tmp_path: Path) -> None:
    endpoint = f"{client.hub.base_url}/efact/sspp"
    efact = {"endpoint": endpoint, "profile": "efact"}
    invoice, number = client.signed_invoice()
    sent = client.json("send", str(invoice), **efact)
    registry_number = sent["factura"]["numeroRegistro"]
    assert client.json("status", registry_number, **efact)["factura"]["tramitacion"]["codigo"] == "1200"

    issuer = ["--issuer", "12345678Z"]
    listed = client.json("download-status", *issuer, **efact)
    mine = [d for d in listed["pending"] if d["DocNumber"] == number]
    assert len(mine) == 1 and mine[0]["DocType"] == "003" and mine[0]["Supplier"] == "12345678Z"
    doc_id = mine[0]["DocId"]
    text = client.run("download-status", *issuer, **efact).stdout.splitlines()
    assert text[0].split()[:3] == ["DOCID", "DOCNUMBER", "DOCDATE"]
    assert any(line.split()[:2] == [doc_id, number] for line in text[1:])

    # --out without --mark: saved, not confirmed, so still pending
    out = tmp_path / "estados"
    saved = client.json("download-status", *issuer, "--out", str(out), **efact)
    [entry] = [d for d in saved["downloaded"] if d["DocId"] == doc_id]
    assert (entry["InvoiceId"], entry["StatusCode"], entry["Status"], entry["marked"]) == (
        number, "1200", "REGISTERED", False
    )  # fmt: skip
    feedback = etree.fromstring((out / f"{doc_id}.xml").read_bytes())
    assert feedback.tag == "DeliveryFeedback"
    assert feedback.findtext("StatusFeedback/InvoiceFeedback/InvoiceId") == number
    assert Path(entry["file"]) == out / f"{doc_id}.xml"
    assert doc_id in [d["DocId"] for d in client.json("download-status", *issuer, **efact)["pending"]]

    # a document that cannot be saved is not confirmed: one line, and it stays pending
    blocked = tmp_path / "bloqueado"
    (blocked / f"{doc_id}.xml").mkdir(parents=True)
    line = client.error(
        "download-status",
        *issuer,
        "--out",
        str(blocked),
        "--mark",
        expect=3,
        key="cli.file_unusable",
        **efact,
    )
    assert f"{blocked / doc_id}.xml: Es un directorio" in line
    assert doc_id in [d["DocId"] for d in client.json("download-status", *issuer, **efact)["pending"]]
    client.error(
        "download-status", *issuer, "--out", str(invoice), expect=3, key="cli.not_a_directory", **efact
    )

    # --mark: confirmed once on disk; then nothing of this invoice is pending any more
    marked = client.json("download-status", *issuer, "--out", str(out), "--mark", **efact)
    assert [d["marked"] for d in marked["downloaded"] if d["DocId"] == doc_id] == [True]
    again = client.json("download-status", *issuer, **efact)
    assert doc_id not in [d["DocId"] for d in again["pending"]]

    # a malformed issuer is eFACT's resultado 1: a business error
    line = client.error("download-status", "--issuer", "X!", expect=10, key="client.result", **efact)
    assert "Los datos enviados en el campo" in line
