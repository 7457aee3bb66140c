"""The sandbox: a demo supplier with a sending platform and a demo accounting registry with a
reception platform approved for the sandbox units, with fresh certificates. Idempotent: running it
again reuses what exists (and the key files already in the output directory)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturahub.domain.directory import sandbox_directory
from facturahub.domain.registry import Capabilities, UnitAssociationStatus
from facturahub.errors import Conflict, NotFound
from facturahub.services import directory, people, platforms
from facturahub.services.actors import Actor
from facturahub.services.certificates import register_certificate
from facturahub.services.hub_identity import write_private
from facturahub.signatures.certgen import Identity, issue, load_identity
from facturahub.store.models import Certificate, Integrator, Platform, PlatformUnit

SANDBOX_USER = people.UserData(
    nif="00000000T", name="Sandbox", first_surname="Operador", email="sandbox@facturahub.invalid"
)
SUPPLIER = people.IntegratorData(
    nif="B00000018",
    legal_name="Proveedor de pruebas (sandbox)",
    main_email="proveedor@facturahub.invalid",
    commercial_id="sandbox-supplier",
)
REGISTRY = people.IntegratorData(
    nif="P0000001H",
    legal_name="Registro contable de pruebas (sandbox)",
    main_email="rcf@facturahub.invalid",
    commercial_id="sandbox-rcf",
)
SUPPLIER_PLATFORM = "sandbox-supplier"
REGISTRY_PLATFORM = "sandbox-rcf"
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class SandboxRole:
    integrator: Integrator
    platform: Platform
    certificate: Certificate
    cert_path: Path
    key_path: Path


def init_sandbox(session: Session, out_dir: Path, hub: Identity, public_url: str) -> dict[str, Any]:
    actor = Actor.operator("sandbox")
    out_dir.mkdir(parents=True, exist_ok=True)
    snapshot = sandbox_directory()
    directory.import_directory_within(session, actor, snapshot, full=False, source="sandbox")
    _ensure_user(session, actor)
    supplier = _ensure_role(
        session, actor, out_dir, "supplier", SUPPLIER, SUPPLIER_PLATFORM, Capabilities(sending=True)
    )
    registry = _ensure_role(
        session, actor, out_dir, "registry", REGISTRY, REGISTRY_PLATFORM, Capabilities(reception=True)
    )
    offices = sorted(code for code, unit in snapshot.units.items() if unit.is_accounting_office)
    for office in offices:
        _ensure_approved(session, actor, registry.platform, office)
    hub_path = out_dir / "hub-cert.pem"
    hub_path.write_bytes(hub.certificate_pem)
    base = public_url.rstrip("/")
    return {
        "endpoints": {
            "face_suppliers": f"{base}/face/facturasspp2",
            "efact_suppliers": f"{base}/efact/sspp",
            "face_rcf": f"{base}/face/facturasrcf2",
            "health": f"{base}/health",
        },
        "supplier": _describe(supplier),
        "registry": {**_describe(registry), "offices": offices},
        "hub": {"cert": str(hub_path.resolve()), "sha256": hub.sha256},
        "units": [
            {"oficina_contable": r[0], "organo_gestor": r[1], "unidad_tramitadora": r[2]}
            for r in sorted(snapshot.relations)
        ],
    }


def _describe(role: SandboxRole) -> dict[str, Any]:
    return {
        "integrator_nif": role.integrator.nif,
        "platform": role.platform.code,
        "platform_name": role.platform.name,
        "certificate_sha256": role.certificate.sha256,
        "cert": str(role.cert_path.resolve()),
        "key": str(role.key_path.resolve()),
    }


def _ensure_user(session: Session, actor: Actor) -> None:
    try:
        people.get_user(session, SANDBOX_USER.nif)
    except NotFound:
        people.create_user(session, actor, SANDBOX_USER)


def _ensure_role(
    session: Session,
    actor: Actor,
    out_dir: Path,
    name: str,
    data: people.IntegratorData,
    platform_name: str,
    capabilities: Capabilities,
) -> SandboxRole:
    try:
        integrator = people.get_integrator(session, data.nif)
    except NotFound:
        integrator = people.register_integrator(
            session, actor, data, accepted_by_nif=SANDBOX_USER.nif, accepted_terms=True
        )
    platform = session.scalar(
        select(Platform).where(
            Platform.integrator_id == integrator.id,
            Platform.name == platform_name,
            Platform.deleted_at.is_(None),
        )
    )
    if platform is None:
        platform = platforms.create_platform(session, actor, integrator.nif, platform_name, capabilities)
    cert_path, key_path = out_dir / f"{name}-cert.pem", out_dir / f"{name}-key.pem"
    identity = _reuse_or_issue(cert_path, key_path, data, name)
    certificate = session.scalar(select(Certificate).where(Certificate.sha256 == identity.sha256))
    if certificate is None:
        certificate = register_certificate(
            session, actor, integrator.nif, f"sandbox-{name}", identity.certificate_pem
        )
    if certificate.platform_id != platform.id:
        if certificate.platform_id is not None:
            raise Conflict(
                "certificate.in_use", alias=certificate.alias, platform=str(certificate.platform_id)
            )
        platforms.assign_certificate(session, actor, platform.code, certificate.sha256)
    return SandboxRole(integrator, platform, certificate, cert_path, key_path)


def _reuse_or_issue(cert_path: Path, key_path: Path, data: people.IntegratorData, name: str) -> Identity:
    if cert_path.exists() and key_path.exists():
        try:
            identity = load_identity(cert_path.read_bytes(), key_path.read_bytes())
        except ValueError:
            identity = None
        if (
            identity is not None
            and identity.certificate.not_valid_after_utc > datetime.now(UTC) + RENEW_BEFORE
        ):
            return identity
    identity = issue(f"facturahub sandbox {name}", tax_id=data.nif, organisation=data.legal_name)
    write_private(key_path, identity.private_key_pem)
    cert_path.write_bytes(identity.certificate_pem)
    return identity


def _ensure_approved(session: Session, actor: Actor, platform: Platform, office: str) -> None:
    association = session.scalar(
        select(PlatformUnit).where(
            PlatformUnit.platform_id == platform.id, PlatformUnit.office_code == office
        )
    )
    if association is not None and association.status == UnitAssociationStatus.APPROVED:
        return
    if association is None or association.status != UnitAssociationStatus.PENDING:
        platforms.request_unit(session, actor, platform.code, office)
    platforms.decide_unit(session, actor, platform.code, office, approve=True)
