"""Plain-dict views of registry records, for printing."""

from __future__ import annotations

from typing import Any

from facturahub.services.people import notification_addresses
from facturahub.signatures.x509 import CertificateSummary
from facturahub.store.models import (
    AuditEvent,
    BlockedCertificate,
    Certificate,
    Delegation,
    Integrator,
    Notice,
    Platform,
    PlatformUnit,
    Unit,
    UnitRelation,
    User,
)


def user_view(user: User) -> dict[str, Any]:
    return {
        "nif": user.nif,
        "name": user.name,
        "first_surname": user.first_surname,
        "second_surname": user.second_surname,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
    }


def integrator_view(integrator: Integrator) -> dict[str, Any]:
    return {
        "nif": integrator.nif,
        "legal_name": integrator.legal_name,
        "commercial_id": integrator.commercial_id,
        "main_email": integrator.main_email,
        "third_party_services": integrator.third_party_services,
        "terms_accepted_at": integrator.terms_accepted_at,
        "terms_accepted_by": integrator.terms_accepted_by.nif,
        "terms_certificate_sha256": integrator.terms_certificate_sha256,
        "notification_emails": notification_addresses(integrator),
        "system_notices": integrator.system_notices,
    }


def delegation_view(delegation: Delegation) -> dict[str, Any]:
    return {
        "nif": delegation.user.nif,
        "name": delegation.user.full_name,
        "email": delegation.user.email,
        "role": delegation.role,
        "since": delegation.created_at,
    }


def summary_view(summary: CertificateSummary) -> dict[str, Any]:
    return {
        "subject": summary.subject,
        "issuer": summary.issuer,
        "serial": str(summary.serial_number),
        "serial_hex": summary.serial_hex,
        "not_before": summary.not_before,
        "not_after": summary.not_after,
        "sha1": summary.sha1,
        "sha256": summary.sha256,
        "key": f"{summary.key_type} {summary.key_size}",
        "tax_id": summary.tax_id,
    }


def certificate_view(certificate: Certificate, *, blocked: bool = False) -> dict[str, Any]:
    return {
        "id": certificate.id,
        "alias": certificate.alias,
        "tax_id": certificate.tax_id,
        "subject": certificate.subject,
        "issuer": certificate.issuer,
        "serial": certificate.serial_number,
        "not_before": certificate.not_before,
        "not_after": certificate.not_after,
        "sha1": certificate.sha1,
        "sha256": certificate.sha256,
        "key": f"{certificate.key_type} {certificate.key_size}",
        "state": "blocked" if blocked else "in use" if certificate.platform_id else "unassigned",
        "platform": certificate.platform.code if certificate.platform else None,
    }


def blocked_view(blocked: BlockedCertificate) -> dict[str, Any]:
    return {
        "sha256": blocked.sha256,
        "subject": blocked.subject,
        "issuer": blocked.issuer,
        "serial": blocked.serial_number,
        "reason": blocked.reason,
        "blocked_at": blocked.blocked_at,
        "blocked_by": blocked.blocked_by,
    }


def platform_view(platform: Platform, offices: list[PlatformUnit] | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "code": platform.code,
        "name": platform.name,
        "integrator": platform.integrator.nif,
        "sending": platform.can_send,
        "reception": platform.can_receive,
        "citizen_delivery": platform.can_deliver,
        "instance_id": platform.fsp_instance_id,
        "created_at": platform.created_at,
        "deleted_at": platform.deleted_at,
        "certificates": [c.sha256 for c in platform.certificates],
    }
    if offices is not None:
        view["offices"] = [f"{o.office_code} ({o.status})" for o in offices]
    return view


def association_view(association: PlatformUnit) -> dict[str, Any]:
    return {
        "platform": association.platform.code,
        "office": association.office_code,
        "status": association.status,
        "requested_at": association.requested_at,
        "decided_at": association.decided_at,
        "decided_by": association.decided_by,
    }


def unit_view(unit: Unit) -> dict[str, Any]:
    roles = [
        role
        for role, flag in (
            ("OC", unit.is_accounting_office),
            ("OG", unit.is_managing_body),
            ("UT", unit.is_processing_unit),
        )
        if flag
    ]
    return {
        "code": unit.code,
        "name": unit.name,
        "administration": unit.administration_code,
        "kind": "+".join(roles),
        "active": unit.active,
    }


def relation_view(relation: UnitRelation) -> dict[str, Any]:
    return {
        "oficina_contable": relation.office_code,
        "organo_gestor": relation.managing_body_code,
        "unidad_tramitadora": relation.processing_unit_code,
        "active": relation.active,
    }


def audit_view(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at,
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "data": event.data,
    }


def notice_view(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "title": notice.title,
        "body": notice.body,
        "severity": notice.severity,
        "published_at": notice.published_at,
        "published_by": notice.published_by,
        "expires_at": notice.expires_at,
    }
