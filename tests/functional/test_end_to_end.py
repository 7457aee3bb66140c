"""Issue 4's end-to-end flow, on SQLite (huey on SQLite) and PostgreSQL (huey on Redis), with a
real hub, a real worker, a real SMTP server and the supplier's real push endpoint; every party
speaks through its own protocol: the supplier through zeep on the suppliers' service, the
registry through zeep on the RCF service, the supplier's status downloads through the eFACT
service with facturahub's own client, and the operator through the CLI.

submit → the registry lists it as new, downloads it (byte-identical) and confirms (1300) → the
supplier sees 1300 by consultarFactura, by its status download and by push (and mail) → the
registry sets 2400 then 2500 → the supplier downloads both DeliveryFeedback documents; then a
cancellation requested (4200), listed by the registry and accepted (4300 + 3100), and another one
rejected (4400)."""

from __future__ import annotations

import base64
from typing import Any

from tests.functional.face_hub import _pem_identity, invoice_variant, signed
from tests.functional.notify_hub import NotifyHub, PushEndpoint, notify_hub, wait_for
from tests.functional.soap_client import zeep_client
from tests.functional.test_notifications import endpoint

from facturahub.client import downloads
from facturahub.client.calls import Connection, ServiceProfile

__all__ = ["endpoint", "notify_hub"]  # module-scoped fixtures


def _registry(hub: NotifyHub) -> Any:
    return zeep_client(
        f"{hub.base_url}/face/facturasrcf2?wsdl", _pem_identity(hub.sandbox["registry"]), hub.hub_cert_pem
    )


def _status_downloads(hub: NotifyHub) -> Connection:
    role = hub.sandbox["supplier"]
    return Connection(
        endpoint=f"{hub.base_url}/efact/sspp",
        cert_pem=open(role["cert"], "rb").read(),
        key_pem=open(role["key"], "rb").read(),
        profile=ServiceProfile.EFACT,
    )


def _submit(hub: NotifyHub, supplier: Any) -> tuple[str, str, bytes, str]:
    xml, invoice_number = invoice_variant()
    document = signed(xml, hub.supplier)
    answer = supplier.service.enviarFactura(
        {
            "correo": "proveedor@example.com",
            "factura": {
                "factura": base64.b64encode(document).decode(),
                "nombre": "factura.xsig",
                "mime": "application/xml",
            },
            "anexos": {"anexo": []},
        }
    )
    assert answer.resultado.codigo == "0", answer.resultado.descripcion
    return str(answer.factura.numeroRegistro), str(answer.factura.oficinaContable), document, invoice_number


def _feedback_for(connection: Connection, issuer: str, invoice_number: str) -> list[downloads.Feedback]:
    """Download (and confirm) every pending status document of this invoice, oldest first."""
    mine = [d for d in downloads.pending(connection, issuer) if d.number == invoice_number]
    got = []
    for document in sorted(mine, key=lambda d: int(d.doc_id)):
        got.append(downloads.fetch(connection, issuer, document.doc_id))
        downloads.confirm(connection, issuer, document.doc_id)
    return got


