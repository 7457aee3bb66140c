"""The RCF service's refusals and guarantees (protocols.md §4, §5; security.md S5, D4, D5) against
a running hub on SQLite and PostgreSQL: each registry sees only its offices' invoices (511), the
lifecycle's legal transitions only (505, 405, 407), batches of at most 100, a supplier's
certificate refused, and status changes racing on one invoice serialised."""

from __future__ import annotations

import base64
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from tests.functional.face_hub import invoice_variant, signed
from tests.functional.rcf_hub import (
    OFFICE,
    OTHER_REGISTRY_OFFICE,
    RcfHub,
    assert_same_shape,
    plain,
    rcf_hub,
    send,
    sim,
)
from zeep.exceptions import Fault

__all__ = ["rcf_hub"]  # the module-scoped fixture


def _confirmed_invoice(hub: RcfHub) -> str:
    """A new invoice, downloaded and confirmed by the sandbox registry (1300)."""
    number = send(hub.supplier_client(), signed(invoice_variant()[0], hub.supplier))
    assert hub.rcf().service.confirmarDescargaFactura(OFFICE, number, "").resultado.codigo == "0"
    return number


def _item(office: str, number: str, code: str, comment: str = "") -> dict[str, str]:
    return {"oficinaContable": office, "numeroRegistro": number, "codigo": code, "comentarios": comment}


def test_another_registry_sees_nothing_of_ours_511(rcf_hub: RcfHub) -> None:
    supplier = rcf_hub.supplier_client()
    number = send(supplier, signed(invoice_variant()[0], rcf_hub.supplier))
    assert supplier.service.anularFactura(number, "para probar").resultado.codigo == "0"
    theirs = rcf_hub.rcf(rcf_hub.other_registry)
    office = OTHER_REGISTRY_OFFICE
    for answer in (
        theirs.service.consultarFactura(number),
        theirs.service.descargarFactura(number),
        theirs.service.confirmarDescargaFactura(office, number, "X"),
        theirs.service.cambiarEstadoFactura(office, number, "2600", "no es mía"),
        theirs.service.consultarCodigoRCF(number),
        theirs.service.cambiarCodigoRCF(number, "X"),
        theirs.service.gestionarSolicitudAnulacionFactura(office, number, "4300", ""),
    ):
        assert answer.resultado.codigo == "511", answer.resultado.descripcion
        assert answer.resultado.descripcion.startswith("La factura no existe o no tiene permisos")
    listed = theirs.service.consultarListadoFacturas({"numeroRegistro": [number]})
    assert listed.facturas.consultarListadoFacturas[0].codigo == "511"
    batch = theirs.service.cambiarEstadoListadoFacturas(
        {"cambiarEstadoListadoFacturaRequest": [_item(office, number, "2600")]}
    )
    assert batch.facturas.cambiarEstadoListadoFacturas[0].codigo == "511"
    new = theirs.service.solicitarNuevasFacturas("").facturas.solicitarNuevasFacturas
    assert number not in {f.numeroRegistro for f in new}
    pending = theirs.service.solicitarNuevasAnulaciones("").facturas.solicitarNuevasAnulaciones
    assert number not in {f.numeroRegistro for f in pending}
    # … and asking for our office by name is refused outright
    assert theirs.service.solicitarNuevasFacturas(OFFICE).resultado.codigo == "501"
    assert theirs.service.solicitarNuevasAnulaciones(OFFICE).resultado.codigo == "501"

    seen = rcf_hub.rcf().service.consultarFactura(number).factura
    assert (seen.tramitacion.codigo, seen.anulacion.codigo) == ("1200", "4200")  # untouched


def test_unknown_office_411(rcf_hub: RcfHub) -> None:
    client = rcf_hub.rcf()
    for operation, sim_name in (
        (client.service.solicitarNuevasFacturas, "solicitarNuevasFacturas.P99999999.json"),
        (client.service.solicitarNuevasAnulaciones, "solicitarNuevasAnulaciones.P99999999.json"),
    ):
        answer = operation("P99999999")
        expected = sim(sim_name)["resultado"]
        assert answer.resultado.codigo == expected["codigo"] == "411"
        assert answer.resultado.descripcion.startswith("No existe o inactiva la Oficina Contable")
        assert "P99999999" in answer.resultado.descripcion and "P99999999" in expected["descripcion"]
        # as FACe answers it: the list is there, empty (a client may iterate it without a check)
        assert_same_shape(plain(answer), sim(sim_name))
        assert plain(answer)["facturas"] == sim(sim_name)["facturas"]


