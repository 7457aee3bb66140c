"""Read a parsed Facturae 3.2 / 3.2.1 / 3.2.2 document into :class:`FacturaeDocument`.

The tree must come from the hardened parser (``facturahub.signatures.xml.parse_xml``). Every
value is read through :mod:`facturahub.facturae.values`, so a value split by a comment or
processing instruction is rejected (security rule X4), amounts are Decimals and dates are dates.
The reader does not apply the intake rules; :func:`facturahub.facturae.rules.check_invoice` does.
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
from facturahub.facturae.values import (
    child,
    children,
    decimals_at,
    indexed_paths,
    optional_date,
    optional_decimal,
    optional_text,
    path_below,
    path_of,
    reject_split_values,
    required_decimal,
    required_element,
    required_integer,
    required_text,
)
from facturahub.facturae.versions import detect_version, root_of


def read_invoice(tree: etree._ElementTree | etree._Element) -> FacturaeDocument:
    """Read the whole document (header, parties, every invoice) or raise ``InvalidInput``."""
    root = root_of(tree)
    version = detect_version(root)
    reject_split_values(root)
    header = required_element(root, "FileHeader")
    schema_version_element = required_element(header, "SchemaVersion")
    schema_version = required_text(header, "SchemaVersion")
    if schema_version != version.value:
        raise InvalidInput(
            "facturae.version_mismatch",
            namespace_version=version.value,
            schema_version=schema_version,
            line=schema_version_element.sourceline,
        )
    parties = required_element(root, "Parties")
    third_party = child(header, "ThirdParty")
    invoices = required_element(root, "Invoices")
    return FacturaeDocument(
        version=version,
        schema_version=schema_version,
        modality=optional_text(header, "Modality"),
        issuer_type=optional_text(header, "InvoiceIssuerType"),
        batch=_batch(required_element(header, "Batch")),
        seller=_party(required_element(parties, "SellerParty")),
        buyer=_party(required_element(parties, "BuyerParty")),
        third_party=_party(third_party) if third_party is not None else None,
        invoices=tuple(
            _invoice(element, path) for element, path in _with_paths(invoices, path_of(invoices), "Invoice")
        ),
    )


def _with_paths(
    parent: etree._Element | None, parent_path: str, name: str
) -> list[tuple[etree._Element, str]]:
    elements = children(parent, name)
    return list(zip(elements, indexed_paths(parent_path, name, len(elements)), strict=True))


def _batch(batch: etree._Element) -> Batch:
    return Batch(
        identifier=required_text(batch, "BatchIdentifier"),
        invoices_count=required_integer(batch, "InvoicesCount"),
        total_invoices_amount=required_decimal(required_element(batch, "TotalInvoicesAmount"), "TotalAmount"),
        total_outstanding_amount=required_decimal(
            required_element(batch, "TotalOutstandingAmount"), "TotalAmount"
        ),
        total_executable_amount=required_decimal(
            required_element(batch, "TotalExecutableAmount"), "TotalAmount"
        ),
        currency=optional_text(batch, "InvoiceCurrencyCode"),
    )


def _address(holder: etree._Element) -> Address | None:
    spain = child(holder, "AddressInSpain")
    if spain is not None:
        return Address(
            in_spain=True,
            address=optional_text(spain, "Address"),
            post_code=optional_text(spain, "PostCode"),
            town=optional_text(spain, "Town"),
            province=optional_text(spain, "Province"),
            country_code=optional_text(spain, "CountryCode"),
        )
    overseas = child(holder, "OverseasAddress")
    if overseas is not None:
        return Address(
            in_spain=False,
            address=optional_text(overseas, "Address"),
            post_code=optional_text(overseas, "PostCodeAndTown"),
            town=None,
            province=optional_text(overseas, "Province"),
            country_code=optional_text(overseas, "CountryCode"),
        )
    return None


def _centre(centre: etree._Element, path: str) -> AdministrativeCentre:
    return AdministrativeCentre(
        code=optional_text(centre, "CentreCode"),
        role=optional_text(centre, "RoleTypeCode"),
        name=optional_text(centre, "Name"),
        first_surname=optional_text(centre, "FirstSurname"),
        second_surname=optional_text(centre, "SecondSurname"),
        description=optional_text(centre, "CentreDescription"),
        address=_address(centre),
        path=path,
        line=centre.sourceline,
    )


def _party(party: etree._Element) -> Party:
    identification = required_element(party, "TaxIdentification")
    legal = child(party, "LegalEntity")
    individual = child(party, "Individual")
    person = legal if legal is not None else individual
    centres_path = path_of(party) + "/AdministrativeCentres"
    centres = _with_paths(child(party, "AdministrativeCentres"), centres_path, "AdministrativeCentre")
    return Party(
        tax_id=optional_text(identification, "TaxIdentificationNumber") or "",
        person_type=required_text(identification, "PersonTypeCode"),
        residence_type=required_text(identification, "ResidenceTypeCode"),
        corporate_name=optional_text(legal, "CorporateName"),
        trade_name=optional_text(legal, "TradeName"),
        name=optional_text(individual, "Name"),
        first_surname=optional_text(individual, "FirstSurname"),
        second_surname=optional_text(individual, "SecondSurname"),
        address=_address(person) if person is not None else None,
        centres=tuple(_centre(centre, path) for centre, path in centres),
    )


def _tax(tax: etree._Element) -> Tax:
    return Tax(
        type_code=optional_text(tax, "TaxTypeCode"),
        rate=optional_decimal(tax, "TaxRate"),
        taxable_base=optional_decimal(child(tax, "TaxableBase"), "TotalAmount"),
        amount=optional_decimal(child(tax, "TaxAmount"), "TotalAmount"),
        surcharge_rate=optional_decimal(tax, "EquivalenceSurcharge"),
        surcharge_amount=optional_decimal(child(tax, "EquivalenceSurchargeAmount"), "TotalAmount"),
    )


def _taxes(holder: etree._Element, name: str) -> tuple[Tax, ...]:
    return tuple(_tax(tax) for tax in children(child(holder, name), "Tax"))


def _line(line: etree._Element, path: str) -> InvoiceLine:
    return InvoiceLine(
        description=optional_text(line, "ItemDescription"),
        quantity=optional_decimal(line, "Quantity"),
        unit_price=optional_decimal(line, "UnitPriceWithoutTax"),
        total_cost=optional_decimal(line, "TotalCost"),
        discounts=decimals_at(line, "DiscountsAndRebates", "Discount", "DiscountAmount"),
        charges=decimals_at(line, "Charges", "Charge", "ChargeAmount"),
        gross_amount=optional_decimal(line, "GrossAmount"),
        taxes_outputs=_taxes(line, "TaxesOutputs"),
        taxes_withheld=_taxes(line, "TaxesWithheld"),
        path=path,
        line=line.sourceline,
    )


def _installment(installment: etree._Element, path: str) -> Installment:
    return Installment(
        due_date=optional_date(installment, "InstallmentDueDate"),
        amount=optional_decimal(installment, "InstallmentAmount"),
        payment_means=optional_text(installment, "PaymentMeans"),
        credited_iban=optional_text(child(installment, "AccountToBeCredited"), "IBAN"),
        debited_iban=optional_text(child(installment, "AccountToBeDebited"), "IBAN"),
        path=path,
        line=installment.sourceline,
    )


def _totals(totals: etree._Element, path: str) -> InvoiceTotals:
    return InvoiceTotals(
        gross_amount=required_decimal(totals, "TotalGrossAmount"),
        general_discounts=decimals_at(totals, "GeneralDiscounts", "Discount", "DiscountAmount"),
        general_surcharges=decimals_at(totals, "GeneralSurcharges", "Charge", "ChargeAmount"),
        total_general_discounts=optional_decimal(totals, "TotalGeneralDiscounts"),
        total_general_surcharges=optional_decimal(totals, "TotalGeneralSurcharges"),
        gross_amount_before_taxes=required_decimal(totals, "TotalGrossAmountBeforeTaxes"),
        tax_outputs=required_decimal(totals, "TotalTaxOutputs"),
        taxes_withheld=required_decimal(totals, "TotalTaxesWithheld"),
        invoice_total=required_decimal(totals, "InvoiceTotal"),
        subsidies=decimals_at(totals, "Subsidies", "Subsidy", "SubsidyAmount"),
        payments_on_account=decimals_at(
            totals, "PaymentsOnAccount", "PaymentOnAccount", "PaymentOnAccountAmount"
        ),
        total_payments_on_account=optional_decimal(totals, "TotalPaymentsOnAccount"),
        reimbursable_expenses=decimals_at(
            totals, "ReimbursableExpenses", "ReimbursableExpenses", "ReimbursableExpensesAmount"
        ),
        total_reimbursable_expenses=optional_decimal(totals, "TotalReimbursableExpenses"),
        total_financial_expenses=optional_decimal(totals, "TotalFinancialExpenses"),
        amounts_withheld=decimals_at(totals, "AmountsWithheld", "WithholdingAmount"),
        payments_in_kind=decimals_at(totals, "PaymentInKind", "PaymentInKindAmount"),
        outstanding_amount=required_decimal(totals, "TotalOutstandingAmount"),
        executable_amount=required_decimal(totals, "TotalExecutableAmount"),
        path=path,
    )


def _invoice(invoice: etree._Element, path: str) -> Invoice:
    header = child(invoice, "InvoiceHeader")
    issue_data = required_element(invoice, "InvoiceIssueData")
    issue_date = optional_date(issue_data, "IssueDate")
    if issue_date is None:
        raise InvalidInput("facturae.element_missing", path=path_below(issue_data, "IssueDate"))
    return Invoice(
        number=optional_text(header, "InvoiceNumber"),
        series=optional_text(header, "InvoiceSeriesCode"),
        document_type=optional_text(header, "InvoiceDocumentType"),
        invoice_class=optional_text(header, "InvoiceClass"),
        issue_date=issue_date,
        currency=optional_text(issue_data, "InvoiceCurrencyCode"),
        tax_currency=optional_text(issue_data, "TaxCurrencyCode"),
        taxes_outputs=_taxes(invoice, "TaxesOutputs"),
        taxes_withheld=_taxes(invoice, "TaxesWithheld"),
        totals=_totals(required_element(invoice, "InvoiceTotals"), f"{path}/InvoiceTotals"),
        lines=tuple(
            _line(line, line_path)
            for line, line_path in _with_paths(child(invoice, "Items"), f"{path}/Items", "InvoiceLine")
        ),
        installments=tuple(
            _installment(installment, installment_path)
            for installment, installment_path in _with_paths(
                child(invoice, "PaymentDetails"), f"{path}/PaymentDetails", "Installment"
            )
        ),
        path=path,
        line=invoice.sourceline,
    )
