"""Read a parsed Facturae 3.2 / 3.2.1 / 3.2.2 document into :class:`FacturaeDocument`.

The tree must come from the hardened parser (``facturahub.signatures.xml.parse_xml``). Every
value is read through :mod:`facturahub.facturae.values`, so a value split by a comment or
processing instruction is rejected (security rule X4), amounts are Decimals and dates are dates.
The reader does not apply the intake rules; :func:`facturahub.facturae.rules.check_invoice` does.

An element read for several values is wrapped once in :class:`~facturahub.facturae.values.Children`,
which indexes its children by name. Values are read in a fixed order and each lookup raises its own
error when it is made, so the first error reported for a document is always the same one.
"""

from __future__ import annotations

from lxml import etree

from facturahub.errors import InvalidInput
from facturahub.facturae.model import (
    Address,
    AdministrativeCentre,
    Batch,
    FacturaeDocument,
    Installment,
    Invoice,
    InvoiceLine,
    InvoiceTotals,
    Party,
    Tax,
)
from facturahub.facturae.rules import check_invoice_count
from facturahub.facturae.values import Children, indexed_paths, path_below, path_of, reject_split_values
from facturahub.facturae.versions import detect_version, root_of


def read_invoice(tree: etree._ElementTree | etree._Element) -> FacturaeDocument:
    """Read the whole document (header, parties, its one invoice) or raise ``InvalidInput``; a
    batch that does not declare and hold exactly one invoice is refused (425) before the invoices
    are read."""
    root = root_of(tree)
    version = detect_version(root)
    reject_split_values(root)
    # Every element below is found by Children.child, which refuses a repeated name, so its path
    # has no [index] and can be spelt out instead of computed with path_of.
    root_path = path_of(root)
    top = Children(root)
    header = top.required_below("FileHeader")
    schema_version_element = header.required_element("SchemaVersion")
    schema_version = header.required_text("SchemaVersion")
    if schema_version != version.value:
        raise InvalidInput(
            "facturae.version_mismatch",
            namespace_version=version.value,
            schema_version=schema_version,
            line=schema_version_element.sourceline,
        )
    parties = top.required_below("Parties")
    third_party = header.child("ThirdParty")
    top.required_element("Invoices")  # missing: reported before anything else is read
    parties_path = f"{root_path}/Parties"
    batch = _batch(header.required_below("Batch"))
    invoices = _with_paths(top, root_path, "Invoices", "Invoice")
    check_invoice_count(batch.invoices_count, len(invoices))
    return FacturaeDocument(
        version=version,
        schema_version=schema_version,
        modality=header.optional_text("Modality"),
        issuer_type=header.optional_text("InvoiceIssuerType"),
        batch=batch,
        seller=_party(parties.required_element("SellerParty"), f"{parties_path}/SellerParty"),
        buyer=_party(parties.required_element("BuyerParty"), f"{parties_path}/BuyerParty"),
        third_party=(
            _party(third_party, f"{root_path}/FileHeader/ThirdParty") if third_party is not None else None
        ),
        invoices=tuple(_invoice(element, path) for element, path in invoices),
    )


def _with_paths(
    parent: Children, parent_path: str, name: str, inner: str
) -> list[tuple[etree._Element, str]]:
    """The ``inner`` elements in ``parent``'s only child ``name``, each with its path."""
    elements = parent.all_in(name, inner)
    return list(zip(elements, indexed_paths(f"{parent_path}/{name}", inner, len(elements)), strict=True))


def _batch(batch: Children) -> Batch:
    return Batch(
        identifier=batch.required_text("BatchIdentifier"),
        invoices_count=batch.required_integer("InvoicesCount"),
        total_invoices_amount=batch.required_decimal("TotalInvoicesAmount", "TotalAmount"),
        total_outstanding_amount=batch.required_decimal("TotalOutstandingAmount", "TotalAmount"),
        total_executable_amount=batch.required_decimal("TotalExecutableAmount", "TotalAmount"),
        currency=batch.optional_text("InvoiceCurrencyCode"),
    )