def test_an_office_the_directory_deactivated_keeps_its_pending_invoices_collectable(rcf_hub: RcfHub) -> None:
    """A directory import switched the office off after invoices were registered for it: its
    registry still collects them by naming the office (before: 411, and only an unfiltered poll
    found them). Another registry naming it is still told it does not exist."""
    supplier = rcf_hub.supplier_client()
    number = send(supplier, signed(invoice_variant()[0], rcf_hub.supplier))
    cancelled = send(supplier, signed(invoice_variant()[0], rcf_hub.supplier))
    assert supplier.service.anularFactura(cancelled, "para probar").resultado.codigo == "0"
    engine = create_engine(rcf_hub.database_url)

    def set_active(active: bool) -> None:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE dir3_units SET active = :active WHERE code = :code"),
                {"active": active, "code": OFFICE},
            )

    set_active(False)
    try:
        client = rcf_hub.rcf()
        new = client.service.solicitarNuevasFacturas(OFFICE)
        assert new.resultado.codigo == "0", new.resultado.descripcion
        assert number in {f.numeroRegistro for f in new.facturas.solicitarNuevasFacturas}
        pending = client.service.solicitarNuevasAnulaciones(OFFICE)
        assert pending.resultado.codigo == "0", pending.resultado.descripcion
        assert cancelled in {f.numeroRegistro for f in pending.facturas.solicitarNuevasAnulaciones}
        theirs = rcf_hub.rcf(rcf_hub.other_registry).service.solicitarNuevasFacturas(OFFICE)
        assert theirs.resultado.codigo == "411"
    finally:
        set_active(True)
        engine.dispose()


def test_refused_operations_still_answer_their_holder_empty(rcf_hub: RcfHub) -> None:
    """FACe answers a refused operation with its usual holder, empty; RCF clients built from the
    WSDL read it without checking for its absence first."""
    client = rcf_hub.rcf()
    unknown = "209900000001"
    for name, call in (
        ("confirmarDescargaFactura", lambda: client.service.confirmarDescargaFactura(OFFICE, unknown, "")),
        ("consultarFactura", lambda: client.service.consultarFactura(unknown)),
        ("cambiarEstadoFactura", lambda: client.service.cambiarEstadoFactura(OFFICE, unknown, "2400", "")),
        (
            "gestionarSolicitud…",
            lambda: client.service.gestionarSolicitudAnulacionFactura(OFFICE, unknown, "4300", ""),
        ),
    ):
        answer = plain(call())
        assert answer["resultado"]["codigo"] not in ("0", None), (name, answer)
        assert isinstance(answer["factura"], dict), (name, answer)
        assert set(answer["factura"].values()) <= {None}, (name, answer)
    listing = plain(client.service.consultarListadoFacturas({"numeroRegistro": ["1"] * 501}))
    assert listing["resultado"]["codigo"] == "309" and listing["facturas"] == {"consultarListadoFacturas": []}


def test_transitions_not_through_this_service_505_and_illegal_ones_407(rcf_hub: RcfHub) -> None:
    number = _confirmed_invoice(rcf_hub)
    client = rcf_hub.rcf()

    def change(code: str, office: str = OFFICE) -> Any:
        return client.service.cambiarEstadoFactura(office, number, code, "")

    for code in ("1200", "1300", "3100", "4200", "4300"):
        refused = change(code)
        assert refused.resultado.codigo == "505", (code, refused.resultado.descripcion)
        assert refused.resultado.descripcion.startswith(
            "Esta transición no esta permitida a través de este web service"
        )
    assert change("9999").resultado.codigo == "405"
    assert change("").resultado.codigo == "310"
    assert change("2400", office="").resultado.codigo == "310"
    wrong_office = change("2400", office="DFB0")
    assert wrong_office.resultado.codigo == "501" and OFFICE in wrong_office.resultado.descripcion

    assert change("2100").resultado.codigo == "0"
    assert change("1400").resultado.codigo == "407"  # backwards
    assert change("2400").resultado.codigo == "0"
    too_late = change("2600")
    assert too_late.resultado.codigo == "407" and "2400" in too_late.resultado.descripcion
    assert change("2500").resultado.codigo == "0"
    final = change("2600")
    assert final.resultado.codigo == "407" and "2500" in final.resultado.descripcion  # final
    # a paid invoice's cancellation is refused to the supplier (306) and there is nothing to manage
    assert rcf_hub.supplier_client().service.anularFactura(number, "tarde").resultado.codigo == "306"
    assert (
        client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4300", "").resultado.codigo
        == "505"
    )

    seen = client.service.consultarFactura(number).factura.tramitacion.codigo
    assert seen == "2500"


