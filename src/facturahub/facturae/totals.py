"""Recompute a Facturae document's totals with Decimal and compare them with the stated ones.

The formulas are the ones the Facturae schemas document for each total. Each total is recomputed
from the *stated* values of its operands (which are checked themselves, earlier), so the first
mismatch reported is the field that is actually wrong:

* line ``GrossAmount`` = ``TotalCost`` − Σ ``DiscountAmount`` + Σ ``ChargeAmount``
* ``TotalGrossAmount`` = Σ line ``GrossAmount``
* ``TotalGeneralDiscounts`` / ``TotalGeneralSurcharges`` = Σ general discounts / surcharges
* ``TotalGrossAmountBeforeTaxes`` = ``TotalGrossAmount`` − ``TotalGeneralDiscounts`` +
  ``TotalGeneralSurcharges``
* ``TotalTaxOutputs`` = Σ ``TaxesOutputs/Tax`` (``TaxAmount`` + ``EquivalenceSurchargeAmount``)
* ``TotalTaxesWithheld`` = Σ ``TaxesWithheld/Tax/TaxAmount``
* ``InvoiceTotal`` = ``TotalGrossAmountBeforeTaxes`` + ``TotalTaxOutputs`` − ``TotalTaxesWithheld``
* ``TotalPaymentsOnAccount`` = Σ ``PaymentOnAccountAmount``;
  ``TotalReimbursableExpenses`` = Σ ``ReimbursableExpensesAmount``
* ``TotalOutstandingAmount`` = ``InvoiceTotal`` − Σ ``SubsidyAmount`` − ``TotalPaymentsOnAccount``
* ``TotalExecutableAmount`` = ``TotalOutstandingAmount`` − Σ ``WithholdingAmount`` −
  Σ ``PaymentInKindAmount`` + ``TotalReimbursableExpenses`` + ``TotalFinancialExpenses``
* batch ``TotalInvoicesAmount`` / ``TotalOutstandingAmount`` / ``TotalExecutableAmount`` = Σ of
  the invoices' ``InvoiceTotal`` / ``TotalOutstandingAmount`` / ``TotalExecutableAmount``

Tolerance: each stated total may differ from its recomputation by at most ``tolerance`` (0.01 by
default: one cent per summed amount, i.e. per total checked). FACe's own test invoice states
``TotalTaxOutputs`` 279.24 where its taxes add up to 279.25, and is accepted. Line-level taxes
are informative only (the schemas say so) and are not checked; neither is ``Quantity`` ×
``UnitPriceWithoutTax`` (a product, not a sum: its rounding grows with the quantity).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from facturahub.errors import InvalidInput
from facturahub.facturae.model import FacturaeDocument, Invoice

DEFAULT_TOLERANCE = Decimal("0.01")
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_BATCH = "/Facturae/FileHeader/Batch"


@dataclass(frozen=True)
class TotalCheck:
    """One stated total and what its formula gives."""

    field: str
    stated: Decimal
    recomputed: Decimal
    formula: str

    @property
    def difference(self) -> Decimal:
        return self.stated - self.recomputed


# What a TotalCheck holds, as a plain tuple for speed: field, stated, recomputed, formula. A stated
# None is an optional total the invoice leaves out: it counts as 0, and when its operands do not
# add up to 0 the refusal says it is missing rather than "is 0.00".
_Check = tuple[str, Decimal | None, Decimal, str]


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    return sum((value for value in values if value is not None), _ZERO)


def _or_zero(value: Decimal | None) -> Decimal:
    return _ZERO if value is None else value


def _invoice_checks(invoice: Invoice) -> Iterator[_Check]:
    for line in invoice.lines:
        if line.gross_amount is not None and line.total_cost is not None:
            yield (
                f"{line.path}/GrossAmount",
                line.gross_amount,
                line.total_cost - sum(line.discounts, _ZERO) + sum(line.charges, _ZERO),
                "TotalCost − Σ DiscountAmount + Σ ChargeAmount",
            )
    totals = invoice.totals
    at = totals.path
    yield (
        f"{at}/TotalGrossAmount",
        totals.gross_amount,
        _sum(line.gross_amount for line in invoice.lines),
        "Σ InvoiceLine/GrossAmount",
    )
    if totals.general_discounts or totals.total_general_discounts is not None:
        yield (
            f"{at}/TotalGeneralDiscounts",
            totals.total_general_discounts,
            _sum(totals.general_discounts),
            "Σ GeneralDiscounts/Discount/DiscountAmount",
        )
    if totals.general_surcharges or totals.total_general_surcharges is not None:
        yield (
            f"{at}/TotalGeneralSurcharges",
            totals.total_general_surcharges,
            _sum(totals.general_surcharges),
            "Σ GeneralSurcharges/Charge/ChargeAmount",
        )
    yield (
        f"{at}/TotalGrossAmountBeforeTaxes",
        totals.gross_amount_before_taxes,
        totals.gross_amount
        - _or_zero(totals.total_general_discounts)
        + _or_zero(totals.total_general_surcharges),
        "TotalGrossAmount − TotalGeneralDiscounts + TotalGeneralSurcharges",
    )
    yield (
        f"{at}/TotalTaxOutputs",
        totals.tax_outputs,
        _sum(tax.amount for tax in invoice.taxes_outputs)
        + _sum(tax.surcharge_amount for tax in invoice.taxes_outputs),
        "Σ TaxesOutputs/Tax (TaxAmount + EquivalenceSurchargeAmount)",
    )
    yield (
        f"{at}/TotalTaxesWithheld",
        totals.taxes_withheld,
        _sum(tax.amount for tax in invoice.taxes_withheld),
        "Σ TaxesWithheld/Tax/TaxAmount",
    )
    yield (
        f"{at}/InvoiceTotal",
        totals.invoice_total,
        totals.gross_amount_before_taxes + totals.tax_outputs - totals.taxes_withheld,
        "TotalGrossAmountBeforeTaxes + TotalTaxOutputs − TotalTaxesWithheld",
    )
    if totals.payments_on_account or totals.total_payments_on_account is not None:
        yield (
            f"{at}/TotalPaymentsOnAccount",
            totals.total_payments_on_account,
            _sum(totals.payments_on_account),
            "Σ PaymentOnAccount/PaymentOnAccountAmount",
        )
    if totals.reimbursable_expenses or totals.total_reimbursable_expenses is not None:
        yield (
            f"{at}/TotalReimbursableExpenses",
            totals.total_reimbursable_expenses,
            _sum(totals.reimbursable_expenses),
            "Σ ReimbursableExpenses/ReimbursableExpensesAmount",
        )
    yield (
        f"{at}/TotalOutstandingAmount",
        totals.outstanding_amount,
        totals.invoice_total - _sum(totals.subsidies) - _or_zero(totals.total_payments_on_account),
        "InvoiceTotal − Σ SubsidyAmount − TotalPaymentsOnAccount",
    )
    yield (
        f"{at}/TotalExecutableAmount",
        totals.executable_amount,
        totals.outstanding_amount
        - _sum(totals.amounts_withheld)
        - _sum(totals.payments_in_kind)
        + _or_zero(totals.total_reimbursable_expenses)
        + _or_zero(totals.total_financial_expenses),
        "TotalOutstandingAmount − Σ WithholdingAmount − Σ PaymentInKindAmount"
        " + TotalReimbursableExpenses + TotalFinancialExpenses",
    )


def total_checks(document: FacturaeDocument) -> Iterator[TotalCheck]:
    """Every total of every invoice, then the batch totals, in document order."""
    for field, stated, recomputed, formula in _checks(document):
        yield TotalCheck(field, _or_zero(stated), recomputed, formula)


def _checks(document: FacturaeDocument) -> Iterator[_Check]:
    for invoice in document.invoices:
        yield from _invoice_checks(invoice)
    batch = document.batch
    yield (
        f"{_BATCH}/TotalInvoicesAmount/TotalAmount",
        batch.total_invoices_amount,
        _sum(invoice.totals.invoice_total for invoice in document.invoices),
        "Σ InvoiceTotals/InvoiceTotal",
    )
    yield (
        f"{_BATCH}/TotalOutstandingAmount/TotalAmount",
        batch.total_outstanding_amount,
        _sum(invoice.totals.outstanding_amount for invoice in document.invoices),
        "Σ InvoiceTotals/TotalOutstandingAmount",
    )
    yield (
        f"{_BATCH}/TotalExecutableAmount/TotalAmount",
        batch.total_executable_amount,
        _sum(invoice.totals.executable_amount for invoice in document.invoices),
        "Σ InvoiceTotals/TotalExecutableAmount",
    )


def show_amount(value: Decimal) -> str:
    """Plain notation, at least two decimals, no exponent (``0E-8`` shows as ``0.00``)."""
    if value == value.quantize(_CENT, rounding=decimal.ROUND_HALF_EVEN):
        return f"{value.quantize(_CENT):f}"
    return f"{value.normalize():f}"


def check_totals(document: FacturaeDocument, tolerance: Decimal = DEFAULT_TOLERANCE) -> None:
    """Raise ``facturae.totals_mismatch`` for the first total off by more than ``tolerance``."""
    with decimal.localcontext() as context:
        context.prec = 60  # exact for any amount the schemas allow
        for field, written, recomputed, formula in _checks(document):
            stated = _or_zero(written)
            difference = stated - recomputed  # as TotalCheck.difference
            if abs(difference) > tolerance and written is None:
                raise InvalidInput(
                    "facturae.total_missing", field=field, formula=formula, expected=show_amount(recomputed)
                )
            if abs(difference) > tolerance:
                raise InvalidInput(
                    "facturae.totals_mismatch",
                    field=field,
                    formula=formula,
                    expected=show_amount(recomputed),
                    found=show_amount(stated),
                    difference=show_amount(difference),
                    tolerance=show_amount(tolerance),
                )
