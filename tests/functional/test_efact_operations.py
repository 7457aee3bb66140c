"""eFACT suppliers' service (protocols.md §3, ``ws-proveedores-SOAP.md``) through zeep built from
the hub's own WSDL, with WS-Security, against a running hub on SQLite and PostgreSQL: the WSDL,
every invoice operation, ``resultado/registroAdministrativo``, eFACT's attachment rules and name
sanitising, and one supplier platform never seeing another's invoices."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import create_engine, select
from tests.functional.efact_hub import EFACT, EfactHub, efact_hub, efact_payload
from tests.functional.face_hub import invoice_variant, signed
from tests.functional.soap_client import post, send_invoice, zeep_signed

from facturahub.store.models import Invoice, InvoiceAttachment

__all__ = ["efact_hub"]  # the module-scoped fixture

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_WSDL_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
FACE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PDF = base64.b64encode(b"%PDF-1.4 facturahub test attachment").decode()


@pytest.fixture(scope="module")
def client(efact_hub: EfactHub) -> Any:
    return efact_hub.client()


def _send(client: Any, invoice: bytes, *, anexos: list[dict[str, str]] | None = None) -> Any:
    return send_invoice(
        client, invoice, name="FC23.xsig", anexos=anexos, email="desarrollo.efact@example.com"
    )


def _registered(efact_hub: EfactHub, client: Any) -> tuple[str, str]:
    xml, number = invoice_variant()
    sent = _send(client, signed(xml, efact_hub.supplier))
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    return sent.factura.numeroRegistro, number


def test_wsdl_is_ours_with_the_address_it_is_served_from(efact_hub: EfactHub) -> None:
    response = httpx.get(efact_hub.wsdl_url, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    assert root.get("targetNamespace") == EFACT
    address = root.find(f".//{{{WSDL_NS}}}service/{{{WSDL_NS}}}port/{{{SOAP_WSDL_NS}}}address")
    assert address is not None and address.get("location") == efact_hub.endpoint
    operations = {op.get("name") for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    assert operations == {
        "enviarFactura",
        "consultarFactura",
        "consultarListadoFacturas",
        "consultarEstados",
        "anularFactura",
        "solicitudDescargasEstados",
        "peticionDescargasEstados",
        "confirmacionDescargasEstados",
    }
    body = root.find(
        f".//{{{WSDL_NS}}}binding/{{{WSDL_NS}}}operation/{{{WSDL_NS}}}input/{{{SOAP_WSDL_NS}}}body"
    )
    assert body is not None and body.get("namespace") == EFACT and body.get("use") == "literal"


def test_every_invoice_operation_through_zeep(efact_hub: EfactHub, client: Any) -> None:
    estados = client.service.consultarEstados()
    assert (estados.resultado.codigo, estados.resultado.descripcion) == ("0", "Correcto")
    assert [e.codigo for e in estados.estados.estado] == [
        "1200", "1300", "2400", "2500", "2600", "3100", "4100", "4200", "4300", "4400"
    ]  # fmt: skip
    assert estados.estados.estado[0].nombre == "Registrada"

    invoice, number = invoice_variant()
    sent = _send(client, signed(invoice, efact_hub.supplier))
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    assert sent.resultado.codigoSeguimiento
    factura = sent.factura
    assert re.fullmatch(r"\d{12}", factura.numeroRegistro)
    assert (factura.organoGestor, factura.unidadTramitadora, factura.oficinaContable) == ("P00000010",) * 3
    assert (factura.identificadorEmisor, factura.numeroFactura, factura.serieFactura) == (
        "12345678Z", number, "PACOP"
    )  # fmt: skip
    assert FACE_TIME.match(factura.fechaRecepcion)
    registry_number = factura.numeroRegistro

    consulted = client.service.consultarFactura(registry_number)
    assert consulted.resultado.codigo == "0"
    assert consulted.resultado.registroAdministrativo == registry_number
    assert consulted.factura.numeroRegistro == registry_number
    assert (consulted.factura.tramitacion.codigo, consulted.factura.anulacion.codigo) == ("1200", "4100")
    assert consulted.factura.tramitacion.descripcion.startswith("La factura ha sido registrada")

    listed = client.service.consultarListadoFacturas({"numeroRegistro": [registry_number, "209900000001"]})
    assert listed.resultado.codigo == "0"
    first, unknown = listed.facturas.consultarListadoFactura
    assert (first.codigo, first.descripcion) == ("0", "Correcto")
    assert (first.factura.numeroRegistro, first.factura.tramitacion.codigo) == (registry_number, "1200")
    assert unknown.codigo == "303" and unknown.factura.numeroRegistro == "209900000001"
    assert unknown.descripcion.startswith("No existe factura con el número de registro especificado")
    assert getattr(unknown.factura.tramitacion, "codigo", None) is None
    assert getattr(unknown.factura.anulacion, "codigo", None) is None

    assert client.service.anularFactura(registry_number, "").resultado.codigo == "302"
    cancelled = client.service.anularFactura(registry_number, "prueba")
    assert cancelled.resultado.codigo == "0"
    assert (cancelled.factura.numeroRegistro, cancelled.factura.mensaje) == (
        registry_number, "Anulación solicitada correctamente"
    )  # fmt: skip
    assert client.service.anularFactura(registry_number, "otra vez").resultado.codigo == "307"
    after = client.service.consultarFactura(registry_number).factura
    assert (after.anulacion.codigo, after.anulacion.descripcion, after.anulacion.motivo) == (
        "4200", "Solicitada anulación", "prueba"
    )  # fmt: skip


def test_wire_shapes_are_efacts(efact_hub: EfactHub, client: Any) -> None:
    """Unqualified children of ``return``, ``registroAdministrativo`` inside ``resultado`` (and only
    for consultarFactura), the operation's own namespace on the response wrapper."""
    registry_number, _ = _registered(efact_hub, client)
    answer = post(
        efact_hub.endpoint,
        zeep_signed(
            efact_payload("consultarFactura", f"<numeroRegistro>{registry_number}</numeroRegistro>"),
            efact_hub.supplier,
        ),
        efact_hub.hub_cert_pem,
    )
    assert answer.status == 200
    wrapper = answer.verified.operation
    assert wrapper.tag == f"{{{EFACT}}}consultarFacturaResponse"
    returned = wrapper.find("return")
    assert returned is not None
    assert all(etree.QName(node).namespace is None for node in returned.iter() if isinstance(node.tag, str))
    assert [node.tag for node in returned.find("resultado")] == [  # type: ignore[union-attr]
        "codigo",
        "descripcion",
        "codigoSeguimiento",
        "registroAdministrativo",
    ]
    assert returned.findtext("resultado/registroAdministrativo") == registry_number

    listed = post(
        efact_hub.endpoint,
        zeep_signed(
            efact_payload(
                "consultarListadoFacturas",
                f"<request><numeroRegistro>{registry_number}</numeroRegistro></request>",
            ),
            efact_hub.supplier,
        ),
        efact_hub.hub_cert_pem,
    )
    assert listed.result()[0] == "0"
    assert listed.verified.operation.find("return/resultado/registroAdministrativo") is None
    assert listed.verified.operation.findtext("return/facturas/consultarListadoFactura/codigo") == "0"


