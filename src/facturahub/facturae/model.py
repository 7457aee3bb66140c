"""What a Facturae document says, as frozen values. Money is :class:`~decimal.Decimal`.

Fields the intake rules check (invoice number, line descriptions, centre codes, IBANs) are optional
here so that :func:`facturahub.facturae.check_invoice` can reject them with their own error; fields
the document cannot be read without are required by the reader (``facturae.element_missing``).
Each ``path``/``line`` names where the element was in the document, for precise errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from facturahub.domain.tax_ids import issuer_tax_id
from facturahub.errors import InvalidInput
from facturahub.facturae.versions import FacturaeVersion


class CentreRole(StrEnum):
    """``RoleTypeCode`` of an administrative centre, as FACe uses them."""

    ACCOUNTING_OFFICE = "01"  # oficina contable (OC)
    MANAGING_BODY = "02"  # órgano gestor (OG)
    PROCESSING_UNIT = "03"  # unidad tramitadora (UT)
    PROPOSING_BODY = "04"  # órgano proponente (optional)


@dataclass(frozen=True)
class Address:
    in_spain: bool
    address: str | None
    post_code: str | None  # PostCode in Spain; PostCodeAndTown overseas
    town: str | None
    province: str | None
    country_code: str | None


@dataclass(frozen=True)
class AdministrativeCentre:
    code: str | None
    role: str | None
    name: str | None
    first_surname: str | None
    second_surname: str | None
    description: str | None
    address: Address | None
    path: str
    line: int | None


@dataclass(frozen=True)
class Party:
    tax_id: str
    person_type: str  # F (física, individual) or J (jurídica, legal entity)
    residence_type: str  # R resident in Spain, U resident in the EU, E foreign
    corporate_name: str | None  # LegalEntity
    trade_name: str | None
    name: str | None  # Individual
    first_surname: str | None
    second_surname: str | None
    address: Address | None
    centres: tuple[AdministrativeCentre, ...]

    @property
    def is_resident(self) -> bool:
        return self.residence_type == "R"

    @property
    def display_name(self) -> str:
        if self.corporate_name:
            return self.corporate_name
        names = (self.name, self.first_surname, self.second_surname)
        return " ".join(part for part in names if part)


@dataclass(frozen=True)
class Batch:
    identifier: str
    invoices_count: int
    total_invoices_amount: Decimal
    total_outstanding_amount: Decimal
    total_executable_amount: Decimal
    currency: str | None


@dataclass(frozen=True)
class Tax:
    type_code: str | None
    rate: Decimal | None
    taxable_base: Decimal | None
    amount: Decimal | None
    surcharge_rate: Decimal | None  # EquivalenceSurcharge
    surcharge_amount: Decimal | None  # EquivalenceSurchargeAmount


@dataclass(frozen=True)
class InvoiceLine:
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    total_cost: Decimal | None
    discounts: tuple[Decimal, ...]
    charges: tuple[Decimal, ...]
    gross_amount: Decimal | None
    taxes_outputs: tuple[Tax, ...]
    taxes_withheld: tuple[Tax, ...]
    path: str
    line: int | None


@dataclass(frozen=True)
class Installment:
    due_date: date | None
    amount: Decimal | None
    payment_means: str | None
    credited_iban: str | None  # AccountToBeCredited/IBAN
    debited_iban: str | None  # AccountToBeDebited/IBAN
    path: str
    line: int | None


@dataclass(frozen=True)
class InvoiceTotals:
    gross_amount: Decimal
    general_discounts: tuple[Decimal, ...]
    general_surcharges: tuple[Decimal, ...]
    total_general_discounts: Decimal | None
    total_general_surcharges: Decimal | None
    gross_amount_before_taxes: Decimal
    tax_outputs: Decimal
    taxes_withheld: Decimal
    invoice_total: Decimal
    subsidies: tuple[Decimal, ...]
    payments_on_account: tuple[Decimal, ...]
    total_payments_on_account: Decimal | None
    reimbursable_expenses: tuple[Decimal, ...]
    total_reimbursable_expenses: Decimal | None
    total_financial_expenses: Decimal | None
    amounts_withheld: tuple[Decimal, ...]
    payments_in_kind: tuple[Decimal, ...]
    outstanding_amount: Decimal
    executable_amount: Decimal
    path: str


@dataclass(frozen=True)
class Invoice:
    number: str | None
    series: str | None
    document_type: str | None  # FC complete, FA simplified, AF self-invoice
    invoice_class: str | None  # OO original, OR corrective, ...
    issue_date: date
    currency: str | None
    tax_currency: str | None
    taxes_outputs: tuple[Tax, ...]
    taxes_withheld: tuple[Tax, ...]
    totals: InvoiceTotals
    lines: tuple[InvoiceLine, ...]
    installments: tuple[Installment, ...]
    path: str
    line: int | None


@dataclass(frozen=True)
class DuplicateKey:
    """What makes an invoice unique (FACe 415): issuer, series, number and issue date.

    ``issuer_tax_id`` is upper-case without spaces (and without an ``ES`` prefix for Spanish
    ids); ``series`` is "" when the invoice has none.
    """

    issuer_tax_id: str
    series: str
    number: str
    issue_date: date

    @property
    def number_key(self) -> str:
        """Issuer, series and number as one string (414), each part prefixed by its length: a
        delimiter alone is ambiguous (series ``A|B`` number ``7`` against series ``A`` number
        ``B|7``); with the lengths, different keys are always different strings."""
        return "|".join(f"{len(part)}:{part}" for part in (self.issuer_tax_id, self.series, self.number))

    @property
    def exact_key(self) -> str:
        """The number key and the issue date (415)."""
        return f"{self.number_key}|{self.issue_date.isoformat()}"


@dataclass(frozen=True)
class FacturaeDocument:
    version: FacturaeVersion
    schema_version: str
    modality: str | None  # I individual, L batch
    issuer_type: str | None  # EM seller, RE buyer, TE third party
    batch: Batch
    seller: Party
    buyer: Party
    third_party: Party | None
    invoices: tuple[Invoice, ...]

    @property
    def invoice(self) -> Invoice:
        """The first invoice (the only one, once :func:`check_invoice` has passed)."""
        if not self.invoices:
            raise InvalidInput("facturae.batch_count", declared=self.batch.invoices_count, found=0)
        return self.invoices[0]

    @property
    def centres(self) -> Mapping[str, str]:
        """The buyer's centre codes by role (``"01"`` → code …), for the caller's DIR3 checks.

        Only roles 01-04 with a code are included; where a role repeats (which
        :func:`check_invoice` rejects) the first centre wins.
        """
        codes: dict[str, str] = {}
        wanted = {role.value for role in CentreRole}
        for centre in self.buyer.centres:
            if centre.role in wanted and centre.code and centre.role not in codes:
                codes[centre.role] = centre.code
        return MappingProxyType(codes)

    @property
    def duplicate_key(self) -> DuplicateKey:
        """Issuer tax id, series, number and issue date of the (first) invoice."""
        invoice = self.invoice
        return DuplicateKey(
            issuer_tax_id=normalised_tax_id(self.seller),
            series=invoice.series or "",
            number=invoice.number or "",
            issue_date=invoice.issue_date,
        )


def normalised_tax_id(party: Party) -> str:
    """The party's tax id as stored and looked up (:func:`tax_ids.issuer_tax_id`)."""
    return issuer_tax_id(party.tax_id)
