"""The receiving registries' service (protocols.md §4) through zeep built from the hub's own WSDL,
with WS-Security, against a running hub on SQLite and PostgreSQL: the WSDL a real RCF client
relies on, every operation, and the responses compared with what that client (aapp2face) reads."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import httpx
from lxml import etree
from tests.functional.face_hub import invoice_variant, signed
from tests.functional.rcf_hub import (
    OFFICE,
    RcfHub,
    assert_same_shape,
    plain,
    rcf_hub,
    send,
    sim,
)

__all__ = ["rcf_hub"]  # the module-scoped fixture

WSDL = "http://schemas.xmlsoap.org/wsdl/"
XSD = "http://www.w3.org/2001/XMLSchema"
FACE = "https://webservice.face.gob.es"
FACE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OPERATIONS = {
    "consultarEstados",
    "consultarUnidades",
    "solicitarNuevasFacturas",
    "descargarFactura",
    "confirmarDescargaFactura",
    "consultarFactura",
    "consultarListadoFacturas",
    "cambiarEstadoFactura",
    "cambiarEstadoListadoFacturas",
    "consultarCodigoRCF",
    "cambiarCodigoRCF",
    "solicitarNuevasAnulaciones",
    "gestionarSolicitudAnulacionFactura",
    "gestionarSolicitudAnulacionListadoFacturas",
}


def _new_invoice(hub: RcfHub, attachments: tuple[tuple[str, str, bytes], ...] = ()) -> tuple[str, bytes]:
    invoice = signed(invoice_variant()[0], hub.supplier)
    return send(hub.supplier_client(), invoice, attachments), invoice


def test_wsdl_has_the_names_a_real_rcf_client_relies_on(rcf_hub: RcfHub) -> None:
    response = httpx.get(rcf_hub.rcf_wsdl_url, timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/xml")
    root = etree.fromstring(response.content)
    address = root.find(
        f".//{{{WSDL}}}service/{{{WSDL}}}port/{{http://schemas.xmlsoap.org/wsdl/soap/}}address"
    )
    assert address is not None and address.get("location") == rcf_hub.rcf_endpoint
    schemas = root.findall(f"{{{WSDL}}}types/{{{XSD}}}schema")
    assert [s.get("targetNamespace") for s in schemas] == [FACE]
    operations = {op.get("name") for op in root.iterfind(f"{{{WSDL}}}portType/{{{WSDL}}}operation")}
    assert operations == OPERATIONS
    for message in root.iterfind(f"{{{WSDL}}}message"):
        if message.get("name", "").endswith("Out"):
            assert [p.get("name") for p in message] == ["return"], message.get("name")
    types = {t.get("name"): t for t in schemas[0].iterfind(f"{{{XSD}}}complexType")}
    for array, item in (
        ("ArrayOfConsultarListadoFacturasRequest", None),
        ("ArrayOfCambiarEstadoListadoFacturaRequest", None),
        ("ArrayOfGestionarSolicitudAnulacionListadoFacturasRequest", None),
        ("ArrayOfEstado", "Estado"),
        ("ArrayOfOGUTOC", "OGUTOC"),
        ("ArrayOfSolicitarNuevasFacturas", "solicitarNuevasFacturas"),
        ("ArrayOfSolicitarNuevasAnulaciones", "solicitarNuevasAnulaciones"),
        ("ArrayOfConsultarListadoFacturas", "consultarListadoFacturas"),
        ("ArrayOfCambiarEstadoListadoFacturas", "cambiarEstadoListadoFacturas"),
        ("ArrayOfGestionarSolicitudAnulacionListadoFacturas", "gestionarSolicitudAnulacionListadoFacturas"),
        ("ArrayOfAnexoFile", "AnexoFile"),
    ):
        assert array in types, array
        elements = types[array].findall(f"{{{XSD}}}sequence/{{{XSD}}}element")
        assert len(elements) == 1 and elements[0].get("maxOccurs") == "unbounded", array
        if item is not None:
            assert elements[0].get("name") == item, array
    for name, node in types.items():
        if not name.startswith("ArrayOf"):
            assert node.find(f"{{{XSD}}}all") is not None, f"{name} is not built with xsd:all"
    leaf_types = {e.get("type") for e in schemas[0].iter(f"{{{XSD}}}element")}
    assert not {t for t in leaf_types if t and t.startswith("xsd:") and t != "xsd:string"}


def test_catalogues(rcf_hub: RcfHub) -> None:
    client = rcf_hub.rcf()
    estados = plain(client.service.consultarEstados())
    expected = sim("consultarEstados.json")
    assert_same_shape(estados, expected)
    assert estados["estados"] == expected["estados"]  # every state of both flows, FACe's texts
    assert estados["resultado"]["codigo"] == "0" and estados["resultado"]["descripcion"] == "Correcto"

    unidades = plain(client.service.consultarUnidades())
    assert_same_shape(unidades, sim("consultarUnidades.json"))
    triples = {
        (r["organoGestor"]["codigo"], r["unidadTramitadora"]["codigo"], r["oficinaContable"]["codigo"])
        for r in unidades["relaciones"]["OGUTOC"]
    }
    assert triples == {
        ("P00000010", "P00000010", "P00000010"),
        ("020110", "0201", "DFB0"),
        ("LA0007407", "LA0007408", "L01280796"),
    }
    other = rcf_hub.rcf(rcf_hub.other_registry).service.consultarUnidades()
    assert [r.oficinaContable.codigo for r in other.relaciones.OGUTOC] == ["DFB0"]


def test_reception_flow_from_submission_to_paid(rcf_hub: RcfHub) -> None:
    attachment = ("albaran.pdf", "application/pdf", PDF)
    number, sent_bytes = _new_invoice(rcf_hub, (attachment,))
    client = rcf_hub.rcf()
    supplier = rcf_hub.supplier_client()

    # the registry lists it as new, for all its offices and for its office
    for office in ("", OFFICE):
        nuevas = plain(client.service.solicitarNuevasFacturas(office))
        assert_same_shape(nuevas, sim("solicitarNuevasFacturas.json"))
        mine = [f for f in nuevas["facturas"]["solicitarNuevasFacturas"] if f["numeroRegistro"] == number]
        assert len(mine) == 1
        assert (mine[0]["oficinaContable"], mine[0]["organoGestor"], mine[0]["unidadTramitadora"]) == (
            OFFICE,
        ) * 3
        assert FACE_TIME.match(mine[0]["fechaHoraRegistro"])

    # downloads it, byte-identical, with its attachment
    downloaded = plain(client.service.descargarFactura(number))
    assert_same_shape(downloaded, sim("descargarFactura.202001020718.json"))
    factura = downloaded["factura"]
    assert base64.b64decode(factura["factura"]) == sent_bytes
    assert (factura["nombre"], factura["mime"], factura["proveedor"]) == (
        "factura.xsig", "application/xml", "12345678Z"
    )  # fmt: skip
    assert factura["importe"] and factura["numero"]
    [anexo] = factura["anexos"]["AnexoFile"]
    assert (anexo["nombre"], anexo["mime"], base64.b64decode(anexo["anexo"])) == attachment

    # confirms (1300) with its own code, which it can then read and change
    confirmed = plain(client.service.confirmarDescargaFactura(OFFICE, number, "RCF-1234"))
    assert_same_shape(confirmed, sim("confirmarDescargaFactura.P00000010.202001020718.json"))
    assert confirmed["factura"] == {"numeroRegistro": number, "oficinaContable": OFFICE, "codigo": "1300"}
    assert supplier.service.consultarFactura(number).factura.tramitacion.codigo == "1300"
    assert number not in {
        f.numeroRegistro for f in client.service.solicitarNuevasFacturas("").facturas.solicitarNuevasFacturas
    }
    codigo = plain(client.service.consultarCodigoRCF(number))
    assert_same_shape(codigo, sim("consultarCodigoRCF.202001020718.json"))
    assert codigo["codigoRCF"] == "RCF-1234"
    changed = plain(client.service.cambiarCodigoRCF(number, "230501/F/2014"))
    assert_same_shape(changed, sim("cambiarCodigoRCF.202001020718.json"))
    assert changed["codigoRCF"] == "230501/F/2014"
    assert client.service.consultarCodigoRCF(number).codigoRCF == "230501/F/2014"

    # sets 2400, then 2500 in the list form beside two refused items
    single = client.service.cambiarEstadoFactura(OFFICE, number, "2400", "Obligación reconocida")
    assert single.resultado.codigo == "0", single.resultado.descripcion
    assert (single.factura.numeroRegistro, single.factura.codigo) == (number, "2400")
    seen = supplier.service.consultarFactura(number).factura.tramitacion
    assert (seen.codigo, seen.motivo) == ("2400", "Obligación reconocida")
    batch = plain(
        client.service.cambiarEstadoListadoFacturas(
            {
                "cambiarEstadoListadoFacturaRequest": [
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": number,
                        "codigo": "2500",
                        "comentarios": "Pagada",
                    },
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": number,
                        "codigo": "1300",
                        "comentarios": "",
                    },
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": "9999",
                        "codigo": "2500",
                        "comentarios": "",
                    },
                ]
            }
        )
    )
    assert_same_shape(
        batch, sim("cambiarEstadoListadoFacturas.P00000010.202001020718.202001017112.9999.json")
    )
    items = batch["facturas"]["cambiarEstadoListadoFacturas"]
    assert [(i["codigo"], i["factura"]["numeroRegistro"], i["factura"]["codigo"]) for i in items] == [
        ("0", number, "2500"),
        ("505", number, None),
        ("511", "9999", None),
    ]
    assert items[1]["descripcion"].startswith(
        "Esta transición no esta permitida a través de este web service"
    )
    assert items[2]["descripcion"].startswith("La factura no existe o no tiene permisos")
    seen = supplier.service.consultarFactura(number).factura
    assert (seen.tramitacion.codigo, seen.tramitacion.motivo, seen.anulacion.codigo) == (
        "2500",
        "Pagada",
        "4100",
    )

    # the registry's own queries
    consulted = client.service.consultarFactura(number)
    assert (consulted.factura.tramitacion.codigo, consulted.factura.anulacion.codigo) == ("2500", "4100")
    as_aapp2face = client.get_type("ns0:ArrayOfConsultarListadoFacturasRequest")  # as that client calls
    listed = plain(client.service.consultarListadoFacturas(as_aapp2face([number, "9999"])))
    assert_same_shape(listed, sim("consultarListadoFacturas.202001020718.9999.json"))
    first, unknown = listed["facturas"]["consultarListadoFacturas"]
    assert (first["codigo"], first["factura"]["tramitacion"]["codigo"]) == ("0", "2500")
    assert (unknown["codigo"], unknown["factura"]["numeroRegistro"]) == ("511", "9999")


def test_suppliers_see_the_registrys_own_steps_as_registered_in_rcf(rcf_hub: RcfHub) -> None:
    """1400, 2100 and 2300 are the registry's steps; the supplier's catalogue (FACe suppliers'
    specification, appendix B) has none of them: it is shown 1300 "Registrada en RCF", with the
    registry's latest comment, while the registry reads its own codes."""
    number, _ = _new_invoice(rcf_hub)
    client = rcf_hub.rcf()
    supplier = rcf_hub.supplier_client()
    catalogue = {e.codigo: e.descripcion for e in supplier.service.consultarEstados().estados.estado}
    assert "1300" in catalogue and not {"1400", "2100", "2300"} & set(catalogue)
    assert client.service.confirmarDescargaFactura(OFFICE, number, "RCF-9").resultado.codigo == "0"
    for code in ("1400", "2100", "2300"):
        changed = client.service.cambiarEstadoFactura(OFFICE, number, code, f"paso {code}")
        assert changed.resultado.codigo == "0", changed.resultado.descripcion
        seen = supplier.service.consultarFactura(number).factura.tramitacion
        assert (seen.codigo, seen.descripcion, seen.motivo) == ("1300", catalogue["1300"], f"paso {code}")
        [listed] = supplier.service.consultarListadoFacturas(
            {"numeroRegistro": [number]}
        ).facturas.consultarListadoFactura
        assert listed.factura.tramitacion.codigo == "1300"
        own = client.service.consultarFactura(number).factura.tramitacion
        assert (own.codigo, own.motivo) == (code, f"paso {code}")
    assert client.service.cambiarEstadoFactura(OFFICE, number, "2400", "").resultado.codigo == "0"
    assert supplier.service.consultarFactura(number).factura.tramitacion.codigo == "2400"


