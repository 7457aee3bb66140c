"""The tables. Uniqueness that the law or the protocols depend on is enforced here, by the
database, not only by code."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from facturahub.store.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nif: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    first_surname: Mapped[str | None] = mapped_column(String(120))
    second_surname: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8), default="es")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.name, self.first_surname, self.second_surname) if part)


class Integrator(Base):
    __tablename__ = "integrators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nif: Mapped[str] = mapped_column(String(16), unique=True)
    legal_name: Mapped[str] = mapped_column(String(250))
    commercial_id: Mapped[str | None] = mapped_column(String(250))
    main_email: Mapped[str] = mapped_column(String(254))
    third_party_services: Mapped[bool] = mapped_column(Boolean, default=False)
    terms_accepted_at: Mapped[datetime]
    terms_accepted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    terms_certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    notification_email_primary: Mapped[str | None] = mapped_column(String(254))
    notification_email_secondary: Mapped[str | None] = mapped_column(String(254))
    system_notices: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    terms_accepted_by: Mapped[User] = relationship()


class Delegation(Base):
    """A user authorised to act on behalf of an integrator (``administrator`` or ``delegate``)."""

    __tablename__ = "delegations"
    __table_args__ = (UniqueConstraint("integrator_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integrator_id: Mapped[int] = mapped_column(ForeignKey("integrators.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    integrator: Mapped[Integrator] = relationship()


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    integrator_id: Mapped[int] = mapped_column(ForeignKey("integrators.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    can_send: Mapped[bool] = mapped_column(Boolean, default=False)
    can_receive: Mapped[bool] = mapped_column(Boolean, default=False)
    can_deliver: Mapped[bool] = mapped_column(Boolean, default=False)
    fsp_instance_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    integrator: Mapped[Integrator] = relationship()
    certificates: Mapped[list[Certificate]] = relationship(back_populates="platform")

    @property
    def active(self) -> bool:
        return self.deleted_at is None


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_serial_number", "serial_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integrator_id: Mapped[int] = mapped_column(ForeignKey("integrators.id"), index=True)
    alias: Mapped[str] = mapped_column(String(120))
    der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(Text)
    issuer: Mapped[str] = mapped_column(Text)
    serial_number: Mapped[str] = mapped_column(Text)  # decimal: serials exceed 64 bits
    not_before: Mapped[datetime]
    not_after: Mapped[datetime]
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    key_type: Mapped[str] = mapped_column(String(32))
    key_size: Mapped[int] = mapped_column(Integer)
    tax_id: Mapped[str | None] = mapped_column(String(32))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    integrator: Mapped[Integrator] = relationship()
    platform: Mapped[Platform | None] = relationship(back_populates="certificates")


class BlockedCertificate(Base):
    """A certificate the operator has blocked (FACe's "lista de bloqueo"): a SOAP request it signs
    is refused with 106 and an invoice it signs with 442, in every mode. Keyed by the SHA-256 of the
    certificate, so a certificate that is not registered here (an invoice's signer) can be blocked
    too; subject and issuer are kept when known, for the messages."""

    __tablename__ = "blocked_certificates"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    subject: Mapped[str | None] = mapped_column(Text)
    issuer: Mapped[str | None] = mapped_column(Text)
    serial_number: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    blocked_at: Mapped[datetime] = mapped_column(default=utcnow)
    blocked_by: Mapped[str] = mapped_column(String(120))


class PlatformUnit(Base):
    """A reception platform's association with a DIR3 accounting office (oficina contable).

    Effective only once an operator approves it."""

    __tablename__ = "platform_units"
    __table_args__ = (UniqueConstraint("platform_id", "office_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("dir3_units.code"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending / approved / rejected / revoked
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(120))

    platform: Mapped[Platform] = relationship()


class Administration(Base):
    __tablename__ = "dir3_administrations"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Unit(Base):
    __tablename__ = "dir3_units"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    administration_code: Mapped[str | None] = mapped_column(
        ForeignKey("dir3_administrations.code"), index=True
    )
    is_accounting_office: Mapped[bool] = mapped_column(Boolean, default=False)
    is_managing_body: Mapped[bool] = mapped_column(Boolean, default=False)
    is_processing_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnitRelation(Base):
    """An OG-UT-OC relation: which accounting office keeps the invoices of a managing body and
    processing unit."""

    __tablename__ = "dir3_relations"
    __table_args__ = (UniqueConstraint("office_code", "managing_body_code", "processing_unit_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_code: Mapped[str] = mapped_column(ForeignKey("dir3_units.code"), index=True)
    managing_body_code: Mapped[str] = mapped_column(ForeignKey("dir3_units.code"), index=True)
    processing_unit_code: Mapped[str] = mapped_column(ForeignKey("dir3_units.code"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_integrator_at", "on_behalf_of_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("integrators.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Notice(Base):
    """A system notice published by an operator, shown to integrators."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(16), default="info")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]


class BlobStoreBinding(Base):
    """The blob directory this database's invoices are stored in: its id, also written in the
    directory (``LocalBlobStore.MARKER``). One row at most. ``blobs collect`` removes files only
    when both ids agree, so a cron job pointed at another database cannot take every file for an
    orphan (services/blob_binding.py)."""

    __tablename__ = "blob_store_binding"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    store_id: Mapped[str] = mapped_column(String(36))
    bound_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkerHeartbeat(Base):
    """One running ``facturahub worker``: written at its start and every
    ``services.worker_heartbeats.INTERVAL_SECONDS``, removed when it stops; ``/health`` says from
    these rows whether any worker is alive."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    queue: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column()
    seen_at: Mapped[datetime] = mapped_column()


class RegistryCounter(Base):
    """The last registry number handed out per year; incremented inside the registering
    transaction, so numbers are gapless, unique and never reused."""

    __tablename__ = "registry_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


def _partial_index(name: str, where: str, *columns: str) -> Index:
    """An index of the rows matching ``where`` only, on both engines."""
    predicate = text(where)
    return Index(name, *columns, postgresql_where=predicate, sqlite_where=predicate)


class Invoice(Base):
    """A registered invoice. Its identity, parties and bytes never change; ``status_code`` and
    ``cancellation_code`` mirror the latest rows of its (append-only) history. Two partial indexes
    serve the registries' polls (migration 0011): the invoices still new (1200), and those whose
    cancellation is requested (4200), by office."""

    __tablename__ = "invoices"
    __table_args__ = (
        _partial_index("ix_invoices_new_by_office", "status_code = '1200'", "office_code", "id"),
        _partial_index(
            "ix_invoices_cancellation_requested_by_office", "cancellation_code = '4200'", "office_code", "id"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registry_number: Mapped[str] = mapped_column(String(12), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    integrator_id: Mapped[int] = mapped_column(ForeignKey("integrators.id"), index=True)
    profile: Mapped[str] = mapped_column(String(16))  # face / efact
    issuer_tax_id: Mapped[str] = mapped_column(String(32), index=True)
    issuer_name: Mapped[str] = mapped_column(String(250))
    buyer_tax_id: Mapped[str] = mapped_column(String(32))
    series: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(40))
    issue_date: Mapped[str] = mapped_column(String(10))  # ISO date as written in the invoice
    total: Mapped[str] = mapped_column(String(32))  # Decimal as text: exact
    currency: Mapped[str] = mapped_column(String(3))
    office_code: Mapped[str] = mapped_column(String(16), index=True)
    managing_body_code: Mapped[str] = mapped_column(String(16))
    processing_unit_code: Mapped[str] = mapped_column(String(16))
    facturae_version: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(64))
    blob_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    email: Mapped[str | None] = mapped_column(String(254))
    signing_certificate_sha256: Mapped[str] = mapped_column(String(64))
    signing_time: Mapped[datetime]
    received_at: Mapped[datetime]
    status_code: Mapped[str] = mapped_column(String(4))
    cancellation_code: Mapped[str] = mapped_column(String(4))
    rcf_code: Mapped[str | None] = mapped_column(String(64))
    tracking_id: Mapped[str] = mapped_column(String(64))

    attachments: Mapped[list[InvoiceAttachment]] = relationship(order_by="InvoiceAttachment.position")


class InvoiceKey(Base):
    """Duplicate guard: one row per live invoice (removed when its cancellation is accepted).
    ``exact`` is issuer + series + number + issue date (415); ``number`` is issuer + series +
    number (414)."""

    __tablename__ = "invoice_keys"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    exact: Mapped[str] = mapped_column(String(200), unique=True)
    number: Mapped[str] = mapped_column(String(200), index=True)


class InvoiceAttachment(Base):
    __tablename__ = "invoice_attachments"
    __table_args__ = (UniqueConstraint("invoice_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    original_name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(128))
    blob_sha256: Mapped[str] = mapped_column(String(64), index=True)  # the blob collector's look-up
    size: Mapped[int] = mapped_column(Integer)


class InvoiceEvent(Base):
    """The history of an invoice: append-only, one row per status change in either flow."""

    __tablename__ = "invoice_events"
    __table_args__ = (Index("ix_invoice_events_invoice_at", "invoice_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    flow: Mapped[str] = mapped_column(String(16))  # processing / cancellation
    code: Mapped[str] = mapped_column(String(4))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)


class StatusDocument(Base):
    """A pending status document for an issuer's eFACT status-download queue; every status change
    adds one."""

    __tablename__ = "status_documents"
    __table_args__ = (Index("ix_status_documents_issuer_pending", "issuer_tax_id", "downloaded_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_tax_id: Mapped[str] = mapped_column(String(32))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("invoice_events.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    downloaded_at: Mapped[datetime | None]


class SeenSignature(Base):
    """Replay cache shared by every node: a request signature seen before its expiry is refused."""

    __tablename__ = "seen_signatures"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PushEndpoint(Base):
    """A supplier platform's push configuration (FACe ``notificasspp2`` ``setNotificacion``): where
    and how facturahub calls its ``setEstadoFactura`` on every status change of its invoices."""

    __tablename__ = "push_endpoints"
    __table_args__ = (UniqueConstraint("platform_id", "type_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    type_code: Mapped[str] = mapped_column(String(4))  # "3": WS interfaz RPC-Literal
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    url: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """The outbox: one row per channel (mail, push) and status change, written in the status
    change's own transaction and delivered by the background worker (at least once)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_state_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("invoice_events.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # mail / push
    target: Mapped[str] = mapped_column(String(500))  # e-mail address or endpoint URL
    state: Mapped[str] = mapped_column(String(8))  # pending / sent / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))  # the current claim's (migration 0012)
