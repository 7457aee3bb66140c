"""enviarFactura's checks (protocols.md §6) through zeep against a running hub: result codes
310, 311, 312, 408, 410, 411, 412, 414, 415 (naming the original registry number), 416, 428, 433,
440."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from tests.functional.face_hub import FaceHub, _cli, face_hub, invoice_variant, signed
from tests.functional.soap_client import send_invoice, zeep_client
from tests.xmlsec_signing import resign_exclusive_with_default_prefix

from facturahub.signatures import xades_sign

__all__ = ["face_hub"]

UT_CENTRE = "<CentreCode>P00000010</CentreCode>\n\t\t\t\t<RoleTypeCode>03</RoleTypeCode>"


@pytest.fixture(scope="module")
def client(face_hub: FaceHub) -> Any:
    return zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)


def _code(answer: Any) -> str:
    return str(answer.resultado.codigo)


def _centres(face_hub: FaceHub, replace: tuple[tuple[str, str], ...]) -> bytes:
    return signed(invoice_variant(replace=replace)[0], face_hub.supplier)


def test_duplicates_414_and_415_name_the_original(face_hub: FaceHub, client: Any) -> None:
    xml, number = invoice_variant()
    first_bytes = signed(xml, face_hub.supplier)
    first = send_invoice(client, first_bytes)
    assert _code(first) == "0", first.resultado.descripcion
    original = first.factura.numeroRegistro

    identical = send_invoice(client, first_bytes)  # D2: a retry after a lost answer
    assert _code(identical) == "415" and original in identical.resultado.descripcion
    assert identical.factura is None
    resigned = send_invoice(client, signed(xml, face_hub.supplier))
    assert _code(resigned) == "415" and original in resigned.resultado.descripcion
    other_date, _ = invoice_variant(
        number=number, replace=(("<IssueDate>2013-01-17", "<IssueDate>2013-01-18"),)
    )
    same_number = send_invoice(client, signed(other_date, face_hub.supplier))
    assert _code(same_number) == "414" and original in same_number.resultado.descripcion


def test_a_delimiter_inside_series_or_number_is_not_a_duplicate(face_hub: FaceHub, client: Any) -> None:
    """Series "X|Y" number "N" and series "X" number "Y|N": two invoices (the key was ambiguous)."""
    tag = invoice_variant()[1]
    series = (("<InvoiceSeriesCode>PACOP<", f"<InvoiceSeriesCode>{tag}|Y<"),)
    first = send_invoice(client, signed(invoice_variant(number="7", replace=series)[0], face_hub.supplier))
    assert _code(first) == "0", first.resultado.descripcion
    shifted = (("<InvoiceSeriesCode>PACOP<", f"<InvoiceSeriesCode>{tag}<"),)
    second = send_invoice(
        client, signed(invoice_variant(number="Y|7", replace=shifted)[0], face_hub.supplier)
    )
    assert _code(second) == "0", second.resultado.descripcion
    assert second.factura.numeroRegistro != first.factura.numeroRegistro


def test_envelope_checks_310_311_312_408_433(face_hub: FaceHub, client: Any) -> None:
    invoice = signed(invoice_variant()[0], face_hub.supplier)
    assert _code(send_invoice(client, "")) == "310"
    assert _code(send_invoice(client, "@@not base64@@")) == "408"
    assert _code(send_invoice(client, invoice, name="factura.xml")) == "311"
    assert _code(send_invoice(client, invoice, mime="application/pdf")) == "311"
    pdf = base64.b64encode(b"%PDF-1.4 test").decode()
    refused = send_invoice(client, invoice, anexos=[{"anexo": pdf, "nombre": "a.html", "mime": "text/html"}])
    assert _code(refused) == "312" and "text/html" in refused.resultado.descripcion
    six = [{"anexo": pdf, "nombre": f"a{i}.pdf", "mime": "application/pdf"} for i in range(6)]
    assert _code(send_invoice(client, invoice, anexos=six)) == "433"
    five = send_invoice(client, invoice, anexos=six[:5])
    assert _code(five) == "0", five.resultado.descripcion


def test_directory_checks_410_411_412_416(face_hub: FaceHub, client: Any) -> None:
    unknown_ut = send_invoice(
        client, _centres(face_hub, ((UT_CENTRE, UT_CENTRE.replace("P00000010", "X99999999")),))
    )
    assert _code(unknown_ut) == "410" and "X99999999" in unknown_ut.resultado.descripcion
    oc = UT_CENTRE.replace(">03<", ">01<")
    unknown_oc = send_invoice(client, _centres(face_hub, ((oc, oc.replace("P00000010", "X88888888")),)))
    assert _code(unknown_oc) == "411"
    unrelated = send_invoice(
        client, _centres(face_hub, ((UT_CENTRE, UT_CENTRE.replace("P00000010", "0201")),))
    )
    assert _code(unrelated) == "412", unrelated.resultado.descripcion
    two_uts = send_invoice(client, _centres(face_hub, ((oc, UT_CENTRE),)))
    assert _code(two_uts) == "416", two_uts.resultado.descripcion
    assert two_uts.resultado.descripcion.count("El número de centros administrativos es incorrecto") == 1


def test_the_directory_is_checked_before_the_content_rules(face_hub: FaceHub, client: Any) -> None:
    """§6 step 5: an unknown centre (409-413) is reported before the issuer's tax id (447), a
    line without description (446) or the totals (408), which the hub judges earlier but reports
    only once the directory has passed."""
    oc = UT_CENTRE.replace(">03<", ">01<")
    unknown_oc = (oc, oc.replace("P00000010", "X77777777"))
    for content_fault in (
        ("<InvoiceTotal>1384.58<", "<InvoiceTotal>1384.99<"),
        ("<TaxIdentificationNumber>12345678Z<", "<TaxIdentificationNumber>12345678A<"),
        ("<ItemDescription>Descripcion de factura de mesas<", "<ItemDescription> <"),
    ):
        alone = send_invoice(client, _centres(face_hub, (content_fault,)))
        assert _code(alone) in {"408", "447", "446"}, alone.resultado.descripcion
        both = send_invoice(client, _centres(face_hub, (unknown_oc, content_fault)))
        assert _code(both) == "411" and "X77777777" in both.resultado.descripcion, both.resultado.descripcion


def test_invoice_signature_checks_428_440(
    face_hub: FaceHub, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = signed(invoice_variant()[0], face_hub.supplier)
    tampered = good.replace(b"<InvoiceSeriesCode>PACOP", b"<InvoiceSeriesCode>PACOQ", 1)
    assert tampered != good
    answer = send_invoice(client, tampered)
    assert _code(answer) == "428" and answer.resultado.descripcion.startswith(
        "La firma de la factura es incorrecta"
    )
    unsigned = send_invoice(client, invoice_variant()[0])
    assert _code(unsigned) == "428"

    monkeypatch.setattr(xades_sign, "FACTURAE_POLICY_HASH", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    wrong_policy = send_invoice(client, signed(invoice_variant()[0], face_hub.supplier))
    assert _code(wrong_policy) == "440", wrong_policy.resultado.descripcion


def test_invoice_signed_by_xmlsec_with_default_in_the_prefix_list_is_registered(
    face_hub: FaceHub, client: Any
) -> None:
    """Exclusive c14n with ``InclusiveNamespaces PrefixList="#default"`` on every reference, as
    xmlsec and Santuario can sign: the hub's workers canonicalise it as the signer did. (In
    SignedInfo's CanonicalizationMethod the prefix list is schema-invalid: 408 names it.)"""
    xml, number = invoice_variant()
    signer = face_hub.supplier
    data = resign_exclusive_with_default_prefix(signed(xml, signer), signer.private_key, in_signed_info=False)

    answer = send_invoice(client, data)

    assert _code(answer) == "0", answer.resultado.descripcion
    assert answer.factura.numeroFactura == number
    assert answer.factura.numeroRegistro

    strict_wildcard = resign_exclusive_with_default_prefix(
        signed(invoice_variant()[0], signer), signer.private_key
    )
    refused = send_invoice(client, strict_wildcard)
    assert _code(refused) == "408"
    assert "CanonicalizationMethod" in refused.resultado.descripcion
    assert "InclusiveNamespaces" in refused.resultado.descripcion