def test_download_only_while_registered_502(rcf_hub: RcfHub) -> None:
    number, _ = _new_invoice(rcf_hub)
    client = rcf_hub.rcf()
    without = client.service.descargarFactura(number)
    assert without.resultado.codigo == "0"
    assert without.factura.anexos is not None and without.factura.anexos.AnexoFile == []  # a list, even empty
    assert client.service.confirmarDescargaFactura(OFFICE, number, "").resultado.codigo == "0"
    again = client.service.descargarFactura(number)
    assert_same_shape(plain(again), sim("descargarFactura.1111.json"))  # an empty factura, as FACe's
    assert plain(again)["factura"] == sim("descargarFactura.1111.json")["factura"]
    expected = sim("descargarFactura.1111.json")["resultado"]
    assert again.resultado.codigo == expected["codigo"] == "502"
    assert (
        again.resultado.descripcion.startswith(expected["descripcion"])
        and number in again.resultado.descripcion
    )
    assert client.service.confirmarDescargaFactura(OFFICE, number, "").resultado.codigo == "502"
    assert client.service.consultarCodigoRCF(number).codigoRCF is None


def test_cancellation_accepted_frees_the_invoice_for_resubmission(rcf_hub: RcfHub) -> None:
    number, sent_bytes = _new_invoice(rcf_hub)
    supplier = rcf_hub.supplier_client()
    client = rcf_hub.rcf()
    assert supplier.service.anularFactura(number, "Importe erróneo").resultado.codigo == "0"

    pending = plain(client.service.solicitarNuevasAnulaciones(""))
    assert_same_shape(pending, sim("solicitarNuevasAnulaciones.json"))
    [mine] = [f for f in pending["facturas"]["solicitarNuevasAnulaciones"] if f["numeroRegistro"] == number]
    assert (mine["oficinaContable"], mine["motivo"]) == (OFFICE, "Importe erróneo")
    assert FACE_TIME.match(mine["fechaHoraSolicitudAnulacion"])
    by_office = client.service.solicitarNuevasAnulaciones(OFFICE).facturas.solicitarNuevasAnulaciones
    assert number in {f.numeroRegistro for f in by_office}

    accepted = client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4300", "De acuerdo")
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    assert (accepted.factura.numeroRegistro, accepted.factura.codigo) == (number, "4300")
    seen = supplier.service.consultarFactura(number).factura
    assert (seen.tramitacion.codigo, seen.anulacion.codigo, seen.anulacion.motivo) == (
        "3100",
        "4300",
        "De acuerdo",
    )
    remaining = client.service.solicitarNuevasAnulaciones("").facturas.solicitarNuevasAnulaciones
    assert number not in {f.numeroRegistro for f in remaining}
    again = client.service.gestionarSolicitudAnulacionFactura(OFFICE, number, "4400", "")
    assert again.resultado.codigo == "505"

    # the cancelled invoice no longer blocks the same invoice (no 414/415)
    resent = send(supplier, sent_bytes)
    assert resent != number