def test_an_invoice_not_yet_downloaded_can_only_be_rejected(rcf_hub: RcfHub) -> None:
    """Only in 1200 can the registry download the invoice: a step past it before the download is
    confirmed would leave the registry without the document (502 for ever). Rejecting it is
    allowed; every other change says to confirm the download first."""
    client = rcf_hub.rcf()
    number = send(rcf_hub.supplier_client(), signed(invoice_variant()[0], rcf_hub.supplier))
    for code in ("1400", "2400", "2500"):
        refused = client.service.cambiarEstadoFactura(OFFICE, number, code, "")
        assert refused.resultado.codigo == "407", refused.resultado.descripcion
        assert f"La factura {number} no se ha descargado" in refused.resultado.descripcion
        assert "confirmarDescargaFactura" in refused.resultado.descripcion
    batch = client.service.cambiarEstadoListadoFacturas(
        {"cambiarEstadoListadoFacturaRequest": [_item(OFFICE, number, "2500", "pagada")]}
    )
    assert [i.codigo for i in batch.facturas.cambiarEstadoListadoFacturas] == ["407"]
    assert client.service.consultarFactura(number).factura.tramitacion.codigo == "1200"
    assert base64.b64decode(client.service.descargarFactura(number).factura.factura)  # still downloadable

    assert client.service.confirmarDescargaFactura(OFFICE, number, "").resultado.codigo == "0"
    assert client.service.cambiarEstadoFactura(OFFICE, number, "2400", "").resultado.codigo == "0"
    unread = send(rcf_hub.supplier_client(), signed(invoice_variant()[0], rcf_hub.supplier))
    rejected = client.service.cambiarEstadoFactura(OFFICE, unread, "2600", "no es para esta unidad")
    assert rejected.resultado.codigo == "0", rejected.resultado.descripcion


def test_cancellation_answers_only_4300_or_4400_to_a_pending_request(rcf_hub: RcfHub) -> None:
    number = send(rcf_hub.supplier_client(), signed(invoice_variant()[0], rcf_hub.supplier))
    client = rcf_hub.rcf()
    no_request = client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4300", "")
    assert no_request.resultado.codigo == "505" and "4100" in no_request.resultado.descripcion
    assert rcf_hub.supplier_client().service.anularFactura(number, "error").resultado.codigo == "0"
    for code, expected in (("2400", "505"), ("4200", "505"), ("4100", "505"), ("9999", "405")):
        answer = client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, code, "")
        assert answer.resultado.codigo == expected, (code, answer.resultado.descripcion)
    # a rejected invoice (2600 while the request is pending) cannot be cancelled: 407, nothing changes
    assert client.service.cambiarEstadoFactura(OFFICE, number, "2600", "no procede").resultado.codigo == "0"
    refused = client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4300", "")
    assert refused.resultado.codigo == "407"
    assert (
        client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4400", "").resultado.codigo == "0"
    )
    seen = client.service.consultarFactura(number).factura
    assert (seen.tramitacion.codigo, seen.anulacion.codigo) == ("2600", "4400")


def test_batches_of_at_most_100(rcf_hub: RcfHub) -> None:
    client = rcf_hub.rcf()
    unknown = [f"2099{i:08d}" for i in range(101)]
    for operation, array in (
        (client.service.cambiarEstadoListadoFacturas, "cambiarEstadoListadoFacturaRequest"),
        (
            client.service.gestionarSolicitudAnulacionListadoFacturas,
            "gestionarSolicitudAnulacionListadoFacturasRequest",
        ),
    ):
        code = "2400" if array.startswith("cambiar") else "4300"
        too_many = operation({array: [_item(OFFICE, n, code) for n in unknown]})
        assert too_many.resultado.codigo == "309"
        assert list(too_many.facturas.__values__.values()) == [[]]  # the list, empty, as FACe answers
        assert "101" in too_many.resultado.descripcion and "100" in too_many.resultado.descripcion
        at_limit = operation({array: [_item(OFFICE, n, code) for n in unknown[:100]]})
        assert at_limit.resultado.codigo == "0"
        items = next(iter(at_limit.facturas.__values__.values()))
        assert len(items) == 100 and {i.codigo for i in items} == {"511"}
    listed = client.service.consultarListadoFacturas({"numeroRegistro": [f"2099{i:08d}" for i in range(501)]})
    assert listed.resultado.codigo == "309"


