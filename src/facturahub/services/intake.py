"""Submit an invoice (protocols.md §6): every check in order, then register it durably.

The bytes and attachments go to the blob store (fsynced) before the database transaction that
allocates the registry number commits; the caller answers only after that commit (D1). The
identical document sent again gets 415 naming the original registry number (D2).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from cryptography import x509
from lxml import etree
from sqlalchemy import bindparam, func, insert, select, union_all
from sqlalchemy.orm import Session

from facturahub.domain import lifecycle
from facturahub.domain.local_time import DEFAULT_ZONE
from facturahub.domain.registry import is_test_certificate, normalise_email
from facturahub.errors import Conflict, FacturahubError, InvalidInput, SecurityError, StorageUnavailable
from facturahub.facturae import (
    FacturaeDocument,
    SchemaValidator,
    check_content,
    check_structure,
    detect_version,
    read_invoice,
)
from facturahub.facturae.values import amount_text
from facturahub.services import directory
from facturahub.services.blocklist import find_block
from facturahub.services.lookup import CallerIdentity
from facturahub.services.numbering import allocate_registry_number
from facturahub.services.status_feed import StatusChange, record_statuses
from facturahub.signatures.trust import TrustStore, verify_chain
from facturahub.signatures.xades import require_certificate_valid_at_signing, verify_invoice_signature
from facturahub.signatures.xml import parse_xml
from facturahub.store.blobs import BlobRef, BlobStore
from facturahub.store.models import Invoice, InvoiceAttachment, InvoiceKey
from facturahub.store.statements import PerDialect
from facturahub.system_errors import system_reason

log = logging.getLogger("facturahub.intake")

INVOICE_MIME = "application/xml"
FACE_ATTACHMENT_MIMES = frozenset(
    {
        "application/pdf",
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/tiff",
        "text/plain",
        "text/xml",
        "application/xml",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)
EFACT_ATTACHMENT_MIMES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "text/plain",
    }
)
_schema_validators: dict[Path, SchemaValidator] = {}


@dataclass(frozen=True)
class Attachment:
    name: str
    mime: str
    data: bytes


@dataclass(frozen=True)
class Submission:
    invoice: bytes
    file_name: str
    mime: str
    email: str | None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class IntakePolicy:
    production: bool = False
    schema_dir: Path | None = None
    max_invoice_bytes: int = 8 * 1024 * 1024
    max_attachments: int = 5
    max_attachments_bytes: int = 8 * 1024 * 1024
    profile: str = "face"
    sanitise_attachment_names: bool = False
    attachment_mimes: frozenset[str] = field(default=FACE_ATTACHMENT_MIMES)
    trust_store: TrustStore | None = None  # when set, the signing certificate's chain must reach it
    zone: tzinfo = DEFAULT_ZONE  # the registry number's year is the local one


def decode_base64(text: str | bytes | None, what: str) -> bytes:
    """Decode a base64 field strictly (whitespace allowed), naming the field on failure."""
    if text is None or (isinstance(text, str | bytes) and not text.strip()):
        raise InvalidInput("intake.invoice_required", field=what)
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    try:
        return base64.b64decode(b"".join(raw.split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("intake.base64_invalid", field=what) from None


@dataclass(frozen=True)
class PreparedInvoice:
    """An invoice that passed every check needing no database (§6 steps 1–5 but the directory; the
    content rules' verdict waits in ``content_error``), its bytes and attachments already durable
    in the blob store (content-addressed: a refusal later on leaves at most an unreferenced blob,
    never a record)."""

    submission: Submission
    document: FacturaeDocument
    digest: str
    exact_key: str
    number_key: str
    invoice_blob: BlobRef
    attachments: tuple[tuple[Attachment, BlobRef], ...]
    signing_certificate_sha256: str
    signing_certificate: x509.Certificate
    signing_time: datetime
    content_error: InvalidInput | None = None  # raised after the directory check (§6 step 5)


@dataclass(frozen=True)
class RefusedInvoice:
    """An invoice a database-free check refused. :func:`register_invoice` raises ``error``, unless
    these very bytes are registered already: then it answers 415 with their registry number (D2).
    A resend after a lost answer must learn its number even when something changed since it was
    registered: a rule, the trust store, the production switch, or a blob store that now fails."""

    digest: str
    error: FacturahubError


def prepare_invoice(
    blobs: BlobStore, submission: Submission, policy: IntakePolicy
) -> PreparedInvoice | RefusedInvoice:
    """Every check that needs no database, in §6's order, then the blobs: run it outside any
    transaction (the expensive part of intake: parsing, schema, XAdES, totals). A refusal of the
    invoice (not of the envelope, not a security fault) is returned, to be told in the write phase."""
    attachments = _check_envelope(submission, policy)
    digest = hashlib.sha256(submission.invoice).hexdigest()
    try:
        return _prepare(blobs, submission, policy, attachments, digest)
    except SecurityError:
        raise
    except FacturahubError as error:
        return RefusedInvoice(digest, error)


def _prepare(
    blobs: BlobStore,
    submission: Submission,
    policy: IntakePolicy,
    attachments: tuple[Attachment, ...],
    digest: str,
) -> PreparedInvoice:
    tree = _parse_invoice(submission.invoice, policy.max_invoice_bytes)
    detect_version(tree)
    if policy.schema_dir is not None:
        _validator(policy.schema_dir).validate(tree)
    verified = verify_invoice_signature(tree, max_bytes=policy.max_invoice_bytes)
    require_certificate_valid_at_signing(verified)
    if policy.trust_store is not None:
        verify_chain(
            verified.certificate, verified.embedded_certificates, policy.trust_store, verified.signing_time
        )
    if policy.production:
        subject = verified.certificate.subject.rfc4514_string()
        if is_test_certificate(subject, verified.certificate.issuer.rfc4514_string()):
            raise InvalidInput("intake.test_certificate", subject=subject)
    document = read_invoice(tree)
    check_structure(document)
    content_error = _content_error(document)
    key = document.duplicate_key
    return PreparedInvoice(
        submission=submission,
        document=document,
        digest=digest,
        exact_key=key.exact_key,
        number_key=key.number_key,
        invoice_blob=_store(blobs, submission.invoice, "invoice"),
        attachments=tuple(
            (a, _store(blobs, a.data, f"attachment {n}")) for n, a in enumerate(attachments, 1)
        ),
        signing_certificate_sha256=hashlib.sha256(verified.certificate_der).hexdigest(),
        signing_certificate=verified.certificate,
        signing_time=verified.signing_time,
        content_error=content_error,
    )


def _content_error(document: FacturaeDocument) -> InvalidInput | None:
    """The content rules §6 orders after the directory check (447, 445, 446, 426, 408, then the
    columns' limits, 900): judged here, outside any transaction, where the CPU is spent; reported
    by :func:`register_invoice` once the blocklist (442) and the directory (409-413) have passed."""
    try:
        check_content(document)
        _refuse_too_long(_stored_values(document))
    except InvalidInput as error:
        return error
    return None


def _parse_invoice(data: bytes, max_bytes: int) -> etree._ElementTree:
    """The hardened parser's refusals, as refusals of the invoice (408), not of the envelope."""
    try:
        return parse_xml(data, max_bytes=max_bytes)
    except SecurityError as error:
        if not error.key.startswith("xml."):
            raise
        raise InvalidInput(f"intake.invoice_{error.key.removeprefix('xml.')}", **error.params) from None


def _refuse_blocked_signer(session: Session, prepared: PreparedInvoice) -> None:
    """An invoice signed by a certificate the operator has blocked is refused (442), in every mode:
    the first check of the write phase, because the blocklist lives in the database."""
    block = find_block(session, prepared.signing_certificate_sha256)
    if block is not None:
        raise InvalidInput(
            "intake.certificate_blocked",
            subject=prepared.signing_certificate.subject.rfc4514_string(),
            sha256=prepared.signing_certificate_sha256,
            since=block.blocked_at.isoformat(timespec="seconds"),
            reason=block.reason,
        )


@dataclass
class RegisteredInvoice:
    """What registration produced (the row as written): enough to answer the supplier and to feed
    the first status change. Read the invoice with :mod:`facturahub.services.invoices` for more."""

    id: int
    registry_number: str
    platform_id: int
    issuer_tax_id: str
    series: str
    number: str
    office_code: str
    managing_body_code: str
    processing_unit_code: str
    blob_sha256: str
    email: str | None
    received_at: datetime
    tracking_id: str
    status_code: str = lifecycle.REGISTERED
    cancellation_code: str = lifecycle.NOT_REQUESTED


def register_invoice(
    session: Session,
    caller: CallerIdentity,
    prepared: PreparedInvoice | RefusedInvoice,
    policy: IntakePolicy,
    now: datetime | None = None,
) -> RegisteredInvoice:
    """The short write part of intake: duplicates, blocklist, directory, number, rows — a dozen Core
    statements, no ORM unit of work. The caller commits and answers only after the commit (D1)."""
    if isinstance(prepared, RefusedInvoice):
        _refuse_registered_bytes(session, prepared.digest)
        raise prepared.error
    moment = now or datetime.now(UTC)
    document, submission = prepared.document, prepared.submission
    _serialise_on_number(session, prepared.number_key)
    duplicates = _find_duplicates(session, prepared)
    # D2: the identical bytes resent after a lost answer learn their registry number even when
    # the signer was blocked or a centre deactivated since; every other duplicate in §6's order.
    _refuse_duplicates(duplicates, prepared, identical_only=True)
    _refuse_blocked_signer(session, prepared)
    centres = document.centres
    directory.check_centres(
        session, office=centres["01"], managing_body=centres["02"], processing_unit=centres["03"]
    )
    if prepared.content_error is not None:
        raise prepared.content_error
    _refuse_duplicates(duplicates, prepared)
    ref = prepared.invoice_blob
    invoice_data = document.invoice
    registered = RegisteredInvoice(
        id=0,
        registry_number=allocate_registry_number(session, moment, policy.zone),
        platform_id=caller.platform_id,
        issuer_tax_id=document.duplicate_key.issuer_tax_id,
        series=invoice_data.series or "",
        number=invoice_data.number or "",
        office_code=centres["01"],
        managing_body_code=centres["02"],
        processing_unit_code=centres["03"],
        blob_sha256=ref.sha256,
        email=submission.email,
        received_at=moment,
        tracking_id=uuid.uuid4().hex,
    )
    connection = session.connection()
    registered.id = connection.execute(
        _INSERT_INVOICE,
        {
            "registry_number": registered.registry_number,
            "platform_id": caller.platform_id,
            "integrator_id": caller.integrator_id,
            "profile": policy.profile,
            "issuer_tax_id": registered.issuer_tax_id,
            "issuer_name": document.seller.display_name[:250],
            "buyer_tax_id": document.buyer.tax_id,
            "series": registered.series,
            "number": registered.number,
            "issue_date": invoice_data.issue_date.isoformat(),
            "total": amount_text(invoice_data.totals.invoice_total),
            "currency": invoice_data.currency or "EUR",
            "office_code": registered.office_code,
            "managing_body_code": registered.managing_body_code,
            "processing_unit_code": registered.processing_unit_code,
            "facturae_version": document.version.value,
            "file_name": submission.file_name,
            "mime": submission.mime,
            "blob_sha256": ref.sha256,
            "size": ref.size,
            "email": submission.email,
            "signing_certificate_sha256": prepared.signing_certificate_sha256,
            "signing_time": prepared.signing_time,
            "received_at": moment,
            "status_code": registered.status_code,
            "cancellation_code": registered.cancellation_code,
            "rcf_code": None,
            "tracking_id": registered.tracking_id,
        },
    ).scalar_one()
    _claim_keys(session, registered.id, prepared)
    if prepared.attachments:
        connection.execute(
            _INSERT_ATTACHMENTS,
            [
                {
                    "invoice_id": registered.id,
                    "position": position,
                    "name": sanitise_name(attachment.name, position)
                    if policy.sanitise_attachment_names
                    else attachment.name,
                    "original_name": attachment.name,
                    "mime": attachment.mime,
                    "blob_sha256": blob.sha256,
                    "size": blob.size,
                }
                for position, (attachment, blob) in enumerate(prepared.attachments, start=1)
            ],
        )
    actor = f"platform:{caller.platform_code}"
    record_statuses(
        session,
        [
            StatusChange(registered, lifecycle.Flow.PROCESSING, lifecycle.REGISTERED, actor),
            StatusChange(registered, lifecycle.Flow.CANCELLATION, lifecycle.NOT_REQUESTED, actor, feed=False),
        ],
        at=moment,
    )
    return registered


_INSERT_INVOICE = insert(Invoice).returning(Invoice.id)
_INSERT_ATTACHMENTS = insert(InvoiceAttachment)


def submit_invoice(
    session: Session,
    blobs: BlobStore,
    caller: CallerIdentity,
    submission: Submission,
    policy: IntakePolicy,
    now: datetime | None = None,
) -> RegisteredInvoice:
    """Both parts in one go (tools and tests; the SOAP faces run them in separate phases)."""
    return register_invoice(session, caller, prepare_invoice(blobs, submission, policy), policy, now)


def _store(blobs: BlobStore, data: bytes, what: str) -> BlobRef:
    """Write to the blob store; a failing store (disk full, I/O error) refuses the submission with
    a reason the supplier can act on (retry later: nothing was registered) and the whole story in
    the log for the operator."""
    try:
        return blobs.put(data)
    except OSError as error:
        log.error("blob store write failed (%s, %d bytes)", what, len(data), exc_info=True)
        raise StorageUnavailable("intake.storage_failed", reason=system_reason(error)) from error


def _claim_key(insert: Any) -> Any:
    return (
        insert(InvoiceKey).on_conflict_do_nothing(index_elements=["exact"]).returning(InvoiceKey.invoice_id)
    )


_CLAIM_KEY = PerDialect(_claim_key)


def _claim_keys(session: Session, invoice_id: int, prepared: PreparedInvoice) -> None:
    """Insert the duplicate guard. The database's unique key is the authority: when the same
    document races in from two connections (a client retrying while its first attempt is still
    running), the loser's insert does nothing once the winner commits, and is answered like any
    duplicate — 415 naming the original number — instead of an internal error."""
    parameters = {"invoice_id": invoice_id, "exact": prepared.exact_key, "number": prepared.number_key}
    if session.connection().execute(_CLAIM_KEY(session), parameters).scalar_one_or_none() is None:
        _refuse_duplicates(_find_duplicates(session, prepared), prepared)
        raise RuntimeError("duplicate guard conflict with no visible original")  # pragma: no cover


def _check_envelope(submission: Submission, policy: IntakePolicy) -> tuple[Attachment, ...]:
    if not submission.invoice:
        raise InvalidInput("intake.invoice_required", field="factura")
    if not submission.file_name or not submission.file_name.lower().endswith(".xsig"):
        raise InvalidInput("intake.file_name", name=submission.file_name or "")
    if (submission.mime or "").strip().lower() != INVOICE_MIME:
        raise InvalidInput("intake.invoice_mime", mime=submission.mime or "", expected=INVOICE_MIME)
    if submission.email:
        try:
            normalise_email(submission.email, "correo")
        except InvalidInput:
            raise InvalidInput("intake.email_invalid", value=submission.email) from None
    attachments = submission.attachments
    _refuse_too_long(
        [("nombre", submission.file_name, _INVOICES.file_name)]
        + [
            (f"anexo {position} (nombre)", attachment.name or "", _ATTACHMENTS.original_name)
            for position, attachment in enumerate(attachments, start=1)
        ]
    )
    if len(attachments) > policy.max_attachments:
        raise InvalidInput(
            "intake.too_many_attachments", count=len(attachments), limit=policy.max_attachments
        )
    total = sum(len(a.data) for a in attachments)
    if total > policy.max_attachments_bytes:
        raise InvalidInput("intake.attachments_too_large", size=total, limit=policy.max_attachments_bytes)
    for position, attachment in enumerate(attachments, start=1):
        mime = (attachment.mime or "").strip().lower()
        if mime not in policy.attachment_mimes:
            raise InvalidInput(
                "intake.attachment_mime", position=position, name=attachment.name, mime=attachment.mime
            )
        if not attachment.data:
            raise InvalidInput("intake.attachment_empty", position=position, name=attachment.name)
    return attachments


_INVOICES = Invoice.__table__.c
_ATTACHMENTS = InvoiceAttachment.__table__.c


def _stored_values(document: FacturaeDocument) -> list[tuple[str, str, Any]]:
    """The invoice's values the registry stores as they are, each with its column."""
    invoice = document.invoice
    return [
        (
            "SellerParty/TaxIdentificationNumber",
            document.duplicate_key.issuer_tax_id,
            _INVOICES.issuer_tax_id,
        ),
        ("BuyerParty/TaxIdentificationNumber", document.buyer.tax_id, _INVOICES.buyer_tax_id),
        ("InvoiceSeriesCode", invoice.series or "", _INVOICES.series),
        ("InvoiceNumber", invoice.number or "", _INVOICES.number),
        ("InvoiceCurrencyCode", invoice.currency or "", _INVOICES.currency),
        ("InvoiceTotal", amount_text(invoice.totals.invoice_total), _INVOICES.total),
    ]


def _refuse_too_long(values: list[tuple[str, str, Any]]) -> None:
    """900 for a value longer than the column that keeps it: nothing else bounds these values
    when no schema directory is configured, and the database would refuse them only at the
    INSERT (PostgreSQL), as a "try again later" that can never succeed."""
    for field_name, value, column in values:
        limit = _column_length(column)
        if len(value) > limit:
            raise InvalidInput("intake.value_too_long", field=field_name, length=len(value), limit=limit)


def _column_length(column: Any) -> int:
    return int(column.type.length)


def _validator(schema_dir: Path) -> SchemaValidator:
    validator = _schema_validators.get(schema_dir)
    if validator is None:
        validator = _schema_validators[schema_dir] = SchemaValidator(schema_dir)
    return validator


def _live_invoices_where(condition: Any) -> Any:
    return (
        select(Invoice.registry_number, Invoice.blob_sha256, InvoiceKey.exact)
        .join(InvoiceKey, InvoiceKey.invoice_id == Invoice.id)
        .where(condition)
    )


# Three indexed lookups: an OR across the two tables would scan every invoice.
_DUPLICATES = union_all(
    _live_invoices_where(Invoice.blob_sha256 == bindparam("digest")),
    _live_invoices_where(InvoiceKey.exact == bindparam("exact")),
    _live_invoices_where(InvoiceKey.number == bindparam("number")),
)


_NUMBER_LOCK = select(func.pg_advisory_xact_lock(func.hashtextextended(bindparam("number"), 0)))


def _serialise_on_number(session: Session, number: str) -> None:
    """PostgreSQL: registrations of the same issuer + series + number wait for each other until
    commit, so that the second one sees the first and is refused 414 (only identical keys have a
    unique index). SQLite admits one writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_NUMBER_LOCK, {"number": number})


_SAME_BYTES = (
    select(Invoice.registry_number, Invoice.series, Invoice.number, Invoice.issue_date)
    .join(InvoiceKey, InvoiceKey.invoice_id == Invoice.id)
    .where(Invoice.blob_sha256 == bindparam("digest"))
    .order_by(Invoice.registry_number)
    .limit(1)
)


def _refuse_registered_bytes(session: Session, digest: str) -> None:
    """415 naming the live invoice registered with exactly these bytes, if there is one."""
    found = session.connection().execute(_SAME_BYTES, {"digest": digest}).first()
    if found is not None:
        raise Conflict(
            "invoice.duplicate",
            registry_number=found.registry_number,
            series=found.series,
            number=found.number,
            issue_date=found.issue_date,
        )


def _find_duplicates(session: Session, prepared: PreparedInvoice) -> list[Any]:
    """Live invoices with the same bytes, the same issuer + series + number + date, or the same
    number: one query (three index lookups)."""
    parameters = {"digest": prepared.digest, "exact": prepared.exact_key, "number": prepared.number_key}
    return list(session.connection().execute(_DUPLICATES, parameters).all())


def _refuse_duplicates(found: list[Any], prepared: PreparedInvoice, *, identical_only: bool = False) -> None:
    """415 for the same invoice (identical bytes, or issuer + series + number + issue date), 414
    for the same number on another date; with ``identical_only``, 415 for identical bytes only."""
    key, digest, exact = prepared.document.duplicate_key, prepared.digest, prepared.exact_key
    if identical_only:
        found = [row for row in found if row.blob_sha256 == digest]
    same = [row.registry_number for row in found if row.blob_sha256 == digest or row.exact == exact]
    if same:
        raise Conflict(
            "invoice.duplicate",
            registry_number=min(same),
            series=key.series,
            number=key.number,
            issue_date=key.issue_date.isoformat(),
        )
    if found:
        raise Conflict(
            "invoice.duplicate_number",
            registry_number=min(row.registry_number for row in found),
            series=key.series,
            number=key.number,
        )


_UNSAFE = re.compile(r"[^A-Za-z0-9\-_.+]")
MAX_NAME = 70


def _clean(text: str) -> str:
    """Spaces become ``_``, accents are dropped (``ó`` → ``o``), anything else outside
    ``[A-Za-z0-9-_.+]`` is removed."""
    decomposed = unicodedata.normalize("NFKD", text.replace(" ", "_"))
    return _UNSAFE.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


def sanitise_name(name: str, position: int) -> str:
    """eFACT attachment names: cleaned to ``[A-Za-z0-9-_.+]``, the name cut to 70 characters, and
    ``_N`` (its position) added before the extension, which is cut to what the column has left
    (cleaning can lengthen a name: the ligature ``ﬃ`` becomes ``ffi``)."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    numbered = f"{_clean(stem)[:MAX_NAME] or 'anexo'}_{position}"
    clean_extension = _clean(extension)[: _column_length(_ATTACHMENTS.name) - len(numbered) - 1]
    return numbered + (f".{clean_extension}" if clean_extension else "")
