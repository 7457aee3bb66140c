"""The content rules of Facturae intake (``protocols.md`` §6.5), applied in order.

:func:`check_invoice` raises the first failing rule as ``InvalidInput``. Intake runs it in two
parts, :func:`check_structure` (1-2) and :func:`check_content` (3-7), because §6 puts the DIR3
check of the centres (409-413, in the database) between them:

1. batch of exactly one invoice: ``InvoicesCount`` = 1 and one ``Invoice`` element (425), and
   ``Modality`` ``I`` (419);
2. the buyer's administrative centres: exactly one each with roles 01 (oficina contable),
   02 (órgano gestor), 03 (unidad tramitadora), at most one 04 (órgano proponente) (416); centres
   with other roles are ignored; each 01-04 centre has a ``CentreCode`` (417). Whether the codes
   exist, are active and are related in DIR3 is the caller's check (409-413), on
   :attr:`FacturaeDocument.centres`;
3. the issuer's (``SellerParty``) tax id is a well-formed Spanish NIF/NIE/CIF with the right
   check character (447) — when the seller is resident (``ResidenceTypeCode`` R); foreign
   issuers (E, U) are not held to Spanish formats. An ``ES`` prefix is accepted;
4. ``InvoiceNumber`` present and not blank (445);
5. every line has an ``ItemDescription`` (446);
6. the IBAN the payment means needs (426): ``PaymentMeans`` 04 (transfer) needs
   ``AccountToBeCredited/IBAN``, 02 (direct debit, "recibo domiciliado") needs
   ``AccountToBeDebited/IBAN`` — the accounts the Facturae schema makes mandatory for those means
   and the two FACe enforces; an ``AccountNumber`` does not stand in for the IBAN;
7. totals recomputed with Decimal (408), see :mod:`facturahub.facturae.totals`.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from facturahub.domain.tax_ids import ISSUER_TAX_ID, classify, expected_check
from facturahub.errors import InvalidInput
from facturahub.facturae.model import CentreRole, FacturaeDocument, Invoice, normalised_tax_id
from facturahub.facturae.totals import DEFAULT_TOLERANCE, check_totals

_REQUIRED_ROLES = (CentreRole.ACCOUNTING_OFFICE, CentreRole.MANAGING_BODY, CentreRole.PROCESSING_UNIT)
_ROLES = {role.value for role in CentreRole}

# PaymentMeans → (account element whose IBAN is required, Spanish name, English name)
IBAN_REQUIRED_FOR = {
    "02": ("AccountToBeDebited", "recibo domiciliado", "direct debit"),
    "04": ("AccountToBeCredited", "transferencia", "credit transfer"),
}


def check_invoice(document: FacturaeDocument, *, tolerance: Decimal = DEFAULT_TOLERANCE) -> None:
    """Apply the intake content rules in order; raise the first that fails."""
    check_structure(document)
    check_content(document, tolerance=tolerance)


def check_structure(document: FacturaeDocument) -> None:
    """Rules 1-2: what the directory check (409-413) needs — one invoice and its centres."""
    check_batch(document)
    check_centres(document)


def check_content(document: FacturaeDocument, *, tolerance: Decimal = DEFAULT_TOLERANCE) -> None:
    """Rules 3-7, which §6 orders after the directory check."""
    check_issuer_tax_id(document)
    invoice = document.invoice
    check_invoice_number(invoice)
    check_line_descriptions(invoice)
    check_iban(invoice)
    check_totals(document, tolerance)


def check_batch(document: FacturaeDocument) -> None:
    check_invoice_count(document.batch.invoices_count, len(document.invoices))
    if document.modality is not None and document.modality != "I":
        raise InvalidInput("facturae.modality", modality=document.modality)


def check_invoice_count(declared: int, found: int) -> None:
    """A batch of exactly one invoice (425). The reader applies it before it reads the invoices, so
    that an error inside a second invoice (a date, 431) is not reported before the batch's."""
    if declared != 1 or found != 1:
        raise InvalidInput("facturae.batch_count", declared=declared, found=found)


def check_centres(document: FacturaeDocument) -> None:
    centres = [centre for centre in document.buyer.centres if centre.role in _ROLES]
    counts = Counter(centre.role for centre in centres)
    if any(counts[role.value] != 1 for role in _REQUIRED_ROLES) or counts[CentreRole.PROPOSING_BODY] > 1:
        found = ", ".join(f"{role.value}×{counts[role.value]}" for role in CentreRole)
        ignored = len(document.buyer.centres) - len(centres)
        if ignored:
            found += f" (+{ignored} ≠ 01-04)"
        raise InvalidInput("facturae.centres_count", found=found)
    for centre in centres:
        if not centre.code:
            raise InvalidInput(
                "facturae.centre_without_code", role=centre.role, path=centre.path, line=centre.line
            )


def check_issuer_tax_id(document: FacturaeDocument) -> None:
    seller = document.seller
    tax_id = normalised_tax_id(seller)
    if not seller.is_resident:
        # any tax id of the issuer's country, but one its status downloads can name
        if not ISSUER_TAX_ID.fullmatch(tax_id):
            raise InvalidInput("facturae.issuer_tax_id_characters", tax_id=seller.tax_id)
        return
    kind = classify(tax_id)
    if kind is None:
        raise InvalidInput("facturae.issuer_tax_id", tax_id=seller.tax_id)
    expected = expected_check(tax_id, kind)
    if tax_id[-1] not in expected:
        raise InvalidInput(
            "facturae.issuer_tax_id_check",
            tax_id=seller.tax_id,
            expected=" / ".join(sorted(expected)),
            found=tax_id[-1],
        )


def check_invoice_number(invoice: Invoice) -> None:
    if not invoice.number:
        raise InvalidInput(
            "facturae.invoice_number_missing", path=f"{invoice.path}/InvoiceHeader/InvoiceNumber"
        )


def check_line_descriptions(invoice: Invoice) -> None:
    for number, line in enumerate(invoice.lines, start=1):
        if not line.description:
            raise InvalidInput(
                "facturae.line_description_missing", line_number=number, path=line.path, line=line.line
            )


def check_iban(invoice: Invoice) -> None:
    for installment in invoice.installments:
        rule = IBAN_REQUIRED_FOR.get(installment.payment_means or "")
        if rule is None:
            continue
        account, name_es, name_en = rule
        iban = installment.credited_iban if account == "AccountToBeCredited" else installment.debited_iban
        if not iban:
            raise InvalidInput(
                "facturae.iban_required",
                means=installment.payment_means,
                means_es=name_es,
                means_en=name_en,
                account=account,
                path=installment.path,
                line=installment.line,
            )