def _address(holder: Children) -> Address | None:
    spain = holder.below("AddressInSpain")
    if spain.element is not None:
        return Address(
            in_spain=True,
            address=spain.optional_text("Address"),
            post_code=spain.optional_text("PostCode"),
            town=spain.optional_text("Town"),
            province=spain.optional_text("Province"),
            country_code=spain.optional_text("CountryCode"),
        )
    overseas = holder.below("OverseasAddress")
    if overseas.element is not None:
        return Address(
            in_spain=False,
            address=overseas.optional_text("Address"),
            post_code=overseas.optional_text("PostCodeAndTown"),
            town=None,
            province=overseas.optional_text("Province"),
            country_code=overseas.optional_text("CountryCode"),
        )
    return None


def _centre(element: etree._Element, path: str) -> AdministrativeCentre:
    centre = Children(element)
    return AdministrativeCentre(
        code=centre.optional_text("CentreCode"),
        role=centre.optional_text("RoleTypeCode"),
        name=centre.optional_text("Name"),
        first_surname=centre.optional_text("FirstSurname"),
        second_surname=centre.optional_text("SecondSurname"),
        description=centre.optional_text("CentreDescription"),
        address=_address(centre),
        path=path,
        line=element.sourceline,
    )


def _party(element: etree._Element, path: str) -> Party:
    party = Children(element)
    identification = party.required_below("TaxIdentification")
    legal = party.below("LegalEntity")
    individual = party.below("Individual")
    person = legal if legal.element is not None else individual
    centres = _with_paths(party, path, "AdministrativeCentres", "AdministrativeCentre")
    return Party(
        tax_id=identification.optional_text("TaxIdentificationNumber") or "",
        person_type=identification.required_text("PersonTypeCode"),
        residence_type=identification.required_text("ResidenceTypeCode"),
        corporate_name=legal.optional_text("CorporateName"),
        trade_name=legal.optional_text("TradeName"),
        name=individual.optional_text("Name"),
        first_surname=individual.optional_text("FirstSurname"),
        second_surname=individual.optional_text("SecondSurname"),
        address=_address(person) if person.element is not None else None,
        centres=tuple(_centre(centre, centre_path) for centre, centre_path in centres),
    )


def _tax(element: etree._Element) -> Tax:
    tax = Children(element)
    return Tax(
        type_code=tax.optional_text("TaxTypeCode"),
        rate=tax.optional_decimal("TaxRate"),
        taxable_base=tax.optional_decimal("TaxableBase", "TotalAmount"),
        amount=tax.optional_decimal("TaxAmount", "TotalAmount"),
        surcharge_rate=tax.optional_decimal("EquivalenceSurcharge"),
        surcharge_amount=tax.optional_decimal("EquivalenceSurchargeAmount", "TotalAmount"),
    )


def _taxes(holder: Children, name: str) -> tuple[Tax, ...]:
    return tuple([_tax(tax) for tax in holder.all_in(name, "Tax")])


def _line(element: etree._Element, path: str) -> InvoiceLine:
    line = Children(element)
    return InvoiceLine(
        description=line.optional_text("ItemDescription"),
        quantity=line.optional_double("Quantity"),
        unit_price=line.optional_decimal("UnitPriceWithoutTax"),
        total_cost=line.optional_decimal("TotalCost"),
        discounts=line.decimals_at("DiscountsAndRebates", "Discount", "DiscountAmount"),
        charges=line.decimals_at("Charges", "Charge", "ChargeAmount"),
        gross_amount=line.optional_decimal("GrossAmount"),
        taxes_outputs=_taxes(line, "TaxesOutputs"),
        taxes_withheld=_taxes(line, "TaxesWithheld"),
        path=path,
        line=element.sourceline,
    )


