"""Production mode through the real protocol (protocols.md §2.1 and §6.4, FACe codes 106 and 442),
SQLite and PostgreSQL: a hub started with ``FACTURAHUB_MODE=production`` and its signing identity
from PEM files (no sandbox: integrator, certificates, platform and directory set up through the
CLI)

* refuses invoices signed by test certificates — a test subject, or a test issuer — on both
  suppliers' profiles (442), and accepts the same invoice signed by an ordinary certificate; the
  sandbox hub accepts the very invoice production refused;
* refuses SOAP requests signed by a test certificate (Fault 106 naming it), even one registered and
  assigned to a platform, on both profiles, while the platform's ordinary certificate goes on
  working; the sandbox hub accepts requests signed by that very certificate."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.functional.efact_hub import efact_payload
from tests.functional.face_hub import (
    FACTURAHUB,
    FaceHub,
    _cli,
    face_hub,
    fnmt_identity,
    invoice_variant,
    signed,
)
from tests.functional.hub_process import HubProcess, own_hub
from tests.functional.soap_client import face_payload, post, send_invoice, zeep_client, zeep_signed

from facturahub.signatures.certgen import Identity, issue
from facturahub.signatures.xades_sign import sign_invoice

__all__ = ["face_hub"]

NIF = "B00000018"
DIRECTORY = "administracion,oc_codigo,og_codigo,ut_codigo\nP00000010,P00000010,P00000010,P00000010\n"
TEST_TEXT = "El certificado usado en la firma de la factura esta en una lista de bloqueo o es de pruebas"


@dataclass
class ProductionHub:
    process: HubProcess
    identity: Identity  # the hub's own, from the PEM files
    caller: Identity  # the registered SOAP certificate of the supplier's platform
    platform: str  # that platform's code

    def client(self, profile: str = "face") -> Any:
        endpoint = self.process.face_endpoint if profile == "face" else self.process.efact_endpoint
        return zeep_client(f"{endpoint}?wsdl", self.caller, self.identity.certificate_pem)


@pytest.fixture(scope="module")
def production(face_hub: FaceHub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionHub]:
    """On the same backend as the sandbox ``face_hub`` it is compared with."""
    root = tmp_path_factory.mktemp(f"production-{face_hub.backend}")
    identity = issue("facturahub hub", organisation="Operador de facturahub SL", days=365)
    (root / "hub-cert.pem").write_bytes(identity.certificate_pem)
    (root / "hub-key.pem").write_bytes(identity.private_key_pem)
    caller = issue("ERP de Suministros Reales", tax_id=NIF, organisation="Suministros Reales SL")
    (root / "erp.pem").write_bytes(caller.certificate_pem)
    (root / "dir3.csv").write_text(DIRECTORY, encoding="utf-8")
    settings = {
        "MODE": "production",
        "HUB_CERT_FILE": str(root / "hub-cert.pem"),
        "HUB_KEY_FILE": str(root / "hub-key.pem"),
    }
    with own_hub(face_hub.backend, root, sandbox=False, **settings) as process:
        process.cli("dir3", "import", str(root / "dir3.csv"))
        process.cli("user", "create", "--nif", "00000000T", "--name", "Ana", "--email", "ana@example.com")
        process.cli(
            "integrator", "register", "--nif", NIF, "--legal-name", "Suministros Reales SL",
            "--email", "facturas@example.com", "--accepted-by", "00000000T", "--accept-terms",
        )  # fmt: skip
        process.cli("certificate", "register", NIF, str(root / "erp.pem"), "--alias", "erp")
        platform = json.loads(
            process.cli(
                "--json",
                "platform",
                "create",
                NIF,
                "--name",
                "erp",
                "--sending",
                "--certificate",
                caller.sha256,
            )
        )["code"]
        process.start()
        yield ProductionHub(process, identity, caller, platform)


def _test_signers() -> dict[str, Identity]:
    test_ca = issue("AC Usuarios PRUEBAS", organisation="Autoridad de pruebas", is_ca=True)
    return {
        "fnmt-test-subject": fnmt_identity(),  # FNMT's "...CERTIFICADO PRUEBAS" test certificate
        "sandbox-subject": issue("facturahub sandbox supplier", tax_id="B00000018"),
        "test-issuer": issue("Firma Normal", tax_id="B00000018", organisation="Normal SL", issuer=test_ca),
    }


@pytest.mark.parametrize("profile", ["face", "efact"])
def test_production_refuses_invoices_signed_by_test_certificates_442(
    production: ProductionHub, profile: str
) -> None:
    client = production.client(profile)
    for name, signer in _test_signers().items():
        answer = send_invoice(client, signed(invoice_variant()[0], signer))
        description = answer.resultado.descripcion
        assert answer.resultado.codigo == "442", (name, description)
        assert description.startswith(TEST_TEXT) and answer.factura is None, description
        subject = signer.certificate.subject.rfc4514_string()
        assert subject in description, (subject, description)  # names the certificate
    ordinary = issue("Maria Garcia", tax_id="12345678Z", organisation="Suministros Reales SL")
    accepted = send_invoice(client, signed(invoice_variant()[0], ordinary))
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion


def test_the_sandbox_accepts_what_production_refused(production: ProductionHub, face_hub: FaceHub) -> None:
    xml, number = invoice_variant()
    fnmt = fnmt_identity()
    document = sign_invoice(xml, fnmt.certificate, fnmt.private_key)
    refused = send_invoice(production.client(), document)
    assert refused.resultado.codigo == "442", refused.resultado.descripcion
    sandbox = zeep_client(face_hub.wsdl_url, face_hub.supplier, face_hub.hub_cert_pem)
    accepted = send_invoice(sandbox, document)
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
    assert accepted.factura.numeroFactura == number


def test_production_answers_are_signed_with_the_configured_identity(production: ProductionHub) -> None:
    """zeep verifies every answer with the PEM certificate the hub was configured with."""
    estados = production.client().service.consultarEstados()
    assert estados.resultado.codigo == "0"
    health = httpx.get(production.process.base_url + "/health", timeout=10)
    assert health.json()["mode"] == "production"


def test_a_production_hub_without_its_files_does_not_start(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_MODE": "production",
        "FACTURAHUB_HUB_CERT_FILE": str(tmp_path / "missing-cert.pem"),
        "FACTURAHUB_HUB_KEY_FILE": str(tmp_path / "missing-key.pem"),
    }
    env.pop("FACTURAHUB_CONFIG", None)
    done = subprocess.run(
        [FACTURAHUB, "serve"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0 and "missing-cert.pem" in done.stderr


ESTADOS = {"face": face_payload("consultarEstados"), "efact": efact_payload("consultarEstados")}


def _estados(endpoint: str, profile: str, signer: Identity, hub_cert_pem: bytes) -> tuple[int, str]:
    """(HTTP status, ``<code> - <message>`` of a Fault or ``resultado/codigo``); the answer's
    signature is verified with ``hub_cert_pem`` either way."""
    return post(endpoint, zeep_signed(ESTADOS[profile], signer), hub_cert_pem).outcome()


def test_production_refuses_requests_signed_by_test_certificates_106(
    production: ProductionHub, face_hub: FaceHub, tmp_path: Path
) -> None:
    test_ca = issue("AC Usuarios PRUEBAS", organisation="Autoridad de pruebas", is_ca=True)
    signers = {
        "test-subject": issue("ERP PRUEBAS", tax_id=NIF, organisation="Suministros Reales SL"),
        "test-issuer": issue("ERP Firma", tax_id=NIF, organisation="Suministros Reales SL", issuer=test_ca),
    }
    process = production.process
    endpoints = {"face": process.face_endpoint, "efact": process.efact_endpoint}
    for name, signer in signers.items():
        pem = tmp_path / f"{name}.pem"
        pem.write_bytes(signer.certificate_pem)
        process.cli("certificate", "register", NIF, str(pem), "--alias", name)
        process.cli("platform", "assign", production.platform, signer.sha256)
        common_name = signer.certificate.subject.rfc4514_string().split(",")[0]
        for profile, endpoint in endpoints.items():
            status, text = _estados(endpoint, profile, signer, production.identity.certificate_pem)
            assert status == 500 and text.startswith("106 - "), (name, profile, text)
            assert "es de pruebas" in text and f"({common_name}," in text, text  # names it
            assert "emitido por CN=AC Usuarios PRUEBAS" in text or name != "test-issuer", text
            # the platform's ordinary certificate is not affected
            ordinary = _estados(endpoint, profile, production.caller, production.identity.certificate_pem)
            assert ordinary == (200, "0"), (profile, ordinary)
        # the sandbox hub lets the very certificate call
        _cli(face_hub.env, "certificate", "register", NIF, str(pem), "--alias", name)
        _cli(face_hub.env, "platform", "assign", face_hub.sandbox["supplier"]["platform"], signer.sha256)
        sandbox = {
            "face": f"{face_hub.base_url}/face/facturasspp2",
            "efact": f"{face_hub.base_url}/efact/sspp",
        }
        for profile, endpoint in sandbox.items():
            assert _estados(endpoint, profile, signer, face_hub.hub_cert_pem) == (200, "0"), (name, profile)


def test_production_push_endpoints_must_be_public_https(production: ProductionHub) -> None:
    """notificasspp2 in production: https only, and no loopback, private or link-local address
    (services/destinations.py) unless the operator allows the network; a public address is stored
    (nothing is called while configuring)."""
    client = zeep_client(
        f"{production.process.base_url}/face/notificasspp2?wsdl",
        production.caller,
        production.identity.certificate_pem,
    )
    refused = {
        "http://8.8.8.8/push": "debe ser https://",
        "https://127.0.0.1/push": "127.0.0.1 es una dirección local (loopback) (127.0.0.1)",
        "https://localhost:8443/push": "localhost es una dirección local (loopback) (127.0.0.1)",
        "https://169.254.169.254/latest": "169.254.169.254 es una dirección de enlace local",
        "https://[fd12::1]/push": "fd12::1 es una dirección de red privada",
    }
    for url, reason in refused.items():
        answer = client.service.setNotificacion({"codigo": "3", "estado": "ENABLED", "value": url})
        assert answer.resultado.codigo == "318", (url, answer.resultado.descripcion)
        assert reason in answer.resultado.descripcion, (url, answer.resultado.descripcion)
    assert client.service.getNotificacion({"codigo": "3"}).resultado.codigo == "319"
    stored = client.service.setNotificacion(
        {"codigo": "3", "estado": "ENABLED", "value": "https://8.8.8.8/push"}
    )
    assert stored.resultado.codigo == "0" and stored.notificacion.value == "https://8.8.8.8/push"