def test_query_codes_303_313_309(client: Any) -> None:
    assert client.service.consultarFactura("209900000042").resultado.codigo == "303"
    assert client.service.consultarFactura("").resultado.codigo == "313"
    assert client.service.anularFactura("209900000042", "motivo").resultado.codigo == "303"
    too_many = client.service.consultarListadoFacturas(
        {"numeroRegistro": [f"2099{i:08d}" for i in range(501)]}
    )
    assert too_many.resultado.codigo == "309" and too_many.facturas is None


def test_attachments_efact_rules_433_312(efact_hub: EfactHub, client: Any) -> None:
    invoice = signed(invoice_variant()[0], efact_hub.supplier)
    six = [{"anexo": PDF, "nombre": f"a{i}.pdf", "mime": "application/pdf"} for i in range(6)]
    too_many = _send(client, invoice, anexos=six)
    assert too_many.resultado.codigo == "433" and too_many.factura is None
    # FACe accepts images and OOXML MIME types; eFACT's list does not
    for mime in ("image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"):
        refused = _send(client, invoice, anexos=[{"anexo": PDF, "nombre": "a.bin", "mime": mime}])
        assert refused.resultado.codigo == "312" and mime in refused.resultado.descripcion
    accepted = _send(
        client,
        invoice,
        anexos=[
            {"anexo": PDF, "nombre": "a.pdf", "mime": "application/pdf"},
            {"anexo": PDF, "nombre": "b.doc", "mime": "application/msword"},
            {"anexo": PDF, "nombre": "c.xls", "mime": "application/vnd.ms-excel"},
            {"anexo": PDF, "nombre": "d.odt", "mime": "application/vnd.oasis.opendocument.text"},
            {"anexo": PDF, "nombre": "e.txt", "mime": "text/plain"},
        ],
    )
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion


