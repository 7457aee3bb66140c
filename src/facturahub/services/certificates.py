"""Certificates: register the public part, list, find by any of the references a request carries."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain import registry as rules
from facturahub.domain.registry import normalise_thumbprint
from facturahub.errors import Conflict, InvalidInput, NotFound, SecurityError
from facturahub.services import audit
from facturahub.services.actors import Actor, require_integrator
from facturahub.services.people import get_integrator
from facturahub.signatures.x500_names import issuer_matches, read_name, read_serial_number
from facturahub.signatures.x509 import CertificateSummary, load_certificate, summarise
from facturahub.store.models import BlockedCertificate, Certificate, Integrator

_ID = re.compile(r"[0-9]{1,18}", re.ASCII)  # a row id, not a thumbprint; "²" is not one
_MAX_ID = 2**31 - 1  # certificates.id is a 32-bit integer on PostgreSQL


def read_certificate(data: bytes) -> CertificateSummary:
    """Parse an uploaded ``.pem``/``.cer`` into its summary (the portal's step 2), or raise."""
    return summarise(load_certificate(data))


def register_certificate(
    session: Session,
    actor: Actor,
    integrator_nif: str,
    alias: str,
    data: bytes,
    *,
    now: datetime | None = None,
) -> Certificate:
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    clean_alias = rules.require_text("alias", alias, max_length=120)
    summary = read_certificate(data)
    rules.check_certificate_acceptable(
        not_before=summary.not_before,
        not_after=summary.not_after,
        key_type=summary.key_type,
        key_size=summary.key_size,
        now=now or datetime.now(UTC),
    )
    block = session.get(BlockedCertificate, summary.sha256)
    if block is not None:  # it could sign nothing here (FACe 106): say so now, not at the first request
        raise Conflict(
            "certificate.blocked",
            sha256=summary.sha256,
            since=block.blocked_at.isoformat(timespec="seconds"),
            reason=block.reason,
        )
    existing = session.scalar(select(Certificate).where(Certificate.sha256 == summary.sha256))
    if existing is not None:
        if existing.integrator_id == integrator.id:
            raise Conflict("certificate.already_registered_here", alias=existing.alias, sha256=summary.sha256)
        raise Conflict("certificate.already_registered", sha256=summary.sha256)
    issuer_name = x509.load_der_x509_certificate(summary.der).issuer
    for same_serial in session.scalars(
        select(Certificate).where(Certificate.serial_number == str(summary.serial_number))
    ):
        # a request may name its certificate by issuer and serial number (X509IssuerSerial): two
        # registered certificates answering to one pair would let the first row decide who signed
        if x509.load_der_x509_certificate(same_serial.der).issuer == issuer_name:
            raise Conflict(
                "certificate.issuer_serial_taken", serial=summary.serial_number, issuer=summary.issuer
            )
    certificate = Certificate(
        integrator_id=integrator.id,
        alias=clean_alias,
        der=summary.der,
        subject=summary.subject,
        issuer=summary.issuer,
        serial_number=str(summary.serial_number),
        not_before=summary.not_before,
        not_after=summary.not_after,
        sha1=summary.sha1,
        sha256=summary.sha256,
        key_type=summary.key_type,
        key_size=summary.key_size,
        tax_id=summary.tax_id,
    )
    session.add(certificate)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.registered",
        target=f"certificate:{summary.sha256[:16]}",
        integrator_id=integrator.id,
        alias=clean_alias,
        subject=summary.subject,
        serial=str(summary.serial_number),
        sha256=summary.sha256,
    )
    return certificate


def list_certificates(session: Session, actor: Actor, integrator_nif: str) -> list[Certificate]:
    integrator = get_integrator(session, integrator_nif)
    require_integrator(actor, integrator.id)
    statement = select(Certificate).where(Certificate.integrator_id == integrator.id).order_by(Certificate.id)
    return list(session.scalars(statement))


def find_by_thumbprint(session: Session, thumbprint: str) -> Certificate | None:
    text = normalise_thumbprint(thumbprint)  # SHA-1 or SHA-256
    column = Certificate.sha256 if len(text) == 64 else Certificate.sha1
    return session.scalar(select(Certificate).where(column == text))


def find_by_issuer_serial(session: Session, issuer: str, serial: int | str) -> Certificate | None:
    """The registered certificate with this serial number whose issuer ``issuer`` names, written
    in any dialect ``x500_names`` reads (Java's hex-encoded values, .NET's ``OID.``, …). A name or
    serial number that cannot be read is ``InvalidInput`` saying why."""
    try:
        number = serial if isinstance(serial, int) else read_serial_number(serial)
        read_name(issuer)
    except ValueError as exc:
        raise InvalidInput("certificate.issuer_serial_invalid", reason=str(exc)) from None
    candidates = session.scalars(select(Certificate).where(Certificate.serial_number == str(number)))
    found = [c for c in candidates if issuer_matches(issuer, x509.load_der_x509_certificate(c.der))]
    if len(found) > 1:  # registered before registration refused such pairs: never guess which
        raise SecurityError("caller.certificate_ambiguous", serial=number, count=len(found))
    return found[0] if found else None


def get_certificate(session: Session, actor: Actor, reference: str, integrator: Integrator) -> Certificate:
    """A certificate of ``integrator`` by its id or thumbprint (SHA-1 or SHA-256)."""
    require_integrator(actor, integrator.id)
    text = reference.strip()
    if _ID.fullmatch(text):
        certificate = session.get(Certificate, int(text)) if int(text) <= _MAX_ID else None
    else:
        certificate = find_by_thumbprint(session, text)
    if certificate is None or certificate.integrator_id != integrator.id:
        raise NotFound("certificate.not_found", reference=reference)
    return certificate
