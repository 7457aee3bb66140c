"""Check that every registered invoice still has its bytes: ``facturahub blobs verify``.

Every invoice file and attachment an invoice references is read back from the blob store and
checked against its SHA-256. What is missing or damaged is reported by registry number, so that
the operator knows which invoices to restore from a backup before a registry asks for them (a
download of such an invoice is refused, naming it: :mod:`facturahub.services.reception`).
Invoices are read in pages of :data:`PAGE` by id, so the check runs in constant memory on any
number of invoices, and may run while the hub serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from facturahub.services.blob_binding import refuse_foreign
from facturahub.store.blobs import BlobCorrupt, BlobNotFound, LocalBlobStore
from facturahub.store.database import Database
from facturahub.store.models import Invoice, InvoiceAttachment

PAGE = 500


@dataclass(frozen=True)
class Damage:
    """One file an invoice references that cannot be read back as it was registered."""

    registry_number: str
    file: str  # "invoice" or "attachment N"
    name: str
    sha256: str
    problem: str  # "missing" or "damaged"


@dataclass
class Verification:
    invoices: int = 0
    files: int = 0
    bytes: int = 0
    damage: list[Damage] = field(default_factory=list)


def verify_blobs(database: Database, blobs: LocalBlobStore) -> Verification:
    refuse_foreign(database, blobs)  # another database's directory: every file would be "missing"
    done = Verification()
    after = 0
    while True:
        with database.reading() as session:
            page = list(
                session.execute(
                    select(Invoice.id, Invoice.registry_number, Invoice.file_name, Invoice.blob_sha256)
                    .where(Invoice.id > after)
                    .order_by(Invoice.id)
                    .limit(PAGE)
                )
            )
            if not page:
                return done
            attachments = session.execute(
                select(
                    InvoiceAttachment.invoice_id,
                    InvoiceAttachment.position,
                    InvoiceAttachment.name,
                    InvoiceAttachment.blob_sha256,
                )
                .where(InvoiceAttachment.invoice_id.in_([row.id for row in page]))
                .order_by(InvoiceAttachment.invoice_id, InvoiceAttachment.position)
            )
            by_invoice: dict[int, list[tuple[str, str, str]]] = {}
            for invoice_id, position, name, digest in attachments:
                by_invoice.setdefault(invoice_id, []).append((f"attachment {position}", name, digest))
        for row in page:
            done.invoices += 1
            for file, name, digest in [
                ("invoice", row.file_name, row.blob_sha256),
                *by_invoice.get(row.id, []),
            ]:
                done.files += 1
                problem = _problem(blobs, done, digest)
                if problem is not None:
                    done.damage.append(Damage(row.registry_number, file, name, digest, problem))
        after = page[-1].id


def _problem(blobs: LocalBlobStore, done: Verification, sha256: str) -> str | None:
    """``missing``, ``damaged``, or None when the file reads back as registered."""
    try:
        done.bytes += len(blobs.get(sha256))
    except BlobNotFound:
        return "missing"
    except BlobCorrupt:
        return "damaged"
    return None
