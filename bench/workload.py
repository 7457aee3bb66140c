"""Realistic invoices for the benchmarks: a real Facturae sample grown to N lines (about 30 KB with
22 lines) with consistent totals and a unique number, then signed with XAdES-EPES."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

SAMPLE = "fawno-unsigned-factura_dfb.xml"
LINE_GROSS, LINE_TAX = Decimal("51.30"), Decimal("10.77")
_LINE = re.compile(rb"(\s*<InvoiceLine>.*?</InvoiceLine>)", re.DOTALL)


def grown_invoice(shared_data: Path, lines: int, number: str) -> bytes:
    """The DFB sample with ``lines`` copies of its line, totals recomputed, and ``number``."""
    template = (shared_data / "facturae" / "samples" / SAMPLE).read_bytes()
    match = _LINE.search(template)
    if match is None:
        raise ValueError("the sample has no InvoiceLine")
    head, line, tail = template[: match.start()], match.group(1), template[match.end() :]
    gross, tax = LINE_GROSS * lines, LINE_TAX * lines
    total = gross + tax
    replacements = {
        b"51.30": f"{gross:.2f}".encode(),
        b"10.77": f"{tax:.2f}".encode(),
        b"62.07": f"{total:.2f}".encode(),
    }
    for old, new in replacements.items():
        head, tail = head.replace(old, new), tail.replace(old, new)
    body = head + line * lines + tail
    return body.replace(
        b"<InvoiceNumber>256623570</InvoiceNumber>", f"<InvoiceNumber>{number}</InvoiceNumber>".encode()
    )
