"""FACe suppliers' service (protocols.md §2) through zeep built from the hub's own WSDL, with
WS-Security, against a running hub on SQLite and PostgreSQL: every operation, and the result codes
of the queries and of cancellation."""

from __future__ import annotations

import re

import httpx
from lxml import etree
from tests.functional.face_hub import FaceHub, face_hub, invoice_variant, sample, signed
from tests.functional.soap_client import send_invoice, zeep_client

__all__ = ["face_hub"]  # the module-scoped fixture

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
FACE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def test_wsdl_is_ours_with_the_address_it_is_served_from(face_hub: FaceHub) -> None:
    response = httpx.get(face_hub.wsdl_url, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    address = root.find(
        f".//{{{WSDL_NS}}}service/{{{WSDL_NS}}}port/{{http://schemas.xmlsoap.org/wsdl/soap/}}address"
    )
    assert address is not None and address.get("location") == face_hub.endpoint
    operations = {op.get("name") for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation")}
    assert operations == {
        "enviarFactura",
        "consultarFactura",
        "consultarListadoFacturas",
        "anularFactura",
        "consultarEstados",
        "consultarUnidades",
        "consultarUnidadesPorAdministracion",
        "consultarNIFs",
        "consultarNIFsPorAdministracion",
        "consultarAdministraciones",
        "consultarAdministracionesRepositorio",
    }


def test_every_operation_through_zeep(face_hub: FaceHub) -> None:
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)

    estados = client.service.consultarEstados()
    assert estados.resultado.codigo == "0" and estados.resultado.descripcion == "Correcto"
    assert [e.codigo for e in estados.estados.estado] == [
        "1200", "1300", "2400", "2500", "2600", "3100", "4100", "4200", "4300", "4400"
    ]  # fmt: skip
    assert estados.estados.estado[0].nombre == "Registrada"

    unidades = client.service.consultarUnidades()
    triples = {
        (r.organoGestor.codigo, r.unidadTramitadora.codigo, r.oficinaContable.codigo)
        for r in unidades.relaciones.relacion
    }
    assert ("P00000010", "P00000010", "P00000010") in triples and len(triples) == 3
    por_administracion = client.service.consultarUnidadesPorAdministracion("DFB0")
    assert [(r.organoGestor.codigo, r.unidadTramitadora.codigo, r.oficinaContable.codigo)
            for r in por_administracion.relaciones.relacion] == [("020110", "0201", "DFB0")]  # fmt: skip
    assert client.service.consultarUnidadesPorAdministracion("").resultado.codigo == "310"

    nifs = client.service.consultarNIFs()
    assert nifs.resultado.codigo == "0"
    assert {(i.organoGestor.codigo, i.nif) for i in nifs.nifs.info} >= {("P00000010", "P0000001H")}
    nifs_p = client.service.consultarNIFsPorAdministracion("P00000010")
    assert [(i.organoGestor.codigo, i.nif) for i in nifs_p.nifs.info] == [("P00000010", "P0000001H")]

    for operation in (
        client.service.consultarAdministraciones,
        client.service.consultarAdministracionesRepositorio,
    ):
        administraciones = operation()
        codes = {a.codigo for a in administraciones.administraciones.administracion}
        assert codes == {"DFB0", "L01280796", "P00000010"}

    invoice, number = invoice_variant()
    sent = send_invoice(client, signed(invoice, face_hub.supplier))
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
    assert consulted.factura.numeroRegistro == registry_number
    assert (consulted.factura.tramitacion.codigo, consulted.factura.anulacion.codigo) == ("1200", "4100")
    assert consulted.factura.tramitacion.descripcion.startswith("La factura ha sido registrada")

    listed = client.service.consultarListadoFacturas({"numeroRegistro": [registry_number, "209900000001"]})
    assert listed.resultado.codigo == "0"
    first, unknown = listed.facturas.consultarListadoFactura
    assert (first.codigo, first.factura.numeroRegistro, first.factura.tramitacion.codigo) == (
        "0", registry_number, "1200"
    )  # fmt: skip
    assert unknown.codigo == "303" and unknown.factura.numeroRegistro == "209900000001"
    assert unknown.descripcion.startswith("No existe factura con el número de registro especificado")

    assert client.service.anularFactura(registry_number, "").resultado.codigo == "302"
    assert client.service.anularFactura(registry_number, "x" * 256).resultado.codigo == "900"
    cancelled = client.service.anularFactura(registry_number, "Factura duplicada por error")
    assert cancelled.resultado.codigo == "0"
    assert (cancelled.factura.numeroRegistro, cancelled.factura.mensaje) == (
        registry_number, "Anulación solicitada correctamente"
    )  # fmt: skip
    again = client.service.anularFactura(registry_number, "otra vez")
    assert again.resultado.codigo == "307", again.resultado.descripcion
    after = client.service.consultarFactura(registry_number).factura
    assert (after.anulacion.codigo, after.anulacion.motivo) == ("4200", "Factura duplicada por error")


def test_query_codes_303_313_309(face_hub: FaceHub) -> None:
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    assert client.service.consultarFactura("209900000042").resultado.codigo == "303"
    assert client.service.consultarFactura("").resultado.codigo == "313"
    assert client.service.anularFactura("209900000042", "motivo").resultado.codigo == "303"
    too_many = client.service.consultarListadoFacturas(
        {"numeroRegistro": [f"2099{i:08d}" for i in range(501)]}
    )
    assert too_many.resultado.codigo == "309" and too_many.facturas is None
    at_limit = client.service.consultarListadoFacturas(
        {"numeroRegistro": [f"2099{i:08d}" for i in range(500)]}
    )
    assert at_limit.resultado.codigo == "0" and len(at_limit.facturas.consultarListadoFactura) == 500


def test_another_integrators_platform_sees_nothing_of_ours_301(face_hub: FaceHub) -> None:
    ours = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    invoice, _ = invoice_variant()
    registry_number = send_invoice(ours, signed(invoice, face_hub.supplier)).factura.numeroRegistro

    theirs = zeep_client(face_hub.wsdl_url, face_hub.other_supplier, face_hub.hub_cert_pem)
    consulted = theirs.service.consultarFactura(registry_number)
    assert consulted.resultado.codigo == "301" and consulted.factura is None
    listed = theirs.service.consultarListadoFacturas({"numeroRegistro": [registry_number]})
    assert listed.facturas.consultarListadoFactura[0].codigo == "301"
    assert theirs.service.anularFactura(registry_number, "no es mía").resultado.codigo == "301"
    assert ours.service.consultarFactura(registry_number).factura.anulacion.codigo == "4100"


def test_faces_official_test_invoice_is_accepted_and_routed_to_p00000010(face_hub: FaceHub) -> None:
    client = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    sent = send_invoice(client, sample("factura-prueba-v1-2-0.xsig"), name="factura-prueba-v1-2-0.xsig")
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    assert (sent.factura.organoGestor, sent.factura.unidadTramitadora, sent.factura.oficinaContable) == (
        "P00000010",
    ) * 3
