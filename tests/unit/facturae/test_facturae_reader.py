from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from facturahub.errors import InvalidInput
from facturahub.facturae import DuplicateKey, FacturaeDocument, FacturaeVersion, read_invoice

DFB = "fawno-unsigned-factura_dfb.xml"
PRUEBA = "factura-prueba-v1-2-0.xsig"
P10 = {"01": "P00000010", "02": "P00000010", "03": "P00000010"}
DFB_CENTRES = {"01": "DFB0", "02": "020110", "03": "0201"}

# name: (version, buyer centres by role, seller tax id, invoice number, series, issue date)
EXPECTED = {
    "aapp2face-sample-factura-firmada-32v1.xsig": (
        "3.2",
        {"02": "1"},
        "A82735122",
        "18",
        None,
        date(2010, 3, 10),
    ),
    PRUEBA: ("3.2.1", P10, "12345678Z", "2", "PACOP", date(2013, 1, 17)),
    "fawno-unsigned-factura-prueba-v1-2-0.xml": ("3.2", P10, "12345678Z", "2", "PACOP", date(2013, 1, 17)),
    "fawno-unsigned-factura_consorciodeaguas.xml": ("3.2", P10, "12345678Z", "2", "PACOP", date(2013, 1, 17)),
    DFB: ("3.2", DFB_CENTRES, "G48200422", "256623570", "201401", date(2022, 5, 11)),
    "fawno-unsigned-factura_ejemplo.xml": (
        "3.2",
        DFB_CENTRES,
        "G48200422",
        "256623570",
        "201401",
        date(2022, 5, 11),
    ),
    "gobl-invoice-face.xml": (
        "3.2.2",
        {"01": "L01280796", "02": "LA0007407", "03": "LA0007408"},
        "B23103039",
        "TEST01002F",
        None,
        date(2021, 12, 8),
    ),
    "oca-facturae_01.xsig": ("3.2", {}, "R3028604A", "18972", None, date(2017, 12, 4)),
}


def test_the_table_covers_every_shared_sample(samples_dir: Any) -> None:
    assert {path.name for path in samples_dir.iterdir()} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_sample_reads(name: str, load_sample: Callable[[str], Any]) -> None:
    version, centres, seller, number, series, issued = EXPECTED[name]
    document = read_invoice(load_sample(name))
    assert document.version == FacturaeVersion(version)
    assert document.schema_version == version
    assert dict(document.centres) == centres
    assert document.seller.tax_id == seller
    assert len(document.invoices) == 1
    invoice = document.invoice
    assert (invoice.number, invoice.series, invoice.issue_date) == (number, series, issued)
    assert document.batch.invoices_count == 1
    assert invoice.lines and all(line.description for line in invoice.lines)


def test_factura_prueba_in_detail(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample(PRUEBA))
    assert (document.modality, document.issuer_type) == ("I", "EM")
    batch = document.batch
    assert batch.identifier == "B1234567422FC"
    assert batch.total_invoices_amount == batch.total_outstanding_amount == Decimal("1384.58")
    assert batch.currency == "EUR"

    seller = document.seller
    assert (seller.person_type, seller.residence_type, seller.corporate_name) == ("F", "R", None)
    assert (seller.name, seller.first_surname, seller.second_surname) == (
        "Emisor",
        "primer_apellido_E",
        "segundo_apellido_E",
    )
    assert seller.display_name == "Emisor primer_apellido_E segundo_apellido_E"
    assert seller.address is not None and seller.address.post_code == "18230"

    buyer = document.buyer
    assert (buyer.tax_id, buyer.person_type, buyer.corporate_name, buyer.trade_name) == (
        "B12345674",
        "J",
        "receptor",
        "nombre_comercial_R",
    )
    assert [(centre.role, centre.code) for centre in buyer.centres] == [
        ("03", "P00000010"),
        ("02", "P00000010"),
        ("01", "P00000010"),
    ]
    assert buyer.centres[0].description == "Unidad tramitacion"
    assert buyer.centres[0].name == "nombre_UT"

    invoice = document.invoice
    assert (invoice.document_type, invoice.invoice_class, invoice.currency) == ("FC", "OO", "EUR")
    totals = invoice.totals
    assert totals.gross_amount == Decimal("1212.00")
    assert totals.general_discounts == (Decimal("48.480000"),)
    assert totals.total_general_discounts == Decimal("48.48")
    assert totals.gross_amount_before_taxes == Decimal("1163.52")
    assert totals.tax_outputs == Decimal("279.24")
    assert totals.taxes_withheld == Decimal("58.18")
    assert totals.invoice_total == totals.outstanding_amount == totals.executable_amount == Decimal("1384.58")
    assert [(tax.type_code, tax.amount, tax.surcharge_amount) for tax in invoice.taxes_outputs] == [
        ("02", Decimal("34.91"), Decimal("34.91")),
        ("01", Decimal("209.43"), None),
    ]
    assert [tax.amount for tax in invoice.taxes_withheld] == [Decimal("58.18")]
    (line,) = invoice.lines
    assert line.description == "Descripcion de factura de mesas"
    assert (line.quantity, line.unit_price, line.total_cost) == (
        Decimal("4.0"),
        Decimal("300.000000"),
        Decimal("1200.000000"),
    )
    assert (line.discounts, line.charges, line.gross_amount) == (
        (Decimal("36.000000"),),
        (Decimal("48.000000"),),
        Decimal("1212.000000"),
    )
    assert invoice.installments == ()
    assert document.duplicate_key == DuplicateKey("12345678Z", "PACOP", "2", date(2013, 1, 17))


