"""The blob collector on both databases, with invoices registered and refused by the real intake
use case: it removes what refused invoices left behind and stale temporaries, never a blob a
registered invoice or attachment references, nor one an intake reuses while it runs; and
``facturahub blobs collect`` drives it."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import delete
from tests.functional.face_hub import FACTURAHUB

from facturahub.errors import FacturahubError
from facturahub.services import blocklist
from facturahub.services.actors import Actor
from facturahub.services.blob_binding import bind_store, database_store_id
from facturahub.services.blob_collector import collect_blobs
from facturahub.services.intake import Attachment, IntakePolicy, Submission, submit_invoice
from facturahub.signatures.xades import verify_invoice_signature
from facturahub.signatures.xades_sign import sign_invoice
from facturahub.store.blobs import BlobCorrupt, LocalBlobStore, StoredBlob
from facturahub.store.database import Database, safe_url
from facturahub.store.migrate import upgrade
from facturahub.store.models import BlobStoreBinding, InvoiceKey

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

    def cli(*args: str) -> dict[str, object]:
        done = _cli(database, blobs, tmp_path, "--json", "blobs", "collect", *args)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))

    assert cli("--dry-run")["removed_digests"] == [orphan.sha256] and blobs.exists(orphan.sha256)
    assert cli("--grace-hours", "72")["removed"] == 0 and blobs.exists(orphan.sha256)
    report = cli()
    assert report["removed_digests"] == [orphan.sha256] and report["referenced"] == 1
    assert not blobs.exists(orphan.sha256)
    blobs.put(b"another orphan")
    _age(blobs)
    said = _cli(database, blobs, tmp_path, "blobs", "collect").stdout.strip()
    assert said.startswith("2 blobs examinados: 1 referenciados, 0 recientes; 1 eliminados ("), said
    said = _cli(database, blobs, tmp_path, "--lang", "en", "blobs", "collect", "--dry-run").stdout.strip()
    assert said.startswith("1 blobs examined: 1 referenced, 0 recent; would remove 0 (0 bytes)"), said


def _signer_der(document: bytes) -> bytes:
    return verify_invoice_signature(document).certificate_der


def _sha256(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def test_a_fresh_copy_is_never_replaced_by_the_one_an_interrupted_collection_left(
    database: Database, sandbox, documents
) -> None:  # type: ignore[no-untyped-def]
    """A collection was killed with an orphan attachment aside. An intake then writes that
    attachment afresh and, before it commits, the next collection runs: putting the old copy back
    over the fresh one (with its old time) made it a candidate again, and it was deleted under the
    invoice being registered."""
    caller, blobs = sandbox
    attachment = b"%PDF-1.4 left by a refused invoice three days ago"
    orphan = blobs.put(attachment)
    _age(blobs, 3 * 24 * 3600)
    [blob] = [b for b in blobs.stored() if b.sha256 == orphan.sha256]
    assert blobs.quarantine(blob) is not None  # ...and then that collection was killed
    collections = []

    class CollectionBeforeCommit(LocalBlobStore):
        """The real store; a collection runs right after the intake wrote the attachment."""

        def put(self, data: bytes):  # type: ignore[no-untyped-def]
            ref = super().put(data)
            if data == attachment:
                store = LocalBlobStore(self.root)  # no invoice committed yet: a new hub
                collections.append(collect_blobs(database, store, grace=GRACE))
            return ref

    registered = _submit(database, caller, CollectionBeforeCommit(blobs.root), documents[0], attachment)
    [done] = collections
    assert done.restored_from_interrupted == 1 and done.removed == 0, done
    assert blobs.get(orphan.sha256) == attachment and blobs.get(registered.blob_sha256) == documents[0]
    assert not list(blobs.quarantined())


def test_one_collection_at_a_time(database: Database, sandbox, documents, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two collections at once (cron on two nodes sharing the blob directory) took each other's
    quarantine for an interrupted run's: the second is refused, and nothing is lost."""
    caller, blobs = sandbox
    registered = _submit(database, caller, blobs, documents[0])
    orphan = blobs.put(b"left by a refused invoice")
    _age(blobs)
    refusals: list[str] = []

    class SecondCollector(LocalBlobStore):
        def quarantine(self, blob: StoredBlob) -> Path | None:
            moved = super().quarantine(blob)
            refusals.append(_refused(lambda: collect_blobs(database, LocalBlobStore(self.root), grace=GRACE)))
            return moved

    done = collect_blobs(database, SecondCollector(blobs.root), grace=GRACE)
    assert refusals == ["blobs.collection_running"] and done.removed_digests == [orphan.sha256]
    assert blobs.get(registered.blob_sha256) == documents[0]
    # through the CLI, while another process holds the directory's lock
    with open(blobs.root / ".collect.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done_cli = _cli(database, blobs, tmp_path, "blobs", "collect")
    assert done_cli.returncode == 5, done_cli.stderr
    assert done_cli.stderr.strip() == (
        f"error: Ya hay una recogida de blobs en curso en {blobs.root} (quizá en otro nodo); "
        "vuelva a intentarlo cuando termine [blobs.collection_running]"
    )
    assert _cli(database, blobs, tmp_path, "blobs", "collect").returncode == 0  # the lock is free again


def test_a_blob_in_both_layouts_is_collected_without_a_crash(database: Database, sandbox) -> None:  # type: ignore[no-untyped-def]
    """The same orphan under ``ab/<sha>`` and under the older ``ab/cd/<sha>``: both went to
    ``.quarantine/<sha>``, the second rename replaced the first and the run failed."""
    _caller, blobs = sandbox
    orphan = blobs.put(b"an orphan in two layouts")
    legacy = blobs.root / orphan.sha256[:2] / orphan.sha256[2:4] / orphan.sha256
    legacy.parent.mkdir()
    legacy.write_bytes(b"an orphan in two layouts")
    _age(blobs)
    first = collect_blobs(database, blobs, grace=GRACE)
    assert first.examined == 2 and first.removed == 1 and blobs.exists(orphan.sha256)  # its twin: next run
    again = collect_blobs(database, blobs, grace=GRACE)
    assert again.removed == 1 and not blobs.exists(orphan.sha256)
    assert not list(blobs.quarantined())


def test_a_damaged_copy_is_mended_by_the_next_intake_of_the_same_bytes(
    database: Database, sandbox, documents
) -> None:  # type: ignore[no-untyped-def]
    """``put`` reused an existing blob when its size matched: a copy with a flipped bit was kept
    while the good bytes were in hand, and the registry's download failed."""
    caller, blobs = sandbox
    attachment = b"%PDF-1.4 shared by two invoices"
    first = _submit(database, caller, blobs, documents[0], attachment)
    digest = hashlib.sha256(attachment).hexdigest()
    path = blobs.root / digest[:2] / digest
    path.write_bytes(attachment.replace(b"shared", b"sharEd"))  # bit rot: same size
    with pytest.raises(BlobCorrupt):
        blobs.get(digest)
    with database.unit_of_work() as session:  # the first invoice is cancelled: the same one may come again
        session.execute(delete(InvoiceKey).where(InvoiceKey.invoice_id == first.id))
    _submit(database, caller, blobs, documents[1], attachment)
    assert blobs.get(digest) == attachment and path.read_bytes() == attachment
    # a damaged copy is passed over for a good one in the older layout
    path.write_bytes(b"x" * len(attachment))
    legacy = blobs.root / digest[:2] / digest[2:4] / digest
    legacy.parent.mkdir()
    legacy.write_bytes(attachment)
    assert blobs.get(digest) == attachment


def test_a_blob_directory_the_collector_cannot_use_is_one_line(
    database: Database, sandbox, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _caller, blobs = sandbox
    blobs.put(b"left by a refused invoice")
    _age(blobs)
    (blobs.root / ".quarantine").write_bytes(b"a file where the quarantine goes")
    done = _cli(database, blobs, tmp_path, "blobs", "collect")
    assert done.returncode == 7 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == (
        f"error: No se puede usar el almacén de blobs en {blobs.root / '.quarantine'}: "
        "El fichero ya existe [blobs.store_unusable]"
    )


def test_a_collection_with_another_database_removes_nothing(
    database: Database, sandbox, documents, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The reviewer's cron job: the hub's blob directory, but another database. A migrated empty
    one (a staging copy; the default SQLite file of an environment without the hub's settings)
    made every blob look like an orphan, and all were removed; a stale copy holding *some*
    invoices would have lost the others' files."""
    caller, blobs = sandbox  # bound to `database`, as `facturahub serve` binds them
    registered = _submit(database, caller, blobs, documents[0], b"%PDF-1.4 an attachment")
    orphan = blobs.put(b"left by a refused invoice").sha256
    _age(blobs)
    kept = {blob.sha256 for blob in blobs.stored()}
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    other = Database(other_url)
    upgrade(other)
    try:
        for args in ((), ("--dry-run",)):  # migrated, empty, never bound
            done = _cli(database, blobs, tmp_path, "blobs", "collect", *args, url=other_url)
            assert done.returncode == 7, done.stderr
            assert done.stderr.strip() == (
                f"error: La base de datos {safe_url(other_url)} y el directorio de blobs {blobs.root} no "
                f"están vinculados (falta blob_store_binding): arranque el hub una vez (facturahub serve) "
                "o ejecute «facturahub blobs bind» con su configuración; nada se ha eliminado "
                "[blobs.store_not_bound]"
            )
        production = {"FACTURAHUB_MODE": "production"}
        done = _cli(database, blobs, tmp_path, "blobs", "bind", url=other_url, extra=production)
        assert done.returncode == 7 and done.stderr.strip().endswith("[blobs.store_taken]"), done.stderr
        assert f"y {safe_url(other_url)} no tiene ninguna factura" in done.stderr
        assert database_store_id(other) is None  # nothing written on a refusal

        elsewhere = LocalBlobStore(tmp_path / "staging-blobs")  # the staging hub's own directory
        staging = bind_store(other, elsewhere)
        ours = (blobs.root / ".facturahub-store").read_text().split()[-1]
        for command in (("blobs", "collect"), ("blobs", "verify"), ("blobs", "bind")):
            done = _cli(database, blobs, tmp_path, *command, url=other_url)
            assert done.returncode == 7, done.stderr
            assert done.stderr.strip().endswith("[blobs.store_of_another_database]"), done.stderr
            assert (
                f"pertenece a otra base de datos (almacén {ours}); {safe_url(other_url)} es la del "
                f"almacén {staging}" in done.stderr
            )
        assert {blob.sha256 for blob in blobs.stored()} == kept  # nothing removed, nothing moved
    finally:
        other.dispose()
    done = _cli(database, blobs, tmp_path, "--json", "blobs", "collect")  # the hub's own database
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["removed_digests"] == [orphan]
    assert blobs.exists(registered.blob_sha256)


def test_blobs_bind_binds_a_hub_that_ran_before_the_binding(
    database: Database, sandbox, documents, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    registered = _submit(database, caller, blobs, documents[0])
    orphan = blobs.put(b"left by a refused invoice").sha256
    _age(blobs)
    marker = blobs.root / ".facturahub-store"
    with database.unit_of_work() as session:  # as after `db upgrade` to 0009, before any start
        session.execute(delete(BlobStoreBinding))
    marker.unlink()
    done = _cli(database, blobs, tmp_path, "blobs", "collect")
    assert done.returncode == 7 and done.stderr.strip().endswith("[blobs.store_not_bound]"), done.stderr
    assert f"(falta {blobs.root}/.facturahub-store)" in done.stderr
    production = {"FACTURAHUB_MODE": "production"}
    bound = _cli(database, blobs, tmp_path, "--json", "blobs", "bind", extra=production)
    assert bound.returncode == 0, bound.stderr
    store_id = json.loads(bound.stdout)["store_id"]
    assert marker.read_text() == f"facturahub blob store {store_id}\n"
    assert database_store_id(database) == store_id
    marker.unlink()  # copied elsewhere without its dot files: the database's id is written back
    again = _cli(database, blobs, tmp_path, "blobs", "bind", extra=production)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == (
        f"El directorio de blobs {blobs.root} y la base de datos están vinculados (almacén {store_id})"
    )
    assert marker.read_text() == f"facturahub blob store {store_id}\n"
    done = _cli(database, blobs, tmp_path, "--json", "blobs", "collect")
    assert done.returncode == 0 and json.loads(done.stdout)["removed_digests"] == [orphan], done.stderr
    assert blobs.exists(registered.blob_sha256)


def test_a_marker_that_is_not_ours_is_one_line(database: Database, sandbox, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _caller, blobs = sandbox
    (blobs.root / ".facturahub-store").write_bytes(b"\xff\xfe something else")
    done = _cli(database, blobs, tmp_path, "blobs", "collect")
    assert done.returncode == 7 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith(
        f"error: No se puede leer la marca del almacén de blobs {blobs.root / '.facturahub-store'}: "
    )
    assert done.stderr.strip().endswith("[blobs.store_marker_unreadable]")


def test_concurrent_binds_agree_on_one_id(database: Database, tmp_path: Path) -> None:
    """Several nodes starting at once, each binding the same new pair."""
    blobs = LocalBlobStore(tmp_path / "new-blobs")
    with ThreadPoolExecutor(8) as pool:
        ids = set(pool.map(lambda _: bind_store(database, LocalBlobStore(blobs.root)), range(8)))
    assert len(ids) == 1
    assert ids == {database_store_id(database), blobs.store_id()}


def test_verify_names_the_invoices_whose_files_are_lost_or_damaged(
    database: Database, sandbox, documents, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    caller, blobs = sandbox
    first = _submit(database, caller, blobs, documents[0], b"%PDF-1.4 first attachment")
    with database.unit_of_work() as session:  # cancelled: the same invoice may come again
        session.execute(delete(InvoiceKey).where(InvoiceKey.invoice_id == first.id))
    attachment = b"%PDF-1.4 second attachment"
    second = _submit(database, caller, blobs, documents[1], attachment)
    good = _cli(database, blobs, tmp_path, "--json", "blobs", "verify")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout) | {"bytes": 0} == {"invoices": 2, "files": 4, "bytes": 0, "damage": []}

    (blobs.root / first.blob_sha256[:2] / first.blob_sha256).unlink()
    digest = hashlib.sha256(attachment).hexdigest()
    (blobs.root / digest[:2] / digest).write_bytes(b"%PDF-1.4 second attachmenT")
    done = _cli(database, blobs, tmp_path, "--json", "blobs", "verify")
    assert done.returncode == 8, done.stderr
    report = json.loads(done.stdout)
    assert [(d["registry_number"], d["file"], d["problem"]) for d in report["damage"]] == [
        (first.registry_number, "invoice", "missing"),
        (second.registry_number, "attachment 1", "damaged"),
    ]
    numbers = f"{first.registry_number}, {second.registry_number}"
    assert done.stderr.strip() == (
        f"error: 2 facturas registradas han perdido ficheros o los tienen dañados ({numbers}): "
        "restáurelos desde una copia de seguridad [blobs.invoices_damaged]"
    )
    text = _cli(database, blobs, tmp_path, "blobs", "verify").stdout.splitlines()
    assert text[0] == "2 facturas comprobadas, 4 ficheros (" + text[0].split("(")[1]
    assert text[0].endswith("1 perdidos, 1 dañados")
    assert text[1] == f"{first.registry_number}: falta el fichero (invoice) «f.xsig», {first.blob_sha256}"
    assert text[2] == f"{second.registry_number}: el fichero (attachment 1) «a1.pdf» está dañado, {digest}"
    blobs.put(documents[0])  # restored from a backup
    blobs.put(attachment)
    assert _cli(database, blobs, tmp_path, "blobs", "verify").returncode == 0


def _cli(
    database: Database,
    blobs: LocalBlobStore,
    tmp_path: Path,
    *args: str,
    url: str | None = None,
    extra: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``facturahub ARGS`` on this database (or ``url``) and blob store, in the default language."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FACTURAHUB_")}
    env.update(
        FACTURAHUB_DATABASE_URL=url or database.url,
        FACTURAHUB_DATA_DIR=str(tmp_path / "var"),
        FACTURAHUB_BLOB_DIR=str(blobs.root),
        **(extra or {}),
    )
    return subprocess.run(
        [FACTURAHUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )
