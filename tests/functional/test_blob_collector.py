"""The blob collector on both databases, with invoices registered and refused by the real intake
use case: it removes what refused invoices left behind and stale temporaries, never a blob a
registered invoice or attachment references, nor one an intake reuses while it runs; and
``facturahub blobs collect`` drives it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from tests.functional.face_hub import FACTURAHUB

from facturahub.errors import FacturahubError
from facturahub.services import blocklist
from facturahub.services.actors import Actor
from facturahub.services.blob_collector import collect_blobs
from facturahub.services.intake import Attachment, IntakePolicy, Submission, submit_invoice
from facturahub.signatures.xades import verify_invoice_signature
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.store.blobs import LocalBlobStore, StoredBlob
from facturahub.store.database import Database

GRACE = timedelta(hours=24)
TWO_DAYS = 2 * 24 * 3600


@pytest.fixture(scope="module")
def documents(shared_data: Path) -> list[bytes]:
    """The same unsigned sample signed three times: three different files of one invoice."""
    p12 = (shared_data / "certs" / "fawno-ACTIVO_EIDAS_CERTIFICADO_PRUEBAS___99999999R.p12").read_bytes()
    key, certificate, _chain = pkcs12.load_key_and_certificates(p12, b"1234")
    assert key is not None and certificate is not None
    data = (shared_data / "facturae" / "samples" / "fawno-unsigned-factura_dfb.xml").read_bytes()
    return [
        sign_invoice(data, certificate, key, algorithm=a) for a in ("rsa-sha256", "rsa-sha512", "rsa-sha1")
    ]


def _submit(database: Database, caller, blobs: LocalBlobStore, data: bytes, *attachments: bytes):  # type: ignore[no-untyped-def]
    files = tuple(Attachment(f"a{n}.pdf", "application/pdf", a) for n, a in enumerate(attachments, 1))
    with database.unit_of_work() as session:
        return submit_invoice(
            session, blobs, caller, Submission(data, "f.xsig", "application/xml", None, files), IntakePolicy()
        )


def _refused(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FacturahubError) as caught:
        call()
    return caught.value.key


def _age(blobs: LocalBlobStore, seconds: float = TWO_DAYS) -> None:
    then = time.time() - seconds
    for blob in [*blobs.stored(), *blobs.temporaries()]:
        os.utime(blob.path, (then, then))


def test_only_what_no_invoice_references_is_removed(database: Database, sandbox, documents) -> None:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    registered = _submit(database, caller, blobs, documents[0], b"%PDF-1.4 anexo")
    # the same invoice in another file: refused as a duplicate after its blobs were written
    refused_attachment = b"%PDF-1.4 another attachment"
    assert _refused(lambda: _submit(database, caller, blobs, documents[1], refused_attachment)) == (
        "invoice.duplicate"
    )
    orphans = {blobs.put(documents[1]).sha256, blobs.put(refused_attachment).sha256}
    shard = blobs.root / registered.blob_sha256[:2]
    (shard / ".tmp-crashed").write_bytes(b"half a write")
    _age(blobs)
    recent = blobs.put(b"written a minute ago by an intake still running").sha256

    dry = collect_blobs(database, blobs, grace=GRACE, dry_run=True)
    assert set(dry.removed_digests) == orphans and dry.temporaries_removed == 1
    assert all(blobs.exists(digest) for digest in orphans) and (shard / ".tmp-crashed").exists()

    done = collect_blobs(database, blobs, grace=GRACE)
    assert set(done.removed_digests) == orphans and done.removed == 2
    assert done.removed_bytes == len(documents[1]) + len(refused_attachment)
    assert (done.examined, done.referenced, done.recent, done.temporaries_removed) == (5, 2, 1, 1)
    assert not any(blobs.exists(digest) for digest in orphans) and not (shard / ".tmp-crashed").exists()
    # the registered invoice and its attachment are intact, and so is the young blob
    assert blobs.get(registered.blob_sha256) == documents[0]
    assert blobs.get(blobs.put(b"%PDF-1.4 anexo").sha256) == b"%PDF-1.4 anexo"
    assert blobs.exists(recent)
    assert not list(blobs.quarantined())
    assert collect_blobs(database, blobs, grace=GRACE).removed == 0


def test_a_blob_reused_while_it_is_aside_is_kept(database: Database, sandbox, documents) -> None:  # type: ignore[no-untyped-def]
    """An invoice refused (its signer blocked) leaves its blob; days later the same file is sent
    again and registered *while the collector has that blob aside*: the last look keeps it."""
    caller, blobs = sandbox
    signer = _signer_der(documents[2])
    with database.unit_of_work() as session:
        blocklist.block_certificate(session, Actor.operator(), reason="prueba", data=signer)
    assert _refused(lambda: _submit(database, caller, blobs, documents[2])) == "intake.certificate_blocked"
    with database.unit_of_work() as session:
        blocklist.unblock_certificate(session, Actor.operator(), _sha256(signer))
    _age(blobs)
    registered: list[str] = []  # the blob digest of the invoice registered meanwhile

    class IntakeDuringCollection(LocalBlobStore):
        """The real store; the intake runs right after the collector moves the blob aside."""

        def quarantine(self, blob: StoredBlob) -> Path | None:
            moved = super().quarantine(blob)
            registered.append(_submit(database, caller, blobs, documents[2]).blob_sha256)
            return moved

    done = collect_blobs(database, IntakeDuringCollection(blobs.root), grace=GRACE)
    assert len(registered) == 1 and done.removed == 0 and done.kept_at_last_look == 1
    assert blobs.get(registered[0]) == documents[2] and not list(blobs.quarantined())


def test_a_blob_left_aside_by_an_interrupted_collection_is_put_back(
    database: Database, sandbox, documents
) -> None:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    registered = _submit(database, caller, blobs, documents[0])
    _age(blobs)
    [blob] = [b for b in blobs.stored() if b.sha256 == registered.blob_sha256]
    assert blobs.quarantine(blob) is not None and not blobs.exists(blob.sha256)  # then the crash
    done = collect_blobs(database, blobs, grace=GRACE)
    assert done.restored_from_interrupted == 1 and done.removed == 0
    assert blobs.get(registered.blob_sha256) == documents[0]


def test_cli_collect(database: Database, sandbox, documents, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    _submit(database, caller, blobs, documents[0])
    orphan = blobs.put(b"left by a refused invoice")
    _age(blobs)
    env = {
        **os.environ,
        "FACTURAHUB_DATABASE_URL": database.url,
        "FACTURAHUB_DATA_DIR": str(tmp_path / "var"),
        "FACTURAHUB_BLOB_DIR": str(blobs.root),
    }
    env.pop("FACTURAHUB_CONFIG", None)

    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run(
            [FACTURAHUB, "--json", "blobs", "collect", *args],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert cli("--dry-run")["removed_digests"] == [orphan.sha256] and blobs.exists(orphan.sha256)
    assert cli("--grace-hours", "72")["removed"] == 0 and blobs.exists(orphan.sha256)
    report = cli()
    assert report["removed_digests"] == [orphan.sha256] and report["referenced"] == 1
    assert not blobs.exists(orphan.sha256)


def _signer_der(document: bytes) -> bytes:
    return verify_invoice_signature(document).certificate_der


def _sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()
