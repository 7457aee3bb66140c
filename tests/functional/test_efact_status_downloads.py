"""eFACT's three-step status downloads (protocols.md §3; ``ws-proveedores-SOAP.md`` §6) through zeep
against a running hub on SQLite and PostgreSQL: an invoice submitted through ``enviarFactura`` is
listed by ``solicitudDescargasEstados``, downloaded by ``peticionDescargasEstados`` (``N``, then
confirmed; ``S``, marked at once) as a ``DeliveryFeedback`` valid against eFACT's own XSD; errors
are ``resultado`` 1 with eFACT's texts in ``observaciones``; an issuer's documents are visible only
to the platform that submitted the invoices."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from lxml import etree
from tests.functional.efact_hub import (
    ISSUER,
    EfactHub,
    efact_hub,
    efact_payload,
    feedback_schema,
    unzip_one,
)
from tests.functional.face_hub import invoice_variant, signed
from tests.functional.soap_client import post, zeep_signed

__all__ = ["efact_hub"]

NOT_OBTAINED = "No se pudieron obtener los documentos pendientes"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


@pytest.fixture(scope="module")
def client(efact_hub: EfactHub) -> Any:
    return efact_hub.client()


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return feedback_schema()


def _send(efact_hub: EfactHub, client: Any, xml: bytes) -> Any:
    return client.service.enviarFactura(
        {
            "correo": "proveedor@example.com",
            "factura": {
                "factura": base64.b64encode(signed(xml, efact_hub.supplier)).decode(),
                "nombre": "factura.xsig",
                "mime": "application/xml",
            },
            "anexos": {"anexo": []},
        }
    )


def _submit(efact_hub: EfactHub, client: Any, replace: tuple[tuple[str, str], ...] = ()) -> tuple[str, str]:
    xml, number = invoice_variant(replace=replace)
    sent = _send(efact_hub, client, xml)
    assert sent.resultado.codigo == "0", sent.resultado.descripcion
    return sent.factura.numeroRegistro, number


def _index(client: Any, issuer: str = ISSUER) -> list[dict[str, Any]]:
    answer = client.service.solicitudDescargasEstados(issuer)
    assert (answer.resultado, answer.observaciones) == ("0", "OK"), answer.observaciones
    name, root = unzip_one(answer.ficheroResultante)
    assert name == f"DocumentList-{issuer}.xml" and root.tag == "DocumentList"
    documents = []
    for document in root:
        assert [child.tag for child in document] == [
            "DocId", "DocType", "DocProcessingDate", "Supplier", "Buyer", "DocNumber", "DocDate"
        ]  # fmt: skip
        documents.append(
            {
                "DocId": document.findtext("DocId"),
                "DocType": document.findtext("DocType"),
                "Supplier": document.findtext("Supplier/TaxNumber"),
                "Buyer": (document.findtext("Buyer/TaxNumber"), document.findtext("Buyer/DeptCode")),
                "DocNumber": document.findtext("DocNumber"),
                "DocDate": document.findtext("DocDate"),
            }
        )
    return documents


def _pending_ids(client: Any, number: str, issuer: str = ISSUER) -> list[str]:
    """DocIds pending for the invoice with this InvoiceNumber (the index is shared by the module)."""
    answer = client.service.solicitudDescargasEstados(issuer)
    if answer.resultado == "1":
        assert answer.observaciones.startswith(NOT_OBTAINED), answer.observaciones
        return []
    return [d["DocId"] for d in _index(client, issuer) if d["DocNumber"] == number]


def _feedback(
    client: Any, schema: etree.XMLSchema, doc_id: str, mark: str, issuer: str = ISSUER
) -> etree._Element:
    answer = client.service.peticionDescargasEstados(
        {"identificadorEmisor": issuer, "indiceDescarga": doc_id, "opcionMarcado": mark}
    )
    assert answer.resultado == "0", answer.observaciones
    name, root = unzip_one(answer.ficheroResultante)
    assert name == f"{doc_id}.xml"
    schema.assertValid(root)
    return root


def _refused(answer: Any, *words: str) -> str:
    assert answer.resultado == "1" and answer.ficheroResultante is None, answer
    for word in words:
        assert word in answer.observaciones, answer.observaciones
    return str(answer.observaciones)


def test_submit_list_download_with_n_then_confirm(
    efact_hub: EfactHub, client: Any, schema: etree.XMLSchema
) -> None:
    registry_number, number = _submit(efact_hub, client)

    mine = [d for d in _index(client) if d["DocNumber"] == number]
    assert len(mine) == 1, mine
    entry = mine[0]
    assert entry["DocType"] == "003" and entry["Supplier"] == ISSUER
    assert entry["Buyer"] == ("B12345674", "P00000010")  # buyer's tax id, its unidad tramitadora
    assert entry["DocDate"] == "2013-01-17"
    doc_id = entry["DocId"]

    feedback = _feedback(client, schema, doc_id, "N")
    assert feedback.findtext("StatusFeedback/HubFeedback/HubId") == registry_number
    invoice = feedback.find("StatusFeedback/InvoiceFeedback")
    assert invoice is not None
    assert (invoice.findtext("InvoiceId"), invoice.findtext("Supplier/Cif")) == (number, ISSUER)
    assert (invoice.findtext("Feedback/Status"), invoice.findtext("Feedback/StatusCode")) == (
        "REGISTERED",
        "1200",
    )
    assert invoice.findtext("Feedback/RegisterData/Number") == registry_number

    # N: still pending, downloadable again
    assert _pending_ids(client, number) == [doc_id]
    _feedback(client, schema, doc_id, "n")

    confirmed = client.service.confirmacionDescargasEstados(
        {"identificadorEmisor": ISSUER, "indiceDescarga": doc_id}
    )
    assert (confirmed.resultado, confirmed.observaciones, confirmed.ficheroResultante) == ("0", None, None)
    assert _pending_ids(client, number) == []
    again = client.service.peticionDescargasEstados(
        {"identificadorEmisor": ISSUER, "indiceDescarga": doc_id, "opcionMarcado": "N"}
    )
    _refused(again, NOT_OBTAINED, doc_id, "descargado")
    # confirming twice is harmless (method 3 is optional after S, so idempotent)
    assert (
        client.service.confirmacionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": doc_id}
        ).resultado
        == "0"
    )

    # a cancellation request is a new status document; S marks it downloaded at once
    assert client.service.anularFactura(registry_number, "Importe duplicado").resultado.codigo == "0"
    (cancellation_id,) = _pending_ids(client, number)
    assert int(cancellation_id) > int(doc_id)
    feedback = _feedback(client, schema, cancellation_id, "S")
    change = feedback.find("StatusFeedback/InvoiceFeedback/Feedback")
    assert change is not None
    assert (change.findtext("Status"), change.findtext("StatusCode")) == ("REGISTERED", "1200")
    assert (change.findtext("Reason/Code"), change.findtext("Reason/Description")) == (
        "4200",
        "Importe duplicado",
    )
    assert _pending_ids(client, number) == []
    _refused(
        client.service.peticionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": cancellation_id, "opcionMarcado": "S"}
        ),
        NOT_OBTAINED,
    )
    assert (
        client.service.confirmacionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": cancellation_id}
        ).resultado
        == "0"
    )


def test_wire_shapes_of_the_three_answers(efact_hub: EfactHub, client: Any) -> None:
    """``resultado`` is a bare 0/1 (no codigo/descripcion), the confirmation's ``observaciones``
    and ``ficheroResultante`` are ``xsi:nil``, everything inside ``return`` unqualified."""
    _, number = _submit(efact_hub, client)
    (doc_id,) = _pending_ids(client, number)

    def call(payload: str) -> etree._Element:
        answer = post(efact_hub.endpoint, zeep_signed(payload, efact_hub.supplier), efact_hub.hub_cert_pem)
        assert answer.status == 200, answer.body.decode()
        returned = answer.verified.operation.find("return")
        assert returned is not None
        assert all(etree.QName(n).namespace is None for n in returned.iter() if isinstance(n.tag, str))
        return returned

    listed = call(
        efact_payload("solicitudDescargasEstados", f"<identificadorEmisor>{ISSUER}</identificadorEmisor>")
    )
    assert [child.tag for child in listed] == ["resultado", "observaciones", "ficheroResultante"]
    assert (listed.findtext("resultado"), listed.findtext("observaciones")) == ("0", "OK")
    assert len(listed.find("resultado")) == 0  # type: ignore[arg-type]

    request = f"<identificadorEmisor>{ISSUER}</identificadorEmisor><indiceDescarga>{doc_id}</indiceDescarga>"
    downloaded = call(
        efact_payload(
            "peticionDescargasEstados",
            f"<peticionDescargas>{request}<opcionMarcado>N</opcionMarcado></peticionDescargas>",
        )
    )
    assert [child.tag for child in downloaded] == ["resultado", "observaciones", "ficheroResultante"]
    assert downloaded.findtext("resultado") == "0" and downloaded.findtext("ficheroResultante")

    confirmed = call(
        efact_payload(
            "confirmacionDescargasEstados", f"<confirmacionDescargas>{request}</confirmacionDescargas>"
        )
    )
    assert confirmed.findtext("resultado") == "0"
    for name in ("observaciones", "ficheroResultante"):
        element = confirmed.find(name)
        assert element is not None and element.get(XSI_NIL) == "true" and not element.text

    refused = call(efact_payload("solicitudDescargasEstados", "<identificadorEmisor/>"))
    assert refused.findtext("resultado") == "1"
    assert (refused.findtext("observaciones") or "").startswith(
        "Los datos enviados en el campo identificadorEmisor"
    )
    assert refused.find("ficheroResultante").get(XSI_NIL) == "true"  # type: ignore[union-attr]


def test_errors_are_resultado_1_with_efacts_texts(efact_hub: EfactHub, client: Any) -> None:
    _, number = _submit(efact_hub, client)
    (doc_id,) = _pending_ids(client, number)

    _refused(
        client.service.solicitudDescargasEstados(""), "Los datos enviados en el campo identificadorEmisor"
    )
    wrong_check_letter = client.service.solicitudDescargasEstados("12345678A")
    _refused(wrong_check_letter, "identificadorEmisor", "Z")
    _refused(client.service.solicitudDescargasEstados("B00000018"), NOT_OBTAINED)  # nothing pending

    def peticion(**values: str) -> Any:
        request = {"identificadorEmisor": ISSUER, "indiceDescarga": doc_id, "opcionMarcado": "N", **values}
        return client.service.peticionDescargasEstados(request)

    _refused(peticion(opcionMarcado="X"), "opcionMarcado", "S o N")
    _refused(peticion(opcionMarcado=""), "opcionMarcado")
    _refused(peticion(indiceDescarga=""), "indiceDescarga")
    _refused(peticion(indiceDescarga="12a"), "indiceDescarga", "12a")
    _refused(peticion(indiceDescarga="2147483647"), NOT_OBTAINED, "2147483647")
    _refused(peticion(identificadorEmisor="B00000018"), NOT_OBTAINED, doc_id)  # another issuer's index
    _refused(
        client.service.confirmacionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": "999999999"}
        ),
        NOT_OBTAINED,
    )
    # none of this touched the document: still pending
    assert _pending_ids(client, number) == [doc_id]


SELLER_ID = "<ResidenceTypeCode>R</ResidenceTypeCode>\n\t\t\t<TaxIdentificationNumber>12345678Z</TaxIdentificationNumber>"


@pytest.mark.parametrize(
    ("residence", "tax_id"),
    [
        ("U", "10259033P"),  # a Cypriot TIC: shaped like a DNI, but its letter is not DNI's (K)
        ("E", "PEÑ850101ABC"),  # a Mexican RFC with Ñ
        ("E", "A&C850101XY9"),  # a Mexican RFC with &
    ],
)
def test_non_resident_issuers_download_their_status_documents(
    efact_hub: EfactHub, client: Any, schema: etree.XMLSchema, residence: str, tax_id: str
) -> None:
    """§6.5 checks the tax id of resident issuers only, so the id a non-resident's invoice is
    registered under must also find its status documents."""
    seller = f"<ResidenceTypeCode>{residence}</ResidenceTypeCode>\n\t\t\t<TaxIdentificationNumber>{tax_id.replace('&', '&amp;')}</TaxIdentificationNumber>"
    _, number = _submit(efact_hub, client, ((SELLER_ID, seller),))
    (doc_id,) = [d["DocId"] for d in _index(client, tax_id) if d["DocNumber"] == number]
    root = _feedback(client, schema, doc_id, "S", issuer=tax_id)
    assert root.findtext(".//InvoiceId") == number and root.findtext(".//Supplier/Cif") == tax_id


def test_a_non_resident_with_a_spanish_nif_finds_its_documents_written_either_way(
    efact_hub: EfactHub, client: Any, schema: etree.XMLSchema
) -> None:
    """A foreign company with a Spanish NIF writes it "ESN0032484H". Intake and the status downloads
    read a tax id by one rule, so its documents are found under that form and under "N0032484H"
    (intake kept the ES, the downloads dropped it: nothing was ever found)."""
    seller = "<ResidenceTypeCode>U</ResidenceTypeCode>\n\t\t\t<TaxIdentificationNumber>ESN0032484H</TaxIdentificationNumber>"
    _, number = _submit(efact_hub, client, ((SELLER_ID, seller),))
    for written in ("ESN0032484H", "es-n0032484h", "N0032484H"):
        answer = client.service.solicitudDescargasEstados(written)
        assert (answer.resultado, answer.observaciones) == ("0", "OK"), answer.observaciones
        name, root = unzip_one(answer.ficheroResultante)
        assert name == "DocumentList-N0032484H.xml"
        assert [d.findtext("DocNumber") for d in root] == [number]
    (doc_id,) = [d["DocId"] for d in _index(client, "N0032484H")]
    root = _feedback(client, schema, doc_id, "S", issuer="ESN0032484H")
    assert root.findtext(".//InvoiceId") == number and root.findtext(".//Supplier/Cif") == "N0032484H"


def test_a_non_resident_tax_id_no_status_download_could_name_is_refused_at_intake(
    efact_hub: EfactHub, client: Any
) -> None:
    for tax_id in ("GB123,456", "FR(123)456"):
        seller = f"<ResidenceTypeCode>E</ResidenceTypeCode>\n\t\t\t<TaxIdentificationNumber>{tax_id}</TaxIdentificationNumber>"
        sent = _send(efact_hub, client, invoice_variant(replace=((SELLER_ID, seller),))[0])
        assert sent.resultado.codigo == "447", sent.resultado.descripcion
        assert f"«{tax_id}» debe tener de 2 a 32 letras, cifras o «&»" in sent.resultado.descripcion


def test_a_wrong_spanish_check_letter_is_said_when_nothing_is_found(client: Any) -> None:
    answer = client.service.solicitudDescargasEstados("10259033P")  # nothing sent under it here
    _refused(answer, "identificadorEmisor", "K")
    _refused(client.service.solicitudDescargasEstados("AB<C"), "identificadorEmisor", "AB<C")


def test_issuer_isolation_between_platforms(
    efact_hub: EfactHub, client: Any, schema: etree.XMLSchema
) -> None:
    _, ours = _submit(efact_hub, client)
    (our_doc,) = _pending_ids(client, ours)

    theirs = efact_hub.client(efact_hub.other_supplier)
    # the same issuer tax id, but nothing this platform submitted
    _refused(theirs.service.solicitudDescargasEstados(ISSUER), NOT_OBTAINED)
    _refused(
        theirs.service.peticionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": our_doc, "opcionMarcado": "S"}
        ),
        NOT_OBTAINED,
    )
    _refused(
        theirs.service.confirmacionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": our_doc}
        ),
        NOT_OBTAINED,
    )
    assert _pending_ids(client, ours) == [our_doc]  # neither download nor confirmation marked it

    # the other platform submits an invoice of the same issuer: each sees only its own
    _, their_number = _submit(efact_hub, theirs)
    their_index = _index(theirs)
    assert [d["DocNumber"] for d in their_index] == [their_number]
    their_doc = their_index[0]["DocId"]
    assert their_number not in {d["DocNumber"] for d in _index(client)}
    _refused(
        client.service.peticionDescargasEstados(
            {"identificadorEmisor": ISSUER, "indiceDescarga": their_doc, "opcionMarcado": "S"}
        ),
        NOT_OBTAINED,
    )
    _feedback(theirs, schema, their_doc, "S")
    assert _pending_ids(client, ours) == [our_doc]