def test_an_invoice_that_is_not_acceptable_xml_is_408_not_an_envelope_fault(
    face_hub: FaceHub, client: Any
) -> None:
    """§6.2: the hardened parser's refusals of the invoice are 408 results naming the problem;
    the envelope around it was fine, so no Fault 102."""
    good = signed(invoice_variant()[0], face_hub.supplier)
    doctype = b'<?xml version="1.0"?><!DOCTYPE Facturae [<!ENTITY e "x">]>' + good.split(b"?>", 1)[1]
    cases = {
        good[:-40]: "no es XML bien formado",
        b"%PDF-1.4 not xml": "no es XML bien formado",
        doctype: "DOCTYPE",
    }
    for data, reason in cases.items():
        answer = send_invoice(client, data)
        assert _code(answer) == "408", answer.resultado.descripcion
        assert answer.resultado.descripcion.startswith("Formato de la factura es incorrecto")
        assert reason in answer.resultado.descripcion


def test_quantity_in_xs_double_exponent_form_is_accepted(face_hub: FaceHub, client: Any) -> None:
    """``Quantity`` is an xs:double: ``2.0E0`` is what some Java generators write for 2."""
    xml, number = invoice_variant(replace=(("<Quantity>", "<Quantity>0"),))
    quantities = xml.count(b"<Quantity>0")
    exponent = re.sub(rb"<Quantity>0([0-9.]+)</Quantity>", rb"<Quantity>\1E0</Quantity>", xml)
    assert quantities and exponent.count(b"E0</Quantity>") == quantities

    answer = send_invoice(client, signed(exponent, face_hub.supplier))

    assert _code(answer) == "0", answer.resultado.descripcion
    assert answer.factura.numeroFactura == number
    not_a_number = re.sub(rb"<Quantity>0([0-9.]+)</Quantity>", rb"<Quantity>INF</Quantity>", xml, count=1)
    refused = send_invoice(client, signed(not_a_number, face_hub.supplier))
    assert _code(refused) == "408"
    assert "Quantity" in refused.resultado.descripcion and "INF" in refused.resultado.descripcion


