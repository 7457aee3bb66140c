"""eFACT's status downloads for an issuer (protocols.md §3; ``ws-proveedores-SOAP.md`` §5): the
pending index (``solicitudDescargasEstados``), one status document (``peticionDescargasEstados``,
``opcionMarcado`` S|N) and the confirmation (``confirmacionDescargasEstados``). The SOAP operations
sit on top of these three use cases; the documents themselves are built in
:mod:`facturahub.services.status_documents`.

Visibility: a caller sees a status document only when it belongs to the issuer named **and** to an
invoice its own platform submitted. Anything else — unknown, another issuer's, another platform's
— is the same ``status_download.not_found``, so existence is never revealed.

Downloaded documents: eFACT's index lists only documents "pendientes de descarga", and the
download (method 2) is made "tantas veces como índices de descargas se obtuvieran en el primer
método"; a document already marked "Descargado" is not served again
(``status_download.already_downloaded``). Confirming (method 3) is "opcional" after a download
with ``opcionMarcado`` S, so confirming an already-downloaded document succeeds and keeps the first
``downloaded_at``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.domain.local_time import DEFAULT_ZONE
from facturahub.domain.tax_ids import ISSUER_TAX_ID, classify, expected_check, issuer_tax_id
from facturahub.errors import Conflict, FacturahubError, InvalidInput, NotFound
from facturahub.i18n import register_messages
from facturahub.services.lookup import CallerIdentity
from facturahub.services.status_documents import (
    IndexEntry,
    StatusFeedback,
    build_feedback_zip,
    build_index_zip,
    peek,
)
from facturahub.store.models import Invoice, InvoiceEvent, StatusDocument

MAX_INPUT = 64  # longer identifiers are refused before any processing
MAX_DOC_ID = 2**31 - 1  # status_documents.id is a 32-bit integer on PostgreSQL
INDEX_BATCH = 1000
_DOC_ID = re.compile(r"[0-9]{1,19}")


def normalise_issuer(value: str | None) -> str:
    """The issuer tax id as invoices store it (upper case, no spaces, dots, dashes or slashes, no
    ``ES`` prefix on a Spanish id), or a precise ``status_download.issuer_*`` error. Non-resident
    issuers' ids are stored as written (a Mexican RFC may hold ``Ñ`` or ``&``), so letters and
    digits of any script and ``&``, 2 to 32 of them, are one; a wrong Spanish check character is
    :func:`issuer_check_error`, reported only when the id finds nothing (a Cypriot id can look
    like a DNI)."""
    raw = value or ""
    if len(raw) > MAX_INPUT:
        raise InvalidInput("status_download.issuer_invalid", value=_echo(raw))
    text = issuer_tax_id(raw)
    if not text:
        raise InvalidInput("status_download.issuer_required")
    if not ISSUER_TAX_ID.fullmatch(text):
        raise InvalidInput("status_download.issuer_invalid", value=_echo(raw))
    return text


def issuer_check_error(issuer: str, raw: str | None) -> InvalidInput | None:
    """For a Spanish-shaped ``issuer`` (normalised) whose check character is wrong, the error
    that says so; otherwise None."""
    kind = classify(issuer)
    if kind is None:
        return None
    expected = expected_check(issuer, kind)
    if issuer[-1] in expected:
        return None
    return InvalidInput(
        "status_download.issuer_check",
        value=_echo(raw or ""),
        expected="/".join(sorted(expected)),
        found=issuer[-1],
    )


def _nothing_for(issuer: str, raw: str | None, error: FacturahubError) -> FacturahubError:
    """What to answer when ``issuer`` finds nothing: its wrong check character when it has one
    (the likely cause), else ``error``."""
    return issuer_check_error(issuer, raw) or error


def parse_mark_option(value: str | None) -> bool:
    """eFACT's ``opcionMarcado``: ``S`` marks the document downloaded, ``N`` does not."""
    text = (value or "").strip().upper()
    if text == "S":
        return True
    if text == "N":
        return False
    raise InvalidInput("status_download.mark_option_invalid", value=_echo(value or ""))


def pending_index(
    session: Session,
    caller: CallerIdentity,
    issuer_tax_id: str,
    now: datetime | None = None,
    *,
    zone: tzinfo = DEFAULT_ZONE,
) -> bytes:
    """The ZIP (one ``DocumentList-<issuer>.xml``) of the issuer's pending status documents that
    the caller may see, oldest first. One query on the (issuer, downloaded_at) index, streamed."""
    issuer = normalise_issuer(issuer_tax_id)
    moment = now or datetime.now(UTC)
    statement = _pending_statement(issuer, caller.platform_id).execution_options(yield_per=INDEX_BATCH)
    result = session.execute(statement)
    try:
        entries = peek(_index_entries(issuer, result))
        if entries is None:
            raise _nothing_for(issuer, issuer_tax_id, NotFound("status_download.none_pending", issuer=issuer))
        return build_index_zip(issuer, entries, moment, zone)
    finally:
        result.close()