def test_cancellation_answers_in_the_list_form(rcf_hub: RcfHub) -> None:
    rejected, _ = _new_invoice(rcf_hub)
    accepted, _ = _new_invoice(rcf_hub)
    supplier = rcf_hub.supplier_client()
    for number in (rejected, accepted):
        assert supplier.service.anularFactura(number, "Duplicada").resultado.codigo == "0"
    client = rcf_hub.rcf()
    answer = plain(
        client.service.gestionarSolicitudAnulacionListadoFacturas(
            {
                "gestionarSolicitudAnulacionListadoFacturasRequest": [
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": accepted,
                        "codigo": "4300",
                        "comentarios": "",
                    },
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": accepted,
                        "codigo": "4400",
                        "comentarios": "",
                    },
                    {
                        "oficinaContable": OFFICE,
                        "numeroRegistro": "9999",
                        "codigo": "4300",
                        "comentarios": "",
                    },
                ]
            }
        )
    )
    assert_same_shape(
        answer,
        sim("gestionarSolicitudAnulacionListadoFacturas.P00000010.202001029111.202001019122.9999.json"),
    )
    items = answer["facturas"]["gestionarSolicitudAnulacionListadoFacturas"]
    assert [(i["codigo"], i["factura"]["numeroRegistro"], i["factura"]["codigo"]) for i in items] == [
        ("0", accepted, "4300"),
        ("505", accepted, None),
        ("511", "9999", None),
    ]
    # as aapp2face calls it, with "comentario", the name it gives the list form's comment
    as_aapp2face = client.get_type("ns0:ArrayOfGestionarSolicitudAnulacionListadoFacturasRequest")
    single = client.service.gestionarSolicitudAnulacionListadoFacturas(
        as_aapp2face(
            [
                {
                    "oficinaContable": OFFICE,
                    "numeroRegistro": rejected,
                    "codigo": "4400",
                    "comentario": "No procede",
                }
            ]
        )
    )
    assert single.facturas.gestionarSolicitudAnulacionListadoFacturas[0].codigo == "0"
    seen = supplier.service.consultarFactura(rejected).factura
    assert (seen.tramitacion.codigo, seen.anulacion.codigo, seen.anulacion.motivo) == (
        "1200",
        "4400",
        "No procede",
    )
    assert supplier.service.consultarFactura(accepted).factura.tramitacion.codigo == "3100"