def test_names_longer_than_the_registry_keeps_are_900_on_every_engine(face_hub: FaceHub, client: Any) -> None:
    xml, _number = invoice_variant()
    data = signed(xml, face_hub.supplier)
    attachment = {
        "anexo": base64.b64encode(b"%PDF-1.4 x").decode(),
        "nombre": "a" * 300 + ".pdf",
        "mime": "application/pdf",
    }
    for answer, field, length in (
        (send_invoice(client, data, name="f" * 300 + ".xsig"), "«nombre»", 305),
        (send_invoice(client, data, anexos=[attachment]), "«anexo 1 (nombre)»", 304),
    ):
        assert _code(answer) == "900", answer.resultado.descripcion
        assert f"{field} tiene {length} caracteres y el máximo es 255" in answer.resultado.descripcion
    assert _code(send_invoice(client, data)) == "0"  # nothing of the refused ones was kept


_AMOUNTS = (
    "TotalAmount|TotalGrossAmount|DiscountAmount|TotalGeneralDiscounts|TotalGrossAmountBeforeTaxes|"
    "TotalTaxOutputs|TotalTaxesWithheld|InvoiceTotal|TotalOutstandingAmount|TotalExecutableAmount|"
    "UnitPriceWithoutTax|TotalCost|GrossAmount|InstallmentAmount|ChargeAmount"
)


def test_a_total_written_with_eight_decimals_stays_in_plain_notation(face_hub: FaceHub, client: Any) -> None:
    """Facturae 3.2.1 amounts may have eight decimals; a zero total so written is stored and served
    as ``0.00000000``, not as Python's ``0E-8``."""
    xml, number = invoice_variant()
    text = xml.decode().replace("2009/v3.2/Facturae", "2014/v3.2.1/Facturae")
    text = text.replace("<SchemaVersion>3.2<", "<SchemaVersion>3.2.1<")
    zero = re.sub(rf"<({_AMOUNTS})>-?[0-9.]+</\1>", r"<\1>0.00000000</\1>", text)
    answer = send_invoice(client, signed(zero.encode(), face_hub.supplier))
    assert _code(answer) == "0", answer.resultado.descripcion
    registry_number = answer.factura.numeroRegistro

    shown = json.loads(_cli(face_hub.env, "--json", "invoice", "show", registry_number))
    assert shown["invoice"]["total"] == "0.00000000"
    registry = zeep_client(
        f"{face_hub.base_url}/face/facturasrcf2?wsdl", face_hub.registry, face_hub.hub_cert_pem
    )
    downloaded = registry.service.descargarFactura(registry_number)
    assert downloaded.resultado.codigo == "0", downloaded.resultado.descripcion
    assert (downloaded.factura.numero, downloaded.factura.importe) == (number, "0.00000000")


def test_an_optional_total_left_out_is_named_as_missing(face_hub: FaceHub, client: Any) -> None:
    """``TotalGeneralDiscounts`` may be absent from the schema's point of view, but this invoice
    has general discounts of 48.48: the refusal says the total is missing, not that it "is 0.00"."""
    xml, _number = invoice_variant(replace=(("<TotalGeneralDiscounts>48.48</TotalGeneralDiscounts>", ""),))
    answer = send_invoice(client, signed(xml, face_hub.supplier))
    assert _code(answer) == "408", answer.resultado.descripcion
    assert (
        "falta /Facturae/Invoices/Invoice/InvoiceTotals/TotalGeneralDiscounts, que debe indicar "
        "Σ GeneralDiscounts/Discount/DiscountAmount (48.48)"
    ) in answer.resultado.descripcion
    assert "vale 0.00" not in answer.resultado.descripcion
