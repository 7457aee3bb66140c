"""``facturahub invoice show`` on both databases: a real invoice registered by the intake use
case, its cancellation requested by the supplier's use case, then shown by the real CLI."""

from __future__ import annotations

from pathlib import Path

from tests.functional.conftest import CLI
from tests.functional.test_intake_service import _submit

from facturahub.domain.lifecycle import STATUSES
from facturahub.services import invoices
from facturahub.store.database import Database

SANDBOX_USER = "00000000T"
SUPPLIER_INTEGRATOR = "B00000018"


def test_invoice_show_prints_parties_centres_files_and_history(  # type: ignore[no-untyped-def]
    database: Database, sandbox, shared_data: Path, hub_cli: CLI
) -> None:
    data = (shared_data / "facturae" / "samples" / "factura-prueba-v1-2-0.xsig").read_bytes()
    invoice = _submit(database, sandbox, data)
    with database.unit_of_work() as session:
        invoices.request_cancellation(session, sandbox[0], invoice.registry_number, "Importe erróneo")

    record = hub_cli.json("invoice", "show", invoice.registry_number)
    assert record["registry_number"] == invoice.registry_number
    assert record["parties"]["issuer_tax_id"] == invoice.issuer_tax_id
    assert record["parties"]["email"] == "a@b.es"
    assert {role: unit["code"] for role, unit in record["centres"].items()} == {
        "oficina_contable": "P00000010",
        "organo_gestor": "P00000010",
        "unidad_tramitadora": "P00000010",
    }
    assert record["files"][0]["sha256"] == invoice.blob_sha256
    assert record["files"][0]["size"] == len(data)
    assert [(h["flow"], h["code"], h["reason"]) for h in record["history"]] == [
        ("processing", "1200", None),
        ("cancellation", "4100", None),
        ("cancellation", "4200", "Importe erróneo"),
    ]
    assert record["status"]["cancellation"] == {"code": "4200", "name": STATUSES["4200"].name}
    assert record["status"]["processing"] == {"code": "1200", "name": "Registrada"}

    text = hub_cli("invoice", "show", invoice.registry_number).stdout
    assert f"Invoice {invoice.registry_number}" in text
    assert "P00000010" in text and invoice.blob_sha256 in text
    history = text.split("History\n", 1)[1].split("Notifications", 1)[0]
    assert [line.split()[4] for line in history.strip().splitlines()] == ["1200", "4100", "4200"]
    assert "Importe erróneo" in history


def test_invoice_show_refuses_unknown_numbers_and_non_operators(  # type: ignore[no-untyped-def]
    database: Database, sandbox, shared_data: Path, hub_cli: CLI
) -> None:
    hub_cli.error("invoice", "show", "209900000001", exit_code=4, key="invoice.not_found")
    data = (shared_data / "facturae" / "samples" / "factura-prueba-v1-2-0.xsig").read_bytes()
    invoice = _submit(database, sandbox, data)
    hub_cli.error(
        "--as",
        SANDBOX_USER,
        "--on-behalf-of",
        SUPPLIER_INTEGRATOR,
        "invoice",
        "show",
        invoice.registry_number,
        exit_code=6,
        key="actor.not_operator",
    )