def test_dfb_payment_details_and_centre_addresses(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample(DFB))
    (installment,) = document.invoice.installments
    assert installment.payment_means == "04"
    assert installment.credited_iban == "ES9120950000771005126354"
    assert installment.debited_iban is None
    assert installment.amount == Decimal("62.07")
    assert installment.due_date == date(2022, 5, 11)
    accounting_office = document.buyer.centres[0]
    assert accounting_office.address is not None
    assert (accounting_office.address.in_spain, accounting_office.address.town) == (True, "BILBAO")
    assert (
        accounting_office.path == "/Facturae/Parties/BuyerParty/AdministrativeCentres/AdministrativeCentre[1]"
    )


def test_individual_buyer_with_a_centre_and_overseas_addresses(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample("aapp2face-sample-factura-firmada-32v1.xsig"))
    buyer = document.buyer
    assert (buyer.person_type, buyer.residence_type, buyer.name, buyer.first_surname) == (
        "F",
        "E",
        "Juana",
        "Mauriño",
    )
    assert buyer.address is not None and not buyer.address.in_spain
    assert buyer.address.country_code == "ARG"
    (centre,) = buyer.centres
    assert (centre.code, centre.role, centre.name) == ("1", "02", "Ruth")
    assert centre.address is not None and centre.address.post_code == "00000 Buenos Aires"
    assert document.invoice.series is None  # the sample's InvoiceSeriesCode is only whitespace
    assert document.duplicate_key.series == ""
    (installment,) = document.invoice.installments
    assert (installment.payment_means, installment.credited_iban, installment.debited_iban) == (
        "19",
        "4322 3432 22 1341234212",
        "1234 4312 22 33212341212314",
    )


def test_third_party_is_read(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample("gobl-invoice-face.xml"))
    assert document.issuer_type == "TE"
    assert document.third_party is not None
    assert document.third_party.tax_id == "B23103039"
    assert document.third_party.corporate_name == "Hypeprop S.L."


def test_amount_surrounded_by_whitespace_is_read(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample("oca-facturae_01.xsig"))
    assert document.invoice.totals.gross_amount_before_taxes == Decimal("100.00")


