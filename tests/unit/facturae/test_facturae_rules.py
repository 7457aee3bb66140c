from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from facturahub.errors import InvalidInput
from facturahub.facturae import SchemaValidator, check_invoice, messages, read_invoice, total_checks
from facturahub.facturae.rules import check_line_descriptions
from facturahub.signatures.xml import parse_xml

DFB = "fawno-unsigned-factura_dfb.xml"
PRUEBA = "factura-prueba-v1-2-0.xsig"
FAWNO_PRUEBA = "fawno-unsigned-factura-prueba-v1-2-0.xml"

PASSING = [
    PRUEBA,
    FAWNO_PRUEBA,
    "fawno-unsigned-factura_consorciodeaguas.xml",
    DFB,
    "fawno-unsigned-factura_ejemplo.xml",
    "gobl-invoice-face.xml",
]


def _failure(tree: Any, rendered: Callable[..., Any] | None = None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        check_invoice(read_invoice(tree))
    if rendered is not None:
        rendered(caught.value)
    return caught.value


@pytest.mark.parametrize("name", PASSING)
def test_sample_passes_the_content_rules(name: str, load_sample: Callable[[str], Any]) -> None:
    check_invoice(read_invoice(load_sample(name)))


def test_factura_prueba_passes_despite_its_one_cent_rounding(load_sample: Callable[[str], Any]) -> None:
    document = read_invoice(load_sample(PRUEBA))
    checks = {check.field.rsplit("/", 1)[-1]: check for check in total_checks(document)}
    tax_outputs = checks["TotalTaxOutputs"]
    assert (tax_outputs.stated, tax_outputs.recomputed) == (Decimal("279.24"), Decimal("279.25"))
    assert tax_outputs.difference == Decimal("-0.01")
    check_invoice(document)
    with pytest.raises(InvalidInput) as caught:
        check_invoice(document, tolerance=Decimal(0))
    assert caught.value.key == "facturae.totals_mismatch"
    assert caught.value.params["field"].endswith("/TotalTaxOutputs")


def test_aapp2face_sample_fails_on_its_single_centre(
    load_sample: Callable[[str], Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(load_sample("aapp2face-sample-factura-firmada-32v1.xsig"), rendered)
    assert error.key == "facturae.centres_count"
    assert error.params["found"] == "01×0, 02×1, 03×0, 04×0"


def test_oca_sample_has_no_centres(load_sample: Callable[[str], Any]) -> None:
    assert _failure(load_sample("oca-facturae_01.xsig")).key == "facturae.centres_count"


# --- 425 / 419: exactly one invoice, individual modality ----------------------------------------


def _with_second_invoice(text: str) -> str:
    start, end = text.index("\t\t<Invoice>"), text.index("</Invoice>") + len("</Invoice>\n")
    return text[:end] + text[start:end] + text[end:]


def test_two_invoices_are_rejected(sample_text: Callable[[str], str], rendered: Callable[..., Any]) -> None:
    text = _with_second_invoice(sample_text(DFB))
    assert text.count("<Invoice>") == 2
    for declared in ("1", "2"):
        counted = text.replace(
            "<InvoicesCount>1</InvoicesCount>", f"<InvoicesCount>{declared}</InvoicesCount>"
        )
        error = _failure(parse_xml(counted.encode()), rendered)
        assert error.key == "facturae.batch_count"
        assert error.params == {"declared": int(declared), "found": 2}


def test_a_second_invoice_is_425_before_anything_inside_it_is_read(
    sample_text: Callable[[str], str], rendered: Callable[..., Any]
) -> None:
    """The batch is what is wrong: a bad date (431) or a missing element inside the second invoice
    must not hide it."""
    text = _with_second_invoice(sample_text(DFB))
    last = text.rindex("<IssueDate>2022-05-11</IssueDate>")
    for broken in ("<IssueDate>11/05/2022</IssueDate>", "<IssueDate/>"):
        bad = text[:last] + broken + text[last + len("<IssueDate>2022-05-11</IssueDate>") :]
        error = _failure(parse_xml(bad.encode()), rendered)
        assert error.key == "facturae.batch_count" and error.params == {"declared": 1, "found": 2}


def test_invoices_count_not_matching_the_invoices_is_rejected(mutate: Callable[..., Any]) -> None:
    error = _failure(mutate(DFB, ("<InvoicesCount>1</InvoicesCount>", "<InvoicesCount>2</InvoicesCount>")))
    assert error.key == "facturae.batch_count"
    assert error.params == {"declared": 2, "found": 1}


def test_batch_modality_is_rejected(mutate: Callable[..., Any], rendered: Callable[..., Any]) -> None:
    error = _failure(mutate(DFB, ("<Modality>I</Modality>", "<Modality>L</Modality>")), rendered)
    assert error.key == "facturae.modality"


# --- 416 / 417: administrative centres -----------------------------------------------------------


def test_missing_centre_is_rejected(mutate: Callable[..., Any], rendered: Callable[..., Any]) -> None:
    error = _failure(
        mutate(DFB, ("<RoleTypeCode>03</RoleTypeCode>", "<RoleTypeCode>05</RoleTypeCode>")), rendered
    )
    assert error.key == "facturae.centres_count"
    assert error.params["found"] == "01×1, 02×1, 03×0, 04×0 (+1 ≠ 01-04)"


def test_repeated_role_is_rejected(mutate: Callable[..., Any]) -> None:
    error = _failure(mutate(DFB, ("<RoleTypeCode>02</RoleTypeCode>", "<RoleTypeCode>01</RoleTypeCode>")))
    assert error.key == "facturae.centres_count"
    assert error.params["found"].startswith("01×2, 02×0, 03×1")


def _extra_centre(role: str, code: str) -> str:
    return (
        f"<AdministrativeCentre><CentreCode>{code}</CentreCode><RoleTypeCode>{role}</RoleTypeCode>"
        "<AddressInSpain><Address>A</Address><PostCode>48014</PostCode><Town>BILBAO</Town>"
        "<Province>BIZKAIA</Province><CountryCode>ESP</CountryCode></AddressInSpain>"
        "</AdministrativeCentre>"
    )


def test_one_proposing_body_is_accepted_two_are_not(
    mutate: Callable[..., Any], schema_validator: SchemaValidator
) -> None:
    one = mutate(DFB, ("</AdministrativeCentres>", _extra_centre("04", "PROP1") + "</AdministrativeCentres>"))
    schema_validator.validate(one)
    document = read_invoice(one)
    check_invoice(document)
    assert dict(document.centres) == {"01": "DFB0", "02": "020110", "03": "0201", "04": "PROP1"}
    two = mutate(
        DFB,
        (
            "</AdministrativeCentres>",
            _extra_centre("04", "PROP1") + _extra_centre("04", "PROP2") + "</AdministrativeCentres>",
        ),
    )
    assert _failure(two).key == "facturae.centres_count"


def test_centres_with_other_roles_are_ignored(mutate: Callable[..., Any]) -> None:
    document = read_invoice(
        mutate(
            DFB, ("</AdministrativeCentres>", _extra_centre("05", "COBRADOR") + "</AdministrativeCentres>")
        )
    )
    check_invoice(document)
    assert "05" not in document.centres


@pytest.mark.parametrize("replacement", ["", "<CentreCode></CentreCode>", "<CentreCode>  </CentreCode>"])
def test_centre_without_code_is_rejected(
    replacement: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(mutate(DFB, ("<CentreCode>0201</CentreCode>", replacement)), rendered)
    assert error.key == "facturae.centre_without_code"
    assert error.params["role"] == "03"
    assert error.params["path"].endswith("/AdministrativeCentres/AdministrativeCentre[3]")
    assert isinstance(error.params["line"], int)


# --- 447: issuer tax id ------------------------------------------------------------------------

NIF_FAWNO = "<TaxIdentificationNumber>12345678Z</TaxIdentificationNumber>"
NIF_DFB = "<TaxIdentificationNumber>G48200422</TaxIdentificationNumber>"


def test_bad_nif_check_letter_is_rejected(mutate: Callable[..., Any], rendered: Callable[..., Any]) -> None:
    error = _failure(
        mutate(FAWNO_PRUEBA, (NIF_FAWNO, "<TaxIdentificationNumber>12345678A</TaxIdentificationNumber>")),
        rendered,
    )
    assert error.key == "facturae.issuer_tax_id_check"
    assert error.params == {"tax_id": "12345678A", "expected": "Z", "found": "A"}


def test_bad_cif_control_is_rejected(mutate: Callable[..., Any]) -> None:
    error = _failure(mutate(DFB, (NIF_DFB, "<TaxIdentificationNumber>G48200423</TaxIdentificationNumber>")))
    assert error.key == "facturae.issuer_tax_id_check"
    assert error.params == {"tax_id": "G48200423", "expected": "2 / B", "found": "3"}


@pytest.mark.parametrize("bad", ["G4820042", "123456789", "I48200422", "", "ES"])
def test_malformed_issuer_tax_id_is_rejected(
    bad: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(
        mutate(DFB, (NIF_DFB, f"<TaxIdentificationNumber>{bad}</TaxIdentificationNumber>")), rendered
    )
    assert error.key == "facturae.issuer_tax_id"
    assert error.params == {"tax_id": bad}


@pytest.mark.parametrize("good", ["ESG48200422", "G-48200422", "X1234567L", "K1234567L"])
def test_other_well_formed_spanish_ids_are_accepted(good: str, mutate: Callable[..., Any]) -> None:
    check_invoice(
        read_invoice(mutate(DFB, (NIF_DFB, f"<TaxIdentificationNumber>{good}</TaxIdentificationNumber>")))
    )


@pytest.mark.parametrize("residence", ["E", "U"])
def test_foreign_issuer_is_not_held_to_spanish_formats(
    residence: str, sample_text: Callable[[str], str]
) -> None:
    text = sample_text(DFB)
    seller_start = text.index("<SellerParty>")
    seller_end = text.index("</SellerParty>")
    seller = text[seller_start:seller_end]
    foreign = seller.replace(
        "<ResidenceTypeCode>R</ResidenceTypeCode>", f"<ResidenceTypeCode>{residence}</ResidenceTypeCode>"
    )
    foreign = foreign.replace("G48200422", "FR40303265045")
    tree = parse_xml((text[:seller_start] + foreign + text[seller_end:]).encode())
    document = read_invoice(tree)
    assert document.seller.tax_id == "FR40303265045"
    check_invoice(document)
    assert document.duplicate_key.issuer_tax_id == "FR40303265045"


# --- 445 / 446: invoice number, line descriptions ------------------------------------------------

NUMBER = "<InvoiceNumber>256623570</InvoiceNumber>"


@pytest.mark.parametrize(
    "replacement", ["<InvoiceNumber></InvoiceNumber>", "<InvoiceNumber> \n </InvoiceNumber>", ""]
)
def test_missing_invoice_number_is_rejected(
    replacement: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(mutate(DFB, (NUMBER, replacement)), rendered)
    assert error.key == "facturae.invoice_number_missing"
    assert error.params["path"] == "/Facturae/Invoices/Invoice/InvoiceHeader/InvoiceNumber"


@pytest.mark.parametrize(
    "replacement", ["<ItemDescription></ItemDescription>", "<ItemDescription>\t</ItemDescription>", ""]
)
def test_empty_line_description_is_rejected(
    replacement: str, mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(
        mutate(DFB, ("<ItemDescription>Concepto Genérico</ItemDescription>", replacement)), rendered
    )
    assert error.key == "facturae.line_description_missing"
    assert error.params["line_number"] == 1
    assert error.params["path"] == "/Facturae/Invoices/Invoice/Items/InvoiceLine"


def test_second_line_without_description_is_named(sample_text: Callable[[str], str]) -> None:
    text = sample_text("aapp2face-sample-factura-firmada-32v1.xsig")
    document = read_invoice(parse_xml(text.replace("<ItemDescription>Mate</ItemDescription>", "").encode()))
    with pytest.raises(InvalidInput) as caught:
        check_line_descriptions(document.invoice)
    assert caught.value.params["line_number"] == 2
    assert caught.value.params["path"].endswith("/Items/InvoiceLine[2]")


# --- 426: IBAN for the payment means -------------------------------------------------------------

IBAN = "<IBAN>ES9120950000771005126354</IBAN>"


def test_transfer_without_iban_is_rejected(
    mutate: Callable[..., Any], schema_validator: SchemaValidator, rendered: Callable[..., Any]
) -> None:
    tree = mutate(DFB, (IBAN, "<AccountNumber>20950000771005126354</AccountNumber>"))
    schema_validator.validate(tree)  # schema-valid: only the rule catches it
    error = _failure(tree, rendered)
    assert error.key == "facturae.iban_required"
    assert (error.params["means"], error.params["account"]) == ("04", "AccountToBeCredited")
    assert error.params["path"] == "/Facturae/Invoices/Invoice/PaymentDetails/Installment"
    spanish, english = rendered(error)
    assert "transferencia" in spanish and "credit transfer" in english


def test_transfer_without_any_account_is_rejected(mutate: Callable[..., Any]) -> None:
    start = "<AccountToBeCredited>"
    end = "<BranchCode>0000</BranchCode>\n\t\t\t\t\t</AccountToBeCredited>"
    tree = mutate(DFB, (start, "<!--"), (end, "-->"))
    assert _failure(tree).key == "facturae.iban_required"


def test_direct_debit_needs_the_account_to_be_debited(mutate: Callable[..., Any]) -> None:
    means = ("<PaymentMeans>04</PaymentMeans>", "<PaymentMeans>02</PaymentMeans>")
    error = _failure(mutate(DFB, means))
    assert (error.params["means"], error.params["account"]) == ("02", "AccountToBeDebited")
    debited = "</AccountToBeCredited>\n\t\t\t\t</Installment>"
    fixed = mutate(
        DFB,
        means,
        (
            debited,
            "</AccountToBeCredited><AccountToBeDebited>" + IBAN + "</AccountToBeDebited></Installment>",
        ),
    )
    check_invoice(read_invoice(fixed))


def test_cash_needs_no_iban(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        ("<PaymentMeans>04</PaymentMeans>", "<PaymentMeans>01</PaymentMeans>"),
        (IBAN, "<AccountNumber>20950000771005126354</AccountNumber>"),
    )
    check_invoice(read_invoice(tree))


# --- 408: totals -------------------------------------------------------------------------------

TAX_OUTPUTS = "<TotalTaxOutputs>10.77</TotalTaxOutputs>"


def test_totals_within_one_cent_pass(mutate: Callable[..., Any]) -> None:
    check_invoice(read_invoice(mutate(DFB, (TAX_OUTPUTS, "<TotalTaxOutputs>10.78</TotalTaxOutputs>"))))


def test_totals_off_by_two_cents_are_rejected(
    mutate: Callable[..., Any], rendered: Callable[..., Any]
) -> None:
    error = _failure(mutate(DFB, (TAX_OUTPUTS, "<TotalTaxOutputs>10.79</TotalTaxOutputs>")), rendered)
    assert error.key == "facturae.totals_mismatch"
    assert error.params["field"] == "/Facturae/Invoices/Invoice/InvoiceTotals/TotalTaxOutputs"
    assert (error.params["expected"], error.params["found"], error.params["difference"]) == (
        "10.77",
        "10.79",
        "0.02",
    )
    spanish, english = rendered(error)
    assert "TotalTaxOutputs" in spanish and "0.02" in spanish and "10.79" in english


def test_totals_off_by_five_euros_are_rejected(mutate: Callable[..., Any]) -> None:
    error = _failure(
        mutate(DFB, ("<InvoiceTotal>62.07</InvoiceTotal>", "<InvoiceTotal>67.07</InvoiceTotal>"))
    )
    assert error.params["field"].endswith("/InvoiceTotals/InvoiceTotal")
    assert (error.params["expected"], error.params["found"], error.params["difference"]) == (
        "62.07",
        "67.07",
        "5.00",
    )
    assert "TotalGrossAmountBeforeTaxes" in error.params["formula"]


def test_line_gross_amount_is_recomputed(mutate: Callable[..., Any]) -> None:
    error = _failure(
        mutate(DFB, ("<GrossAmount>51.300000</GrossAmount>", "<GrossAmount>51.400000</GrossAmount>"))
    )
    assert error.params["field"] == "/Facturae/Invoices/Invoice/Items/InvoiceLine/GrossAmount"
    assert (error.params["expected"], error.params["found"], error.params["difference"]) == (
        "51.30",
        "51.40",
        "0.10",
    )


def test_batch_totals_are_recomputed(mutate: Callable[..., Any]) -> None:
    tree = mutate(
        DFB,
        (
            "<TotalInvoicesAmount>\n\t\t\t\t<TotalAmount>62.07</TotalAmount>",
            "<TotalInvoicesAmount><TotalAmount>62.09</TotalAmount>",
        ),
    )
    error = _failure(tree)
    assert error.params["field"] == "/Facturae/FileHeader/Batch/TotalInvoicesAmount/TotalAmount"
    assert error.params["difference"] == "0.02"


def test_general_discount_total_is_recomputed(mutate: Callable[..., Any]) -> None:
    error = _failure(
        mutate(
            FAWNO_PRUEBA,
            (
                "<TotalGeneralDiscounts>48.48</TotalGeneralDiscounts>",
                "<TotalGeneralDiscounts>48.50</TotalGeneralDiscounts>",
            ),
        )
    )
    assert error.params["field"].endswith("/TotalGeneralDiscounts")
    assert (error.params["expected"], error.params["found"]) == ("48.48", "48.50")


def test_executable_amount_accounts_for_amounts_withheld(mutate: Callable[..., Any]) -> None:
    withheld = (
        "<TotalOutstandingAmount>62.07</TotalOutstandingAmount>\n\t\t\t\t<TotalExecutableAmount>62.07</TotalExecutableAmount>",
        "<TotalOutstandingAmount>62.07</TotalOutstandingAmount><AmountsWithheld><WithholdingReason>Garantía"
        "</WithholdingReason><WithholdingAmount>2.07</WithholdingAmount></AmountsWithheld>"
        "<TotalExecutableAmount>60.00</TotalExecutableAmount>",
    )
    batch = (
        "<TotalExecutableAmount>\n\t\t\t\t<TotalAmount>62.07</TotalAmount>",
        "<TotalExecutableAmount><TotalAmount>60.00</TotalAmount>",
    )
    check_invoice(read_invoice(mutate(DFB, withheld, batch)))
    error = _failure(mutate(DFB, withheld))
    assert error.params["field"] == "/Facturae/FileHeader/Batch/TotalExecutableAmount/TotalAmount"


# --- order of the rules ---------------------------------------------------------------------------


def test_rules_fail_in_the_documented_order(mutate: Callable[..., Any]) -> None:
    broken = [
        ("<InvoicesCount>1</InvoicesCount>", "<InvoicesCount>3</InvoicesCount>"),
        ("<RoleTypeCode>03</RoleTypeCode>", "<RoleTypeCode>07</RoleTypeCode>"),
        (NIF_DFB, "<TaxIdentificationNumber>G48200423</TaxIdentificationNumber>"),
        (NUMBER, "<InvoiceNumber/>"),
        ("<ItemDescription>Concepto Genérico</ItemDescription>", ""),
        (IBAN, ""),
        (TAX_OUTPUTS, "<TotalTaxOutputs>99.99</TotalTaxOutputs>"),
    ]
    expected = [
        "facturae.batch_count",
        "facturae.centres_count",
        "facturae.issuer_tax_id_check",
        "facturae.invoice_number_missing",
        "facturae.line_description_missing",
        "facturae.iban_required",
        "facturae.totals_mismatch",
    ]
    for first in range(len(broken)):
        assert _failure(mutate(DFB, *broken[first:])).key == expected[first]


def test_every_error_key_is_in_the_face_code_table() -> None:
    documented = set(
        re.findall(r"^(facturae\.[a-z_]+)\s+(?:\d{3}|—)\s", messages.__doc__ or "", re.MULTILINE)
    )
    assert documented == set(messages.MESSAGES)
    for texts in messages.MESSAGES.values():
        assert set(texts) == {"es", "en"}
