"""Rule S5 through the real protocol, on both suppliers' profiles (FACe and eFACT), SQLite and
PostgreSQL: a request signed by a *registered* certificate is still refused when the certificate
has expired or is not yet valid (Fault 100 naming the date), is registered but assigned to no
platform, or belongs to a platform that has been deleted (Fault 300 naming the certificate). Each
certificate is first shown to work, so the refusal is caused by the change and nothing else.

The operator's blocklist (FACe 106 and 442, in every mode — these hubs are sandboxes): a blocked
certificate's requests get Fault 106 with the operator's reason until it is unblocked, while a
request that merely *names* it without a valid signature learns nothing of the block (100); an
invoice signed by a blocked certificate, registered here or not, gets 442 and is not registered.

(Unregistered certificates and platforms without the sending capability: test_face_security.py and
test_efact_security.py; another integrator's certificate on our invoices: test_face_operations.py.)
The certificates are made by signatures/certgen.py and registered through the real CLI."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from tests.functional.efact_hub import efact_payload
from tests.functional.face_hub import FACTURAHUB, FaceHub, _cli, face_hub, invoice_variant, signed
from tests.functional.soap_client import face_payload, post, send_invoice, zeep_client, zeep_signed

from facturahub.signatures.certgen import Identity, issue

__all__ = ["face_hub"]

SUPPLIER_NIF = "B00000018"  # the sandbox supplier integrator
PROFILES = {
    "face": ("/face/facturasspp2", face_payload("consultarEstados")),
    "efact": ("/efact/sspp", efact_payload("consultarEstados")),
}


def _register(
    face_hub: FaceHub, identity: Identity, tmp_path: Path, alias: str, *, platform: str | None
) -> None:
    pem = tmp_path / f"{alias}.pem"
    pem.write_bytes(identity.certificate_pem)
    _cli(face_hub.env, "certificate", "register", SUPPLIER_NIF, str(pem), "--alias", alias)
    if platform is not None:
        _cli(face_hub.env, "platform", "assign", platform, identity.sha256)


def _answer(face_hub: FaceHub, profile: str, signer: Identity) -> tuple[int, str]:
    """(HTTP status, ``<code> - <message>`` of a Fault or ``resultado/codigo`` of an answer)."""
    path, payload = PROFILES[profile]
    return post(f"{face_hub.base_url}{path}", zeep_signed(payload, signer), face_hub.hub_cert_pem).outcome()


def _works(face_hub: FaceHub, signer: Identity) -> None:
    for profile in PROFILES:
        assert _answer(face_hub, profile, signer) == (200, "0"), profile


def _refused(face_hub: FaceHub, signer: Identity, code: str) -> str:
    messages = set()
    for profile in PROFILES:
        status, text = _answer(face_hub, profile, signer)
        assert status == 500 and text.startswith(f"{code} - "), (profile, text)
        messages.add(text)
    assert len(messages) == 1, messages  # both profiles say the same
    return messages.pop()


def test_s5_certificate_that_expires_while_registered_is_100(face_hub: FaceHub, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    lifetime = timedelta(seconds=10)
    expiring = issue(
        "facturahub tests expiring",
        tax_id=SUPPLIER_NIF,
        not_before=now - timedelta(days=1) + lifetime,
        days=1,
    )
    _register(
        face_hub, expiring, tmp_path, "caduca-pronto", platform=face_hub.sandbox["supplier"]["platform"]
    )
    _works(face_hub, expiring)
    time.sleep(max(0.0, (now + lifetime - datetime.now(UTC)).total_seconds()) + 1.5)
    message = _refused(face_hub, expiring, "100")
    assert "La firma de la petición SOAP no es válida" in message
    assert f"caducó el {expiring.certificate.not_valid_after_utc.replace(tzinfo=None).isoformat()}" in message


def test_s5_certificate_not_yet_valid_is_100(face_hub: FaceHub, tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    future = issue("facturahub tests future", tax_id=SUPPLIER_NIF, not_before=start)
    _register(face_hub, future, tmp_path, "futuro", platform=face_hub.sandbox["supplier"]["platform"])
    message = _refused(face_hub, future, "100")
    assert f"no es válido hasta el {start.replace(tzinfo=None).isoformat()}" in message


def test_s5_registered_but_unassigned_certificate_is_300(face_hub: FaceHub, tmp_path: Path) -> None:
    loose = issue("facturahub tests unassigned", tax_id=SUPPLIER_NIF)
    _register(face_hub, loose, tmp_path, "sin-plataforma", platform=None)
    message = _refused(face_hub, loose, "300")
    assert "no está dado de alta" in message and "«sin-plataforma»" in message and "no asignado" in message


def test_s5_platform_deleted_is_300(face_hub: FaceHub, tmp_path: Path) -> None:
    signer = issue("facturahub tests short-lived platform", tax_id=SUPPLIER_NIF)
    pem = tmp_path / "erp.pem"
    pem.write_bytes(signer.certificate_pem)
    _cli(face_hub.env, "certificate", "register", SUPPLIER_NIF, str(pem), "--alias", "erp-temporal")
    created = json.loads(
        _cli(
            face_hub.env,
            "--json",
            "platform",
            "create",
            SUPPLIER_NIF,
            "--name",
            "erp-temporal",
            "--sending",
            "--certificate",
            signer.sha256,
        )
    )
    _works(face_hub, signer)
    _cli(face_hub.env, "platform", "delete", created["code"])
    message = _refused(face_hub, signer, "300")
    # deleting a platform releases its certificates: the request names the certificate left without one
    assert "«erp-temporal»" in message and "no asignado" in message
    shown = json.loads(_cli(face_hub.env, "--json", "platform", "show", created["code"]))
    assert shown["deleted_at"] and shown["certificates"] == []


def _refuse_cli(face_hub: FaceHub, *args: str) -> str:
    """A CLI command that must fail: its error message."""
    done = subprocess.run(
        [FACTURAHUB, *args], env=face_hub.env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode != 0, done.stdout
    return done.stderr


def test_106_blocked_certificate_until_the_operator_unblocks_it(face_hub: FaceHub, tmp_path: Path) -> None:
    blocked = issue("facturahub tests ERP comprometido", tax_id=SUPPLIER_NIF)
    _register(face_hub, blocked, tmp_path, "comprometido", platform=face_hub.sandbox["supplier"]["platform"])
    _works(face_hub, blocked)
    reason = "Clave privada comprometida (incidencia 4711)"
    shown = json.loads(
        _cli(
            face_hub.env, "--json", "certificate", "block", "--thumbprint", blocked.sha256, "--reason", reason
        )
    )
    assert shown["sha256"] == blocked.sha256 and "ERP comprometido" in shown["subject"]
    assert shown["blocked_by"] == "operator:operator" and shown["reason"] == reason

    message = _refused(face_hub, blocked, "106")
    assert "lista de bloqueo" in message and reason in message and "ERP comprometido" in message
    _works(face_hub, face_hub.supplier)  # the platform's other certificate is not affected
    # without a valid signature, the block is not revealed: the signature is judged first
    forged = zeep_signed(
        face_payload("consultarFactura", "<numeroRegistro>209900000001</numeroRegistro>"), blocked
    ).replace(b"209900000001", b"209900000002")
    status, text = post(face_hub.endpoint, forged, face_hub.hub_cert_pem).outcome()
    assert status == 500 and text.startswith("100 - ") and reason not in text, text

    listed = json.loads(_cli(face_hub.env, "--json", "certificate", "blocked"))
    assert [row["sha256"] for row in listed if row["sha256"] == blocked.sha256] == [blocked.sha256]
    states = {
        row["sha256"]: row["state"]
        for row in json.loads(_cli(face_hub.env, "--json", "certificate", "list", SUPPLIER_NIF))
    }
    assert states[blocked.sha256] == "blocked" and states[face_hub.supplier.sha256] == "in use", states
    again = _refuse_cli(face_hub, "certificate", "block", "--thumbprint", blocked.sha256, "--reason", "x")
    assert "ya está bloqueado" in again and reason in again

    # by its SHA-1, which names the registered certificate
    _cli(face_hub.env, "certificate", "unblock", blocked.certificate.fingerprint(hashes.SHA1()).hex())  # noqa: S303 - a thumbprint
    _works(face_hub, blocked)
    assert "no está bloqueado" in _refuse_cli(face_hub, "certificate", "unblock", blocked.sha256)
    activity = json.loads(_cli(face_hub.env, "--json", "integrator", "activity", SUPPLIER_NIF))
    actions = [event["action"] for event in activity]
    assert "certificate.blocked" in actions and "certificate.unblocked" in actions, actions


def test_a_blocked_certificate_cannot_be_registered_until_it_is_unblocked(
    face_hub: FaceHub, tmp_path: Path
) -> None:
    """Blocked before anyone registered it (by its file): registering it is refused, naming the
    block, instead of succeeding and leaving the integrator to meet 106 on the first request."""
    leaked = issue("facturahub tests leaked before registration", tax_id=SUPPLIER_NIF)
    pem = tmp_path / "leaked.pem"
    pem.write_bytes(leaked.certificate_pem)
    reason = "Publicada por error en un repositorio"
    _cli(face_hub.env, "certificate", "block", str(pem), "--reason", reason)
    refused = _refuse_cli(face_hub, "certificate", "register", SUPPLIER_NIF, str(pem), "--alias", "filtrado")
    assert "lista de bloqueo" in refused and reason in refused and leaked.sha256 in refused, refused
    listed = json.loads(_cli(face_hub.env, "--json", "certificate", "list", SUPPLIER_NIF))
    assert leaked.sha256 not in {row["sha256"] for row in listed}
    _cli(face_hub.env, "certificate", "unblock", leaked.sha256)
    _register(face_hub, leaked, tmp_path, "filtrado", platform=face_hub.sandbox["supplier"]["platform"])
    _works(face_hub, leaked)


def test_442_invoice_signed_by_a_blocked_certificate_is_not_registered(
    face_hub: FaceHub, tmp_path: Path
) -> None:
    signer = issue("Lucia Bloqueada", tax_id="12345678Z", organisation="Suministros Reales SL")
    pem = tmp_path / "signer.pem"
    pem.write_bytes(signer.certificate_pem)
    reason = "Certificado sustraído, denuncia 2026/118"
    _cli(face_hub.env, "certificate", "block", str(pem), "--reason", reason)  # not registered here
    document = signed(invoice_variant()[0], signer)
    clients = {
        profile: zeep_client(f"{face_hub.base_url}{path}?wsdl", face_hub.supplier, face_hub.hub_cert_pem)
        for profile, path in (("face", "/face/facturasspp2"), ("efact", "/efact/sspp"))
    }
    for profile, client in clients.items():
        answer = send_invoice(client, document)
        description = answer.resultado.descripcion
        assert answer.resultado.codigo == "442" and answer.factura is None, (profile, description)
        assert "lista de bloqueo" in description and reason in description, description
        assert "Lucia Bloqueada" in description and signer.sha256 in description, description
        # §6 step 4 before step 5: the blocked signer is named even when the content is wrong too
        bad_total = signed(
            invoice_variant(replace=(("<InvoiceTotal>1384.58<", "<InvoiceTotal>1.00<"),))[0], signer
        )
        both = send_invoice(client, bad_total)
        assert both.resultado.codigo == "442", (profile, both.resultado.descripcion)
    _cli(face_hub.env, "certificate", "unblock", signer.sha256)
    accepted = send_invoice(clients["face"], document)  # nothing was registered before: no 415
    assert accepted.resultado.codigo == "0", accepted.resultado.descripcion