def download(
    session: Session,
    caller: CallerIdentity,
    issuer_tax_id: str,
    doc_id: str | int,
    mark_downloaded: bool,
    now: datetime | None = None,
    *,
    zone: tzinfo = DEFAULT_ZONE,
) -> bytes:
    """The ZIP (one ``<DocId>.xml``) of one pending status document as a ``DeliveryFeedback``;
    ``mark_downloaded`` (``opcionMarcado`` S) marks it downloaded in the same transaction."""
    issuer = normalise_issuer(issuer_tax_id)
    number = _parse_doc_id(doc_id, issuer)
    moment = now or datetime.now(UTC)
    row = session.execute(
        select(
            StatusDocument.downloaded_at,
            Invoice.id,
            Invoice.registry_number,
            Invoice.received_at,
            Invoice.number,
            Invoice.issuer_tax_id,
            Invoice.buyer_tax_id,
            Invoice.processing_unit_code,
            Invoice.issue_date,
            Invoice.status_code,
            Invoice.rcf_code,
            InvoiceEvent.id,
            InvoiceEvent.flow,
            InvoiceEvent.code,
            InvoiceEvent.at,
            InvoiceEvent.reason,
        )
        .join(Invoice, Invoice.id == StatusDocument.invoice_id)
        .join(InvoiceEvent, InvoiceEvent.id == StatusDocument.event_id)
        .where(*_visible(number, issuer, caller))
    ).one_or_none()
    if row is None:
        raise _nothing_for(
            issuer, issuer_tax_id, NotFound("status_download.not_found", doc_id=number, issuer=issuer)
        )
    (
        downloaded_at,
        invoice_id,
        registry_number,
        received_at,
        invoice_number,
        supplier,
        buyer,
        processing_unit,
        issue_date,
        current_status,
        rcf_code,
        event_id,
        flow_value,
        code,
        at,
        reason,
    ) = row
    if downloaded_at is not None:
        raise _already_downloaded(number, downloaded_at, zone)
    flow = lifecycle.Flow(flow_value)
    processing = code if flow is lifecycle.Flow.PROCESSING else None
    if processing is None:
        processing = session.scalar(
            select(InvoiceEvent.code)
            .where(
                InvoiceEvent.invoice_id == invoice_id,
                InvoiceEvent.flow == lifecycle.Flow.PROCESSING.value,
                InvoiceEvent.id < event_id,
            )
            .order_by(InvoiceEvent.id.desc())
            .limit(1)
        )
    feedback = StatusFeedback(
        doc_id=number,
        registry_number=registry_number,
        registered_at=received_at,
        number=invoice_number,
        supplier_tax_id=supplier,
        buyer_tax_id=buyer,
        buyer_dept=processing_unit,
        issue_date=issue_date,
        flow=flow,
        code=code,
        at=at,
        reason=reason,
        processing_code=processing or current_status,
        rcf_code=rcf_code,
    )
    document = build_feedback_zip(feedback, moment, zone)
    if mark_downloaded and not _mark(session, number, moment):
        # Marked by a concurrent request since we read it: that one served it.
        marked = session.scalar(select(StatusDocument.downloaded_at).where(StatusDocument.id == number))
        raise _already_downloaded(number, marked or moment, zone)
    return document


def confirm(
    session: Session,
    caller: CallerIdentity,
    issuer_tax_id: str,
    doc_id: str | int,
    now: datetime | None = None,
) -> None:
    """Mark one status document downloaded. Idempotent: confirming it again (or after a download
    with ``opcionMarcado`` S) succeeds and keeps the first time."""
    issuer = normalise_issuer(issuer_tax_id)
    number = _parse_doc_id(doc_id, issuer)
    visible = session.execute(
        select(StatusDocument.id, StatusDocument.downloaded_at)
        .join(Invoice, Invoice.id == StatusDocument.invoice_id)
        .where(*_visible(number, issuer, caller))
    ).one_or_none()
    if visible is None:
        raise _nothing_for(
            issuer, issuer_tax_id, NotFound("status_download.not_found", doc_id=number, issuer=issuer)
        )
    if visible.downloaded_at is None:
        _mark(session, number, now or datetime.now(UTC))


def _pending_statement(issuer: str, platform_id: int) -> Select[int, datetime, str, str, str, str]:
    return (
        select(
            StatusDocument.id,
            StatusDocument.created_at,
            Invoice.buyer_tax_id,
            Invoice.processing_unit_code,
            Invoice.number,
            Invoice.issue_date,
        )
        .join(Invoice, Invoice.id == StatusDocument.invoice_id)
        .where(
            StatusDocument.issuer_tax_id == issuer,
            StatusDocument.downloaded_at.is_(None),
            Invoice.platform_id == platform_id,
        )
        .order_by(StatusDocument.id)
    )