def test_an_invoice_whose_stored_file_is_lost_is_named_not_an_internal_error(rcf_hub: RcfHub) -> None:
    """The registry is told which invoice the hub cannot read, as a business error it can retry,
    not a generic Fault; once the operator restores the file, the download works."""
    number, sent = _new_invoice(rcf_hub)
    digest = hashlib.sha256(sent).hexdigest()
    stored = Path(rcf_hub.env["FACTURAHUB_DATA_DIR"]) / "blobs" / digest[:2] / digest
    kept = stored.with_name("kept-by-the-test")
    stored.rename(kept)  # lost (a disk replaced, a bad restore)
    try:
        refused = rcf_hub.rcf().service.descargarFactura(number)
        assert refused.resultado.codigo == "001", refused.resultado.descripcion
        assert refused.resultado.descripcion == (
            "Mensaje genérico (El proceso finalizó con error): El hub no puede leer ahora los ficheros "
            f"guardados de la factura {number}; el operador ha sido avisado en el registro del hub. "
            "Vuelva a intentarlo más tarde"
        )
    finally:
        kept.rename(stored)  # restored from a backup
    downloaded = rcf_hub.rcf().service.descargarFactura(number)
    assert downloaded.resultado.codigo == "0" and base64.b64decode(downloaded.factura.factura) == sent
