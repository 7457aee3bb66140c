"""The administration's time zone through the real protocols (protocols.md §1: dates in
Europe/Madrid in FACe; configurable), SQLite and PostgreSQL: a hub started with
``FACTURAHUB_TIME_ZONE=Pacific/Kiritimati`` (UTC+14, twelve or thirteen hours from Madrid, so
neither zone can pass for the other) answers FACe's ``fechaRecepcion``, the registry's
``fechaHoraRegistro`` and eFACT's status-document times in that zone, and numbers the invoice in
that zone's year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import BACKENDS
from tests.functional.efact_hub import ISSUER, feedback_schema, unzip_one
from tests.functional.face_hub import _pem_identity, invoice_variant, signed
from tests.functional.hub_process import HubProcess, own_hub
from tests.functional.soap_client import send_invoice, zeep_client

from facturahub.domain.local_time import local_year, time_zone

ZONE_NAME = "Pacific/Kiritimati"
ZONE = time_zone(ZONE_NAME)
MADRID = time_zone("Europe/Madrid")
OFFICE = "P00000010"
TOLERANCE = timedelta(minutes=5)


@pytest.fixture(scope="module", params=BACKENDS)
def hub(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubProcess]:
    root: Path = tmp_path_factory.mktemp(f"zone-{request.param}")
    with own_hub(str(request.param), root, TIME_ZONE=ZONE_NAME, WORKERS="1") as process:
        process.start()
        yield process


def _client(hub: HubProcess, endpoint: str, signer: Any = None) -> Any:
    return zeep_client(f"{endpoint}?wsdl", signer or hub.supplier, hub.hub_cert_pem)


def _local_wire_time(text: str) -> datetime:
    """A FACe ``YYYY-MM-DD HH:MM:SS``, read as wall time in the configured zone."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE)


def _assert_now(moment: datetime) -> None:
    now = datetime.now(UTC)
    assert abs(moment - now) < TOLERANCE, f"{moment.isoformat()} is not now ({now.isoformat()})"


def test_face_and_registry_dates_are_wall_time_in_the_configured_zone(hub: HubProcess) -> None:
    answer = send_invoice(_client(hub, hub.face_endpoint), signed(invoice_variant()[0], hub.supplier))
    assert answer.resultado.codigo == "0", answer.resultado.descripcion
    shown = answer.factura.fechaRecepcion
    received = _local_wire_time(shown)
    _assert_now(received)  # read as Madrid time, it would be twelve hours or more away
    assert abs(datetime.strptime(shown, "%Y-%m-%d %H:%M:%S").replace(tzinfo=MADRID) - received) > timedelta(
        hours=11
    )
    number = answer.factura.numeroRegistro
    assert number[:4] == str(local_year(received, ZONE))

    registry = _client(hub, f"{hub.base_url}/face/facturasrcf2", _pem_identity(hub.sandbox["registry"]))
    found = registry.service.solicitarNuevasFacturas(OFFICE).facturas.solicitarNuevasFacturas
    mine = [item for item in found if item.numeroRegistro == number]
    assert [item.fechaHoraRegistro for item in mine] == [shown]


def test_efact_status_documents_carry_the_configured_zones_offset(hub: HubProcess) -> None:
    client = _client(hub, hub.efact_endpoint)
    xml, invoice_number = invoice_variant()
    sent = send_invoice(client, signed(xml, hub.supplier))
    assert sent.resultado.codigo == "0", sent.resultado.descripcion

    listed = client.service.solicitudDescargasEstados(ISSUER)
    assert listed.resultado == "0", listed.observaciones
    _name, index = unzip_one(listed.ficheroResultante)
    mine = [doc for doc in index if doc.findtext("DocNumber") == invoice_number]
    assert len(mine) == 1
    doc_id = mine[0].findtext("DocId")

    answer = client.service.peticionDescargasEstados(
        {"identificadorEmisor": ISSUER, "indiceDescarga": doc_id, "opcionMarcado": "N"}
    )
    assert answer.resultado == "0", answer.observaciones
    _name, feedback = unzip_one(answer.ficheroResultante)
    feedback_schema().assertValid(feedback)
    for path in ("StatusFeedback/InvoiceFeedback/Feedback/StatusDate",
                 "StatusFeedback/InvoiceFeedback/Feedback/RegisterData/Date"):  # fmt: skip
        text = str(feedback.findtext(path))
        assert text.endswith("+14:00"), f"{path}: {text}"
        _assert_now(datetime.fromisoformat(text))
    feedback_of = feedback.find("StatusFeedback/InvoiceFeedback/Feedback")
    assert feedback_of is not None
    registered = datetime.fromisoformat(str(feedback_of.findtext("RegisterData/Date")))
    assert sent.factura.fechaRecepcion == registered.strftime("%Y-%m-%d %H:%M:%S")
    # the index's processing date is the zone's calendar date of the status change
    changed = datetime.fromisoformat(str(feedback_of.findtext("StatusDate")))
    assert mine[0].findtext("DocProcessingDate") == changed.date().isoformat()