def _index_entries(issuer: str, rows: Any) -> Iterator[IndexEntry]:
    for doc_id, created_at, buyer, processing_unit, number, issue_date in rows:
        yield IndexEntry(
            doc_id=doc_id,
            processing_date=created_at,
            supplier_tax_id=issuer,
            buyer_tax_id=buyer,
            buyer_dept=processing_unit,
            number=number,
            issue_date=issue_date,
        )


def _visible(doc_id: int, issuer: str, caller: CallerIdentity) -> tuple[Any, ...]:
    return (
        StatusDocument.id == doc_id,
        StatusDocument.issuer_tax_id == issuer,
        Invoice.platform_id == caller.platform_id,
    )


def _mark(session: Session, doc_id: int, moment: datetime) -> bool:
    """Set ``downloaded_at`` unless already set; True when this call set it."""
    result = session.execute(
        update(StatusDocument)
        .where(StatusDocument.id == doc_id, StatusDocument.downloaded_at.is_(None))
        .values(downloaded_at=moment)
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount == 1


def _parse_doc_id(value: str | int | None, issuer: str) -> int:
    if isinstance(value, bool):
        raise InvalidInput("status_download.doc_id_invalid", value=str(value))
    if isinstance(value, int):
        text = str(value)
    else:
        raw = value or ""
        if len(raw) > MAX_INPUT:
            raise InvalidInput("status_download.doc_id_invalid", value=_echo(raw))
        text = raw.strip()
        if not text:
            raise InvalidInput("status_download.doc_id_required")
        if not _DOC_ID.fullmatch(text):
            raise InvalidInput("status_download.doc_id_invalid", value=_echo(raw))
    number = int(text)
    if not 1 <= number <= MAX_DOC_ID:
        raise NotFound("status_download.not_found", doc_id=text, issuer=issuer)
    return number


def _already_downloaded(doc_id: int, at: datetime, zone: tzinfo) -> Conflict:
    return Conflict(
        "status_download.already_downloaded",
        doc_id=doc_id,
        downloaded_at=at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
    )


def _echo(text: str, limit: int = 40) -> str:
    """Quote untrusted input in a message without letting it grow the message."""
    return text if len(text) <= limit else text[:limit] + "…"


_FIELD_MISSING = "Los datos enviados en el campo {field} no han sido enviados"
_FIELD_UNSUPPORTED = "Los datos enviados en el campo {field} no son soportados"
_NOT_OBTAINED = "No se pudieron obtener los documentos pendientes"

register_messages(
    {
        "status_download.issuer_required": {
            "es": _FIELD_MISSING.replace("{field}", "identificadorEmisor")
            + ": indique el NIF del emisor de las facturas",
            "en": "No issuer tax id was sent (identificadorEmisor): give the tax id of the invoices' issuer",
        },
        "status_download.issuer_invalid": {
            "es": _FIELD_UNSUPPORTED.replace("{field}", "identificadorEmisor")
            + ": «{value}» no es un identificador fiscal (de 2 a 32 letras, dígitos o «&»)",
            "en": "The issuer tax id (identificadorEmisor) is not supported: "
            "'{value}' is not a tax id (2 to 32 letters, digits or '&')",
        },
        "status_download.issuer_check": {
            "es": _FIELD_UNSUPPORTED.replace("{field}", "identificadorEmisor")
            + ": «{value}» tiene el carácter de control {found}, se esperaba {expected}",
            "en": "The issuer tax id (identificadorEmisor) is not supported: "
            "'{value}' has check character {found}, expected {expected}",
        },
        "status_download.none_pending": {
            "es": _NOT_OBTAINED,
            "en": "No pending documents could be obtained: "
            "issuer {issuer} has no status documents pending download for this platform",
        },
        "status_download.doc_id_required": {
            "es": _FIELD_MISSING.replace("{field}", "indiceDescarga")
            + ": indique un DocId del índice de descargas",
            "en": "No download index (indiceDescarga) was sent: give a DocId from the pending index",
        },
        "status_download.doc_id_invalid": {
            "es": _FIELD_UNSUPPORTED.replace("{field}", "indiceDescarga")
            + ": «{value}» no es un DocId (solo dígitos)",
            "en": "The download index (indiceDescarga) is not supported: "
            "'{value}' is not a DocId (digits only)",
        },
        "status_download.not_found": {
            "es": _NOT_OBTAINED
            + ": no existe el documento de estado {doc_id} del emisor {issuer} para esta plataforma",
            "en": "No pending documents could be obtained: "
            "there is no status document {doc_id} of issuer {issuer} for this platform",
        },
        "status_download.already_downloaded": {
            "es": _NOT_OBTAINED
            + ": el documento de estado {doc_id} ya se marcó como descargado el {downloaded_at}",
            "en": "No pending documents could be obtained: "
            "status document {doc_id} was already marked downloaded on {downloaded_at}",
        },
        "status_download.mark_option_invalid": {
            "es": "Los datos enviados en el campo opcionMarcado no son soportados o no han sido enviados: "
            "«{value}»; admite S o N",
            "en": "The mark option (opcionMarcado) is not supported or was not sent: "
            "'{value}'; it takes S or N",
        },
    }
)