def _stored_attachments(efact_hub: EfactHub, registry_number: str) -> list[tuple[int, str, str]]:
    """No suppliers' operation returns attachment names (the RCF ``descargarFactura`` will); until
    then the hub's own database is where the sanitised names are observable."""
    engine = create_engine(efact_hub.env["FACTURAHUB_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(InvoiceAttachment.position, InvoiceAttachment.name, InvoiceAttachment.original_name)
                .join(Invoice, Invoice.id == InvoiceAttachment.invoice_id)
                .where(Invoice.registry_number == registry_number)
                .order_by(InvoiceAttachment.position)
            )
            return [(position, name, original) for position, name, original in rows]
    finally:
        engine.dispose()


def test_attachment_names_are_sanitised_and_numbered(efact_hub: EfactHub, client: Any) -> None:
    long_stem = "x" * 80
    sent = _send(
        client,
        signed(invoice_variant()[0], efact_hub.supplier),
        anexos=[
            {"anexo": PDF, "nombre": "anexo.txt", "mime": "text/plain"},
            {"anexo": PDF, "nombre": "a#b$c(d)e+f-g_h.pdf", "mime": "application/pdf"},
            {"anexo": PDF, "nombre": f"{long_stem}.pdf", "mime": "application/pdf"},
        ],
    )
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    stored = _stored_attachments(efact_hub, sent.factura.numeroRegistro)
    assert [(position, original) for position, _, original in stored] == [
        (1, "anexo.txt"),
        (2, "a#b$c(d)e+f-g_h.pdf"),
        (3, f"{long_stem}.pdf"),
    ]
    names = [name for _, name, _ in stored]
    assert names[0] == "anexo_1.txt"
    assert names[1] == "abcde+f-g_h_2.pdf"
    assert all(re.fullmatch(r"[A-Za-z0-9\-_.+]+", name) for name in names)
    stem = names[2].rsplit(".", 1)[0]
    assert names[2].endswith("_3.pdf") and set(stem[:-2]) == {"x"} and len(stem[:-2]) <= 70


def test_attachment_names_fit_their_column_however_long_the_extension(
    efact_hub: EfactHub, client: Any
) -> None:
    """A 255-character name with a long extension, and one that cleaning lengthens (the ligature
    ﬃ becomes ffi), are stored within the column: on PostgreSQL they were 402 "send it again
    later", which could never succeed."""
    long_extension = "a." + "p" * 253
    ligatures = "informe." + "\ufb03" * 90
    sent = _send(
        client,
        signed(invoice_variant()[0], efact_hub.supplier),
        anexos=[
            {"anexo": PDF, "nombre": long_extension, "mime": "application/pdf"},
            {"anexo": PDF, "nombre": ligatures, "mime": "application/pdf"},
        ],
    )
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    stored = _stored_attachments(efact_hub, sent.factura.numeroRegistro)
    assert [original for _, _, original in stored] == [long_extension, ligatures]
    names = [name for _, name, _ in stored]
    assert names[0] == "a_1." + "p" * (255 - len("a_1."))
    assert names[1] == "informe_2." + ("ffi" * 90)[: 255 - len("informe_2.")]  # cut in the extension
    assert [len(name) for name in names] == [255, 255]


def test_attachment_names_follow_efacts_own_examples(efact_hub: EfactHub, client: Any) -> None:
    sent = _send(
        client,
        signed(invoice_variant()[0], efact_hub.supplier),
        anexos=[
            {"anexo": PDF, "nombre": "#InformeFacturación-Enero2024.xls", "mime": "application/vnd.ms-excel"},
            {
                "anexo": PDF,
                "nombre": "Justificante estándar operaciones (enero 2024).pdf",
                "mime": "application/pdf",
            },
            {"anexo": PDF, "nombre": "Año Çedilla.txt", "mime": "text/plain"},
            {"anexo": PDF, "nombre": f"{'y' * 75}.pdf", "mime": "application/pdf"},
        ],
    )
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    names = [name for _, name, _ in _stored_attachments(efact_hub, sent.factura.numeroRegistro)]
    assert names == [
        "InformeFacturacion-Enero2024_1.xls",
        "Justificante_estandar_operaciones_enero_2024_2.pdf",
        "Ano_Cedilla_3.txt",
        f"{'y' * 70}_4.pdf",
    ]


def test_another_integrators_platform_sees_nothing_of_ours_301(efact_hub: EfactHub, client: Any) -> None:
    registry_number, _ = _registered(efact_hub, client)
    theirs = efact_hub.client(efact_hub.other_supplier)
    consulted = theirs.service.consultarFactura(registry_number)
    assert consulted.resultado.codigo == "301" and consulted.factura is None
    assert consulted.resultado.registroAdministrativo is None
    listed = theirs.service.consultarListadoFacturas({"numeroRegistro": [registry_number]})
    assert listed.facturas.consultarListadoFactura[0].codigo == "301"
    assert theirs.service.anularFactura(registry_number, "no es mía").resultado.codigo == "301"
    assert client.service.consultarFactura(registry_number).factura.anulacion.codigo == "4100"


def test_face_operations_outside_efacts_contract_are_unknown(efact_hub: EfactHub) -> None:
    answer = post(
        efact_hub.endpoint,
        zeep_signed(efact_payload("consultarUnidades"), efact_hub.supplier),
        efact_hub.hub_cert_pem,
    )
    assert answer.status == 500 and answer.fault_code == "001"
    assert "consultarUnidades" in (answer.fault_string or "")
