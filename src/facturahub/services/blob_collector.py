"""Remove blobs that no invoice references: those left by invoices refused after their blobs were
written (unknown centres, 414 duplicates, blocked signers…), and temporary files of writes that a
crash interrupted. Run by ``facturahub blobs collect``.

Registered invoices are never at risk:
- only blobs older than the grace period are considered, and intake makes a blob it reuses young
  again (:meth:`LocalBlobStore.put`), so a blob an intake is using now is not a candidate;
- a candidate is moved aside first (one atomic rename), then looked at a last time: younger than
  the grace period (reused meanwhile) or referenced by an invoice or attachment committed meanwhile,
  it is put back; only then is it deleted. An intake that looks for it while it is aside writes it
  again, and a download reads it from there;
- blobs left aside by an interrupted collection are put back when the next one starts; a put-back
  never replaces a copy an intake wrote again meanwhile, and makes the blob young;
- only a database and a blob directory bound to each other are collected
  (:mod:`facturahub.services.blob_binding`): never the hub's files against another database;
- one collection at a time per blob directory (:meth:`LocalBlobStore.collection_lock`, on every
  node that shares it): a second one is refused, ``blobs.collection_running``.

A blob directory the collector cannot use (no permission, ``.quarantine`` that is a file) is one
message, ``blobs.store_unusable``, naming the path and the system's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, select, union
from sqlalchemy.orm import Session

from facturahub.errors import ConfigurationError, Conflict
from facturahub.i18n import register_messages
from facturahub.services.blob_binding import require_binding
from facturahub.store.blobs import CollectionRunning, LocalBlobStore, StoredBlob
from facturahub.store.database import Database
from facturahub.store.models import Invoice, InvoiceAttachment
from facturahub.system_errors import system_reason

log = logging.getLogger("facturahub.blobs")

CHUNK = 500

_REFERENCED = union(
    select(Invoice.blob_sha256).where(Invoice.blob_sha256.in_(bindparam("digests", expanding=True))),
    select(InvoiceAttachment.blob_sha256).where(
        InvoiceAttachment.blob_sha256.in_(bindparam("digests", expanding=True))
    ),
)


@dataclass
class Collection:
    """What a collection found and did (``removed``: would remove, in a dry run)."""

    dry_run: bool
    examined: int = 0
    referenced: int = 0
    recent: int = 0
    kept_at_last_look: int = 0
    restored_from_interrupted: int = 0
    removed: int = 0
    removed_bytes: int = 0
    temporaries_removed: int = 0
    removed_digests: list[str] = field(default_factory=list)


def collect_blobs(
    database: Database,
    blobs: LocalBlobStore,
    *,
    grace: timedelta,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Collection:
    """Collect (see the module docstring). Only a database and a directory bound to each other
    (services/blob_binding.py) are collected: with another database, a staging copy or a cron
    job without the hub's settings, every file would be taken for an orphan."""
    if grace < timedelta(hours=1):
        raise ValueError("the grace period must be at least one hour")
    cutoff = ((now or datetime.now(UTC)) - grace).timestamp()
    try:
        with blobs.collection_lock():
            require_binding(database, blobs)
            return _collect(database, blobs, cutoff, dry_run)
    except CollectionRunning:
        raise Conflict("blobs.collection_running", directory=str(blobs.root)) from None
    except OSError as exc:
        path = str(exc.filename or blobs.root)
        raise ConfigurationError("blobs.store_unusable", path=path, detail=system_reason(exc)) from exc


def _collect(database: Database, blobs: LocalBlobStore, cutoff: float, dry_run: bool) -> Collection:
    done = Collection(dry_run=dry_run)
    if not dry_run:
        for aside, original in blobs.quarantined():
            blobs.restore(aside, original)
            done.restored_from_interrupted += 1
    chunk: list[StoredBlob] = []
    for blob in blobs.contents():
        if blob.temporary:
            if blob.modified < cutoff:
                if not dry_run:
                    blob.path.unlink(missing_ok=True)
                done.temporaries_removed += 1
            continue
        done.examined += 1
        if blob.modified >= cutoff:
            done.recent += 1
            continue
        chunk.append(blob)
        if len(chunk) == CHUNK:
            _collect_chunk(database, blobs, chunk, cutoff, done)
            chunk = []
    if chunk:
        _collect_chunk(database, blobs, chunk, cutoff, done)
    log.info(
        "blob collection%s: %d examined, %d removed (%d bytes), %d temporaries",
        " (dry run)" if dry_run else "",
        done.examined,
        done.removed,
        done.removed_bytes,
        done.temporaries_removed,
    )
    return done


def _collect_chunk(
    database: Database, blobs: LocalBlobStore, chunk: Sequence[StoredBlob], cutoff: float, done: Collection
) -> None:
    referenced = _referenced(database, (blob.sha256 for blob in chunk))
    orphans = [blob for blob in chunk if blob.sha256 not in referenced]
    done.referenced += len(chunk) - len(orphans)
    if done.dry_run:
        for blob in orphans:
            _count_removed(done, blob)
        return
    aside: list[tuple[StoredBlob, Path]] = []
    for blob in orphans:
        moved = blobs.quarantine(blob)
        if moved is not None:
            aside.append((blob, moved))
    # the last look, once nothing can reach them: reused meanwhile, or referenced meanwhile
    referenced = _referenced(database, (blob.sha256 for blob, _moved in aside))
    for blob, moved in aside:
        if moved.stat().st_mtime >= cutoff or blob.sha256 in referenced:
            blobs.restore(moved, blob.path)
            done.kept_at_last_look += 1
            continue
        moved.unlink()
        _count_removed(done, blob)


def _count_removed(done: Collection, blob: StoredBlob) -> None:
    done.removed += 1
    done.removed_bytes += blob.size
    done.removed_digests.append(blob.sha256)


def _referenced(database: Database, digests: Iterable[str]) -> set[str]:
    wanted = list(digests)
    if not wanted:
        return set()
    with database.reading() as session:
        return _referenced_in(session, wanted)


def _referenced_in(session: Session, digests: list[str]) -> set[str]:
    return set(session.connection().scalars(_REFERENCED, {"digests": digests}))


register_messages(
    {
        "blobs.collection_running": {
            "es": "Ya hay una recogida de blobs en curso en {directory} (quizá en otro nodo); "
            "vuelva a intentarlo cuando termine",
            "en": "A blob collection is already running on {directory} (perhaps on another node); "
            "try again when it has finished",
        },
        "blobs.store_unusable": {
            "es": "No se puede usar el almacén de blobs en {path}: {detail}",
            "en": "Cannot use the blob store at {path}: {detail}",
        },
    }
)