def _walk(value: Any) -> list[Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [value] + [
            item for field in dataclasses.fields(value) for item in _walk(getattr(value, field.name))
        ]
    if isinstance(value, tuple):
        return [item for element in value for item in _walk(element)]
    return [value]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_money_is_decimal_never_float(name: str, load_sample: Callable[[str], Any]) -> None:
    values = _walk(read_invoice(load_sample(name)))
    assert not [value for value in values if isinstance(value, float)]
    assert sum(isinstance(value, Decimal) for value in values) > 10


def test_document_is_immutable(load_sample: Callable[[str], Any]) -> None:
    document: FacturaeDocument = read_invoice(load_sample(DFB))
    with pytest.raises(dataclasses.FrozenInstanceError):
        document.invoice.number = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        document.centres["01"] = "X"  # type: ignore[index]


def test_duplicate_key_normalises_a_spanish_prefix(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        (
            "<TaxIdentificationNumber>G48200422</TaxIdentificationNumber>",
            "<TaxIdentificationNumber>esg48200422</TaxIdentificationNumber>",
        ),
    )
    document = read_invoice(tree)
    assert document.seller.tax_id == "esg48200422"
    assert document.duplicate_key == DuplicateKey("G48200422", "201401", "256623570", date(2022, 5, 11))


# --- security rule X4: values split by comments / processing instructions -------------------


@pytest.mark.parametrize(
    ("old", "new", "path_end"),
    [
        (
            "<TaxIdentificationNumber>G48200422</TaxIdentificationNumber>",
            "<TaxIdentificationNumber>G4820<!-- x -->0422</TaxIdentificationNumber>",
            "/SellerParty/TaxIdentification/TaxIdentificationNumber",
        ),
        (
            "<InvoiceNumber>256623570</InvoiceNumber>",
            "<InvoiceNumber>2566<!-- x -->23570</InvoiceNumber>",
            "/Invoice/InvoiceHeader/InvoiceNumber",
        ),
        (
            "<InvoiceTotal>62.07</InvoiceTotal>",
            "<InvoiceTotal>6<!--x-->2.07</InvoiceTotal>",
            "/InvoiceTotals/InvoiceTotal",
        ),
        (
            "<InvoiceTotal>62.07</InvoiceTotal>",
            "<InvoiceTotal>62.07<?pi x?></InvoiceTotal>",
            "/InvoiceTotals/InvoiceTotal",
        ),
        (
            "<InvoiceNumber>256623570</InvoiceNumber>",
            "<InvoiceNumber><!-- x -->256623570</InvoiceNumber>",
            "/Invoice/InvoiceHeader/InvoiceNumber",
        ),
        (
            "<InvoiceAdditionalInformation>Prueba Factura</InvoiceAdditionalInformation>",
            "<InvoiceAdditionalInformation>Prueba <!-- x -->Factura</InvoiceAdditionalInformation>",
            "/AdditionalData/InvoiceAdditionalInformation",
        ),
    ],
    ids=["nif", "invoice-number", "amount", "pi-in-amount", "leading-comment", "value-not-otherwise-read"],
)
def test_value_split_by_a_comment_or_pi_is_rejected(
    old: str, new: str, path_end: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    tree = mutate(DFB, (old, new))
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    error = caught.value
    assert error.key == "facturae.value_split"
    assert error.params["path"].endswith(path_end)
    assert isinstance(error.params["line"], int) and error.params["line"] > 1
    spanish, english = rendered(error)
    assert path_end in spanish and path_end in english


def test_split_value_error_shows_text_and_full_value(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB, ("<InvoiceNumber>256623570</InvoiceNumber>", "<InvoiceNumber>12<!-- x -->34</InvoiceNumber>")
    )
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert (caught.value.params["text"], caught.value.params["full"]) == ("12", "1234")
    assert caught.value.params["node"] == "<!-- -->"


def test_element_inside_a_value_is_rejected(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB, ("<InvoiceNumber>256623570</InvoiceNumber>", "<InvoiceNumber>2566<b>2357</b>0</InvoiceNumber>")
    )
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.value_split"
    assert caught.value.params["node"] == "<b>"
    assert caught.value.params["full"] == "256623570"


def test_comments_between_elements_are_accepted(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        ("<Invoices>", "<Invoices><!-- the invoice -->"),
        ("</Items>", "</Items><?processing between elements?>"),
    )
    assert read_invoice(tree).invoice.number == "256623570"


def test_cdata_is_read_as_the_full_value(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        ("<InvoiceNumber>256623570</InvoiceNumber>", "<InvoiceNumber><![CDATA[2566]]>23570</InvoiceNumber>"),
    )
    assert read_invoice(tree).invoice.number == "256623570"


# --- malformed values --------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["62,07", "1e3", "NaN", "INF", "", "62.07.1", "0x10"])
def test_amount_that_is_not_a_plain_decimal_is_rejected(
    bad: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    tree = mutate(DFB, ("<InvoiceTotal>62.07</InvoiceTotal>", f"<InvoiceTotal>{bad}</InvoiceTotal>"))
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.amount_format"
    assert caught.value.params["path"] == "/Facturae/Invoices/Invoice/InvoiceTotals/InvoiceTotal"
    rendered(caught.value)


def test_invoices_count_that_is_not_an_integer_is_rejected(mutate: Callable[..., Any]) -> None:
    tree = mutate(DFB, ("<InvoicesCount>1</InvoicesCount>", "<InvoicesCount>1.0</InvoicesCount>"))
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.amount_format"


@pytest.mark.parametrize("bad", ["11/05/2022", "2022-02-30", "2022-5-11", "yesterday"])
def test_bad_issue_date_is_a_date_format_error(
    bad: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    tree = mutate(DFB, ("<IssueDate>2022-05-11</IssueDate>", f"<IssueDate>{bad}</IssueDate>"))
    with pytest.raises(InvalidInput) as caught:
        read_invoice(tree)
    assert caught.value.key == "facturae.date_format"
    assert caught.value.params["value"] == bad
    rendered(caught.value)


def test_issue_date_with_a_timezone_is_accepted(mutate: Callable[..., Any]) -> None:
    tree = mutate(DFB, ("<IssueDate>2022-05-11</IssueDate>", "<IssueDate>2022-05-11+02:00</IssueDate>"))
    assert read_invoice(tree).invoice.issue_date == date(2022, 5, 11)


@pytest.mark.parametrize(
    ("old", "path"),
    [
        ("<IssueDate>2022-05-11</IssueDate>", "/Facturae/Invoices/Invoice/InvoiceIssueData/IssueDate"),
        ("<InvoiceTotal>62.07</InvoiceTotal>", "/Facturae/Invoices/Invoice/InvoiceTotals/InvoiceTotal"),
        (
            "<BatchIdentifier>G48200422201401256623570</BatchIdentifier>",
            "/Facturae/FileHeader/Batch/BatchIdentifier",
        ),
    ],
)
def test_missing_structural_element_is_named(
    old: str, path: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_invoice(mutate(DFB, (old, "")))
    assert caught.value.key == "facturae.element_missing"
    assert caught.value.params["path"] == path
    assert path in rendered(caught.value)[1]


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "<InvoiceNumber>256623570</InvoiceNumber>",
            "<InvoiceNumber>256623570</InvoiceNumber><InvoiceNumber>999</InvoiceNumber>",
            "/Facturae/Invoices/Invoice/InvoiceHeader/InvoiceNumber[2]",
        ),
        (
            "<TaxIdentificationNumber>G48200422</TaxIdentificationNumber>",
            "<TaxIdentificationNumber>G48200422</TaxIdentificationNumber>"
            "<TaxIdentificationNumber>B12345674</TaxIdentificationNumber>",
            "/Facturae/Parties/SellerParty/TaxIdentification/TaxIdentificationNumber[2]",
        ),
        (
            "</Parties>",
            "</Parties><Parties/>",
            "/Facturae/Parties[2]",
        ),
    ],
    ids=["invoice-number", "seller-nif", "parties"],
)
def test_repeated_single_element_is_rejected_not_picked(
    old: str, new: str, path: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_invoice(mutate(DFB, (old, new)))
    assert caught.value.key == "facturae.element_repeated"
    assert caught.value.params["path"] == path
    assert caught.value.params["count"] == 2
    rendered(caught.value)


# --- values inside invoice lines (each line's children are indexed once) -----------------------

LINE = "/Facturae/Invoices/Invoice/Items/InvoiceLine"
TRANSACTION_DATE = "<TransactionDate>2017-09-18</TransactionDate>"


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (
            "<Quantity>2.0</Quantity>",
            "<Quantity>2.0</Quantity><Quantity>3.0</Quantity>",
            f"{LINE}/Quantity[2]",
        ),
        (
            "<ItemDescription>Concepto Genérico</ItemDescription>",
            "<ItemDescription>Concepto Genérico</ItemDescription><!-- a --><ItemDescription>Otro"
            "</ItemDescription><!-- b -->",
            f"{LINE}/ItemDescription[2]",
        ),
        (
            TRANSACTION_DATE,
            "<TaxesOutputs/>" + TRANSACTION_DATE,
            f"{LINE}/TaxesOutputs[2]",
        ),
        (
            TRANSACTION_DATE,
            "<TaxesWithheld><Tax><TaxTypeCode>04</TaxTypeCode><TaxableBase><TotalAmount>51.30</TotalAmount>"
            "<TotalAmount>1.00</TotalAmount></TaxableBase></Tax></TaxesWithheld>" + TRANSACTION_DATE,
            f"{LINE}/TaxesWithheld/Tax/TaxableBase/TotalAmount[2]",
        ),
    ],
    ids=["quantity", "description-among-comments", "taxes-wrapper", "inner-total-amount"],
)
def test_repeated_element_in_a_line_is_rejected(
    old: str, new: str, path: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_invoice(mutate(DFB, (old, new)))
    assert caught.value.key == "facturae.element_repeated"
    assert caught.value.params["path"] == path
    assert caught.value.params["count"] == 2
    assert isinstance(caught.value.params["line"], int)
    rendered(caught.value)


@pytest.mark.parametrize(
    ("old", "new", "path", "node"),
    [
        ("<Quantity>2.0</Quantity>", "<Quantity>2.<!-- x -->0</Quantity>", f"{LINE}/Quantity", "<!-- -->"),
        (
            "<DiscountAmount>0.000000</DiscountAmount>",
            "<DiscountAmount>0.0<b/>00000</DiscountAmount>",
            f"{LINE}/DiscountsAndRebates/Discount/DiscountAmount",
            "<b>",
        ),
        (
            TRANSACTION_DATE,
            "<TaxesWithheld><Tax><TaxAmount><TotalAmount>7.<?pi x?>70</TotalAmount></TaxAmount></Tax>"
            "</TaxesWithheld>" + TRANSACTION_DATE,
            f"{LINE}/TaxesWithheld/Tax/TaxAmount/TotalAmount",
            "<?pi?>",
        ),
    ],
    ids=["quantity", "discount", "inner-total-amount"],
)
def test_split_value_in_a_line_is_rejected(
    old: str, new: str, path: str, node: str, mutate: Callable[..., Any]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_invoice(mutate(DFB, (old, new)))
    assert caught.value.key == "facturae.value_split"
    assert (caught.value.params["path"], caught.value.params["node"]) == (path, node)


def test_repeatable_line_elements_are_all_read(mutate: Callable[..., Any]) -> None:
    discount = (
        "<Discount><DiscountReason>Otro</DiscountReason><DiscountAmount>1.50</DiscountAmount></Discount>"
    )
    tree = mutate(
        DFB,
        ("</Discount>", "</Discount><!-- a second one -->" + discount),
        (
            TRANSACTION_DATE,
            "<Charges><Charge><ChargeAmount>2.25</ChargeAmount></Charge><Charge><ChargeAmount>0.75"
            "</ChargeAmount></Charge></Charges><TaxesWithheld><Tax><TaxTypeCode>04</TaxTypeCode>"
            "<TaxAmount><TotalAmount>7.70</TotalAmount></TaxAmount></Tax><Tax><TaxTypeCode>05</TaxTypeCode>"
            "</Tax></TaxesWithheld>" + TRANSACTION_DATE,
        ),
    )
    (line,) = read_invoice(tree).invoice.lines
    assert line.discounts == (Decimal("0.000000"), Decimal("1.50"))
    assert line.charges == (Decimal("2.25"), Decimal("0.75"))
    assert [(tax.type_code, tax.amount) for tax in line.taxes_withheld] == [
        ("04", Decimal("7.70")),
        ("05", None),
    ]


def test_a_qualified_element_with_the_same_local_name_is_not_read(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        ("<Quantity>2.0</Quantity>", '<Quantity>2.0</Quantity><x:Quantity xmlns:x="urn:x">9</x:Quantity>'),
        ("<InvoiceNumber>", '<x:InvoiceNumber xmlns:x="urn:x">1</x:InvoiceNumber><InvoiceNumber>'),
    )
    invoice = read_invoice(tree).invoice
    assert invoice.number == "256623570"
    assert invoice.lines[0].quantity == Decimal("2.0")


def test_equal_amounts_keep_their_own_digits(load_sample: Callable[[str], Any]) -> None:
    invoice = read_invoice(load_sample(DFB)).invoice
    assert str(invoice.lines[0].gross_amount) == "51.300000"
    assert str(invoice.totals.gross_amount) == "51.30"
    assert str(read_invoice(load_sample(DFB)).invoice.lines[0].gross_amount) == "51.300000"