def test_supplier_registry_and_notifications_end_to_end(
    notify_hub: NotifyHub, endpoint: PushEndpoint
) -> None:
    hub = notify_hub
    supplier, registry, status_feed = hub.suppliers_client(), _registry(hub), _status_downloads(hub)
    number, office, document, invoice_number = _submit(hub, supplier)
    issuer = _issuer(hub, number)

    # the registry lists it as new, downloads the very bytes, confirms
    new = registry.service.solicitarNuevasFacturas(office)
    assert new.resultado.codigo == "0"
    assert number in [f.numeroRegistro for f in new.facturas.solicitarNuevasFacturas]
    downloaded = registry.service.descargarFactura(number)
    assert downloaded.resultado.codigo == "0"
    assert base64.b64decode(downloaded.factura.factura) == document
    confirmed = registry.service.confirmarDescargaFactura(office, number, "RCF-E2E-1")
    assert confirmed.resultado.codigo == "0" and confirmed.factura.codigo == "1300"
    again = registry.service.descargarFactura(number)
    assert again.resultado.codigo == "502"

    # the supplier sees 1300: by consultarFactura, by its status download, by push and by mail
    assert supplier.service.consultarFactura(number).factura.tramitacion.codigo == "1300"
    feedback = _feedback_for(status_feed, issuer, invoice_number)
    assert [f.status_code for f in feedback] == ["1200", "1300"]
    wait_for(
        lambda: _pushed_codes(endpoint, number) == ["1200", "1300"],
        what="1300 push",
    )
    wait_for(lambda: len(hub.smtp.for_registry_number(number)) == 2, what="1300 mail")
    assert "1300 Registrada en RCF" in hub.smtp.for_registry_number(number)[1]["Subject"]

    # the registry records the obligation then the payment; the supplier downloads both documents
    for code in ("2400", "2500"):
        changed = registry.service.cambiarEstadoFactura(office, number, code, f"paso {code}")
        assert changed.resultado.codigo == "0" and changed.factura.codigo == code
    feedback = _feedback_for(status_feed, issuer, invoice_number)
    assert [f.status_code for f in feedback] == ["2400", "2500"]
    assert [f.status for f in feedback] == ["RECOGNISED", "PAID"]
    assert supplier.service.consultarFactura(number).factura.tramitacion.codigo == "2500"
    wait_for(
        lambda: _pushed_codes(endpoint, number) == ["1200", "1300", "2400", "2500"],
        what="2400 and 2500 pushes",
    )
    assert registry.service.cambiarEstadoFactura(office, number, "2600", "tarde").resultado.codigo == "407"
    assert supplier.service.anularFactura(number, "ya pagada").resultado.codigo == "306"

    # cancellation accepted: 4200 → listed → 4300 and 3100
    number2, office2, _, invoice2 = _submit(hub, supplier)
    assert supplier.service.anularFactura(number2, "Importe erróneo").resultado.codigo == "0"
    pending = registry.service.solicitarNuevasAnulaciones(office2)
    listed = {f.numeroRegistro: f.motivo for f in pending.facturas.solicitarNuevasAnulaciones}
    assert listed[number2] == "Importe erróneo"
    accepted = registry.service.gestionarSolicitudAnulacionFactura(office2, number2, "4300", "de acuerdo")
    assert accepted.resultado.codigo == "0" and accepted.factura.codigo == "4300"
    status = supplier.service.consultarFactura(number2).factura
    assert (status.tramitacion.codigo, status.anulacion.codigo) == ("3100", "4300")
    # eFACT's StatusCode is the processing state; the cancellation code travels as the Reason
    cancellation_feed = _feedback_for(status_feed, issuer, invoice2)
    assert [(f.status_code, f.reason.split(" ")[0]) for f in cancellation_feed] == [
        ("1200", ""),
        ("1200", "4200"),
        ("3100", "4300"),
        ("3100", "3100"),
    ]
    assert "Importe erróneo" in cancellation_feed[1].reason and "de acuerdo" in cancellation_feed[2].reason
    wait_for(lambda: len(endpoint.for_registry_number(number2)) == 4, what="the cancellation pushes")
    pushed = {(push.tramitacion, push.anulacion) for push in endpoint.for_registry_number(number2)}
    assert ("3100", "4300") in pushed and ("1200", "4200") in pushed, pushed

    # cancellation rejected: 4400, the invoice stays in its processing state
    number3, office3, _, _ = _submit(hub, supplier)
    assert supplier.service.anularFactura(number3, "Duplicada").resultado.codigo == "0"
    rejected = registry.service.gestionarSolicitudAnulacionFactura(office3, number3, "4400", "no procede")
    assert rejected.resultado.codigo == "0" and rejected.factura.codigo == "4400"
    status = supplier.service.consultarFactura(number3).factura
    assert (status.tramitacion.codigo, status.anulacion.codigo) == ("1200", "4400")
    assert status.anulacion.motivo == "no procede"

    # the operator's view has the whole history, and every notification went out
    shown = hub.cli_json("invoice", "show", number)
    assert [(h["flow"], h["code"]) for h in shown["history"]] == [
        ("processing", "1200"),
        ("cancellation", "4100"),
        ("processing", "1300"),
        ("processing", "2400"),
        ("processing", "2500"),
    ]
    assert shown["status"]["rcf_code"] == "RCF-E2E-1"
    wait_for(
        lambda: all(row["state"] == "sent" for row in hub.rows(number)) and len(hub.rows(number)) == 8,
        what="every notification of the first invoice sent",
    )


def _issuer(hub: NotifyHub, number: str) -> str:
    return str(hub.cli_json("invoice", "show", number)["parties"]["issuer_tax_id"])


def _pushed_codes(endpoint: PushEndpoint, number: str) -> list[str]:
    """The processing codes pushed for ``number``, sorted: each status change is its own delivery
    task, and the worker's threads may deliver two close changes in either order."""
    return sorted(push.tramitacion for push in endpoint.for_registry_number(number))