def test_a_supplier_certificate_is_refused_300(rcf_hub: RcfHub) -> None:
    with pytest.raises(Fault) as refused:
        rcf_hub.rcf(rcf_hub.supplier).service.consultarEstados()
    tracking, code, message = str(refused.value.message).split(" - ", 2)
    assert tracking and code == "300"
    assert "reception" in message or "recepción" in message


def test_a_batch_item_refused_leaves_the_others_applied(rcf_hub: RcfHub) -> None:
    first, second = _confirmed_invoice(rcf_hub), _confirmed_invoice(rcf_hub)
    client = rcf_hub.rcf()
    answer = client.service.cambiarEstadoListadoFacturas(
        {
            "cambiarEstadoListadoFacturaRequest": [
                _item(OFFICE, first, "2400", "uno"),
                _item(OFFICE, second, "2300", "dos"),
                _item(OFFICE, second, "2100", "atrás"),  # after 2300: refused, alone
                _item(OFFICE, first, "2500", "tres"),
            ]
        }
    )
    items = answer.facturas.cambiarEstadoListadoFacturas
    assert [i.codigo for i in items] == ["0", "0", "407", "0"]
    # each item answers with the code *it* set, not the invoice's state after the whole batch
    assert [(i.factura.numeroRegistro, i.factura.codigo) for i in items] == [
        (first, "2400"),
        (second, "2300"),
        (second, None),
        (first, "2500"),
    ]
    assert client.service.consultarFactura(first).factura.tramitacion.codigo == "2500"
    second_seen = client.service.consultarFactura(second).factura.tramitacion
    assert (second_seen.codigo, second_seen.motivo) == ("2300", "dos")


def _race(client: Any, number: str, code: str, start: threading.Barrier) -> str:
    start.wait(timeout=60)  # every racer sends at once
    return str(client.service.cambiarEstadoFactura(OFFICE, number, code, f"carrera {code}").resultado.codigo)


def test_racing_status_changes_are_serialised_per_invoice(rcf_hub: RcfHub) -> None:
    """D4: several registry clients race 2400 against 2600 on the same invoice; exactly one wins,
    every other is refused against the winner's state, and the history holds one legal sequence
    with one status document per change — nothing lost, nothing doubled."""
    racers = 8
    clients = [rcf_hub.rcf() for _ in range(racers)]
    engine = create_engine(rcf_hub.database_url)
    try:
        for _round in range(3):
            number = _confirmed_invoice(rcf_hub)
            start = threading.Barrier(racers)
            codes = ["2400" if position % 2 == 0 else "2600" for position in range(racers)]
            with ThreadPoolExecutor(racers) as pool:
                results = list(pool.map(_race, clients, [number] * racers, codes, [start] * racers))
            answers = list(zip(codes, results, strict=True))
            outcomes = Counter(result for _code, result in answers)
            assert outcomes == {"0": 1, "407": racers - 1}, answers
            winner = next(code for code, result in answers if result == "0")

            with engine.connect() as connection:
                invoice_id, status = connection.execute(
                    text("SELECT id, status_code FROM invoices WHERE registry_number = :n"), {"n": number}
                ).one()
                rows = connection.execute(
                    text(
                        "SELECT id, code FROM invoice_events WHERE invoice_id = :i AND flow = 'processing' "
                        "ORDER BY id"
                    ),
                    {"i": invoice_id},
                ).all()
                documents = (
                    connection.execute(
                        text("SELECT event_id FROM status_documents WHERE invoice_id = :i"), {"i": invoice_id}
                    )
                    .scalars()
                    .all()
                )
            history = [code for _id, code in rows]
            assert (status, history) == (winner, ["1200", "1300", winner])
            # one status document per change, none doubled, none for a refused attempt
            assert sorted(documents) == [event_id for event_id, _code in rows]
            assert clients[0].service.consultarFactura(number).factura.tramitacion.codigo == winner
    finally:
        engine.dispose()
