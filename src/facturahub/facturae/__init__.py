"""Reading and checking Facturae 3.2 / 3.2.1 / 3.2.2 invoices. Pure: no web, DB or job framework.

Typical intake (``protocols.md`` §6, steps 3 and 5), on a tree from the hardened parser::

    tree = parse_xml(data)                      # facturahub.signatures.xml
    version = detect_version(tree)              # 430
    validator.validate(tree)                    # optional, SchemaValidator(schema_dir): 408
    ...                                         # XAdES verification (signatures/): 428/440
    document = read_invoice(tree)               # 408/431, X4
    check_invoice(document)                     # 425, 419, 416, 417, 447, 445, 446, 426, 408
    document.centres                            # {"01": OC, "02": OG, "03": UT[, "04": ...]}: DIR3
    document.duplicate_key                      # issuer, series, number, issue date: 414/415

Errors are :class:`facturahub.errors.InvalidInput` with ``facturae.*`` keys; the table mapping them
to FACe result codes is in :mod:`facturahub.facturae.messages`.
"""

from facturahub.facturae import messages as _messages  # noqa: F401  (registers the catalog)
from facturahub.facturae.model import (
    Address,
    AdministrativeCentre,
    Batch,
    CentreRole,
    DuplicateKey,
    FacturaeDocument,
    Installment,
    Invoice,
    InvoiceLine,
    InvoiceTotals,
    Party,
    Tax,
)
from facturahub.facturae.reader import read_invoice
from facturahub.facturae.rules import check_content, check_invoice, check_structure
from facturahub.facturae.schema import SchemaValidator
from facturahub.facturae.totals import DEFAULT_TOLERANCE, TotalCheck, check_totals, total_checks
from facturahub.facturae.versions import FacturaeVersion, detect_version

__all__ = [
    "DEFAULT_TOLERANCE",
    "Address",
    "AdministrativeCentre",
    "Batch",
    "CentreRole",
    "DuplicateKey",
    "FacturaeDocument",
    "FacturaeVersion",
    "Installment",
    "Invoice",
    "InvoiceLine",
    "InvoiceTotals",
    "Party",
    "SchemaValidator",
    "Tax",
    "TotalCheck",
    "check_content",
    "check_invoice",
    "check_structure",
    "check_totals",
    "detect_version",
    "read_invoice",
    "total_checks",
]