def _installment(element: etree._Element, path: str) -> Installment:
    installment = Children(element)
    return Installment(
        due_date=installment.optional_date("InstallmentDueDate"),
        amount=installment.optional_decimal("InstallmentAmount"),
        payment_means=installment.optional_text("PaymentMeans"),
        credited_iban=installment.optional_text("AccountToBeCredited", "IBAN"),
        debited_iban=installment.optional_text("AccountToBeDebited", "IBAN"),
        path=path,
        line=element.sourceline,
    )


def _totals(totals: Children, path: str) -> InvoiceTotals:
    return InvoiceTotals(
        gross_amount=totals.required_decimal("TotalGrossAmount"),
        general_discounts=totals.decimals_at("GeneralDiscounts", "Discount", "DiscountAmount"),
        general_surcharges=totals.decimals_at("GeneralSurcharges", "Charge", "ChargeAmount"),
        total_general_discounts=totals.optional_decimal("TotalGeneralDiscounts"),
        total_general_surcharges=totals.optional_decimal("TotalGeneralSurcharges"),
        gross_amount_before_taxes=totals.required_decimal("TotalGrossAmountBeforeTaxes"),
        tax_outputs=totals.required_decimal("TotalTaxOutputs"),
        taxes_withheld=totals.required_decimal("TotalTaxesWithheld"),
        invoice_total=totals.required_decimal("InvoiceTotal"),
        subsidies=totals.decimals_at("Subsidies", "Subsidy", "SubsidyAmount"),
        payments_on_account=totals.decimals_at(
            "PaymentsOnAccount", "PaymentOnAccount", "PaymentOnAccountAmount"
        ),
        total_payments_on_account=totals.optional_decimal("TotalPaymentsOnAccount"),
        reimbursable_expenses=totals.decimals_at(
            "ReimbursableExpenses", "ReimbursableExpenses", "ReimbursableExpensesAmount"
        ),
        total_reimbursable_expenses=totals.optional_decimal("TotalReimbursableExpenses"),
        total_financial_expenses=totals.optional_decimal("TotalFinancialExpenses"),
        amounts_withheld=totals.decimals_at("AmountsWithheld", "WithholdingAmount"),
        payments_in_kind=totals.decimals_at("PaymentInKind", "PaymentInKindAmount"),
        outstanding_amount=totals.required_decimal("TotalOutstandingAmount"),
        executable_amount=totals.required_decimal("TotalExecutableAmount"),
        path=path,
    )


def _invoice(element: etree._Element, path: str) -> Invoice:
    invoice = Children(element)
    header = invoice.below("InvoiceHeader")
    issue_data = invoice.required_below("InvoiceIssueData")
    issue_date = issue_data.optional_date("IssueDate")
    if issue_date is None:
        raise InvalidInput("facturae.element_missing", path=path_below(issue_data.element, "IssueDate"))
    return Invoice(
        number=header.optional_text("InvoiceNumber"),
        series=header.optional_text("InvoiceSeriesCode"),
        document_type=header.optional_text("InvoiceDocumentType"),
        invoice_class=header.optional_text("InvoiceClass"),
        issue_date=issue_date,
        currency=issue_data.optional_text("InvoiceCurrencyCode"),
        tax_currency=issue_data.optional_text("TaxCurrencyCode"),
        taxes_outputs=_taxes(invoice, "TaxesOutputs"),
        taxes_withheld=_taxes(invoice, "TaxesWithheld"),
        totals=_totals(invoice.required_below("InvoiceTotals"), f"{path}/InvoiceTotals"),
        lines=tuple(
            _line(line, line_path) for line, line_path in _with_paths(invoice, path, "Items", "InvoiceLine")
        ),
        installments=tuple(
            _installment(installment, installment_path)
            for installment, installment_path in _with_paths(invoice, path, "PaymentDetails", "Installment")
        ),
        path=path,
        line=element.sourceline,
    )
