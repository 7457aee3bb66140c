import hashlib
import os
import time
from pathlib import Path

import pytest

from facturahub.store.blobs import BlobCorrupt, BlobNotFound, LocalBlobStore


def test_content_addressed_round_trip(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    data = b"<Facturae/>" * 100
    ref = store.put(data)
    assert ref.sha256 == hashlib.sha256(data).hexdigest() and ref.size == len(data)
    assert store.get(ref.sha256) == data
    assert store.put(data) == ref  # idempotent
    path = tmp_path / "blobs" / ref.sha256[:2] / ref.sha256
    assert path.read_bytes() == data
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_missing_and_corrupt_blobs_are_reported(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    with pytest.raises(BlobNotFound):
        store.get("0" * 64)
    ref = store.put(b"original")
    (tmp_path / ref.sha256[:2] / ref.sha256).write_bytes(b"tampered")
    with pytest.raises(BlobCorrupt):
        store.get(ref.sha256)
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_a_failed_write_leaves_no_partial_blob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = LocalBlobStore(tmp_path)

    def broken_replace(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("facturahub.store.blobs.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"data")
    digest = hashlib.sha256(b"data").hexdigest()
    assert not store.exists(digest)
    assert not list(tmp_path.rglob(".tmp-*"))


def test_blobs_of_the_earlier_two_level_layout_are_still_read(tmp_path: Path) -> None:
    data = b"<Facturae>written by an earlier version</Facturae>"
    digest = hashlib.sha256(data).hexdigest()
    legacy = tmp_path / digest[:2] / digest[2:4] / digest
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(data)
    store = LocalBlobStore(tmp_path)
    assert store.exists(digest) and store.get(digest) == data
    assert store.put(data).sha256 == digest  # already stored: not written again
    assert not (tmp_path / digest[:2] / digest).exists()
    legacy.write_bytes(b"tampered")
    with pytest.raises(BlobCorrupt):
        store.get(digest)


def test_put_of_an_existing_blob_makes_it_young_and_rewrites_one_moved_aside(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    ref = store.put(b"invoice")
    [blob] = list(store.stored())
    os.utime(blob.path, (1_000_000, 1_000_000))
    assert store.put(b"invoice") == ref and blob.path.stat().st_mtime > time.time() - 60
    moved = store.quarantine(blob)
    assert moved is not None and not store.exists(ref.sha256) and store.quarantine(blob) is None
    assert list(store.quarantined()) == [(moved, blob.path)]
    assert store.put(b"invoice") == ref and store.get(ref.sha256) == b"invoice"  # written again
    store.restore(moved, blob.path)  # identical: harmless
    assert store.get(ref.sha256) == b"invoice" and not list(store.quarantined())


def test_stored_lists_both_layouts_but_not_temporaries_or_the_quarantine(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    current = store.put(b"current layout")
    legacy_digest = hashlib.sha256(b"legacy layout").hexdigest()
    legacy = tmp_path / legacy_digest[:2] / legacy_digest[2:4] / legacy_digest
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"legacy layout")
    (tmp_path / current.sha256[:2] / ".tmp-abc").write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("not a blob")
    aside = store.put(b"aside")
    [aside_blob] = [b for b in store.stored() if b.sha256 == aside.sha256]
    store.quarantine(aside_blob)
    found = {blob.sha256: blob for blob in store.stored()}
    assert set(found) == {current.sha256, legacy_digest}
    assert found[legacy_digest].path == legacy and found[legacy_digest].size == len(b"legacy layout")
    assert [t.path.name for t in store.temporaries()] == [".tmp-abc"]


def test_a_blob_moved_aside_by_the_collector_is_still_read_and_checked(tmp_path: Path) -> None:
    """The collector's last look moves a candidate aside; a download that races it (an invoice
    that reused the blob meanwhile) reads it from there instead of failing."""
    store = LocalBlobStore(tmp_path)
    ref = store.put(b"<Facturae>reused</Facturae>")
    [blob] = list(store.stored())
    moved = store.quarantine(blob)
    assert moved is not None and not blob.path.exists()
    assert store.get(ref.sha256) == b"<Facturae>reused</Facturae>"
    moved.write_bytes(b"tampered while aside")
    with pytest.raises(BlobCorrupt):
        store.get(ref.sha256)
    moved.unlink()  # the collector removed it: gone for good
    with pytest.raises(BlobNotFound):
        store.get(ref.sha256)
    with pytest.raises(ValueError):
        store.get("../" + ".quarantine/" + ref.sha256)


def test_prepare_creates_every_shard_once_and_durably_keeps_what_is_there(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    before = store.put(b"written before the shards were prepared")
    assert store.prepare() == 255  # the shard of the blob above already existed
    shards = sorted(p.name for p in (tmp_path / "blobs").iterdir() if p.is_dir())
    assert shards == [f"{i:02x}" for i in range(256)]
    assert store.get(before.sha256) == b"written before the shards were prepared"
    assert LocalBlobStore(tmp_path / "blobs").prepare() == 0  # another worker, later: nothing to do
    after = store.put(b"written after")
    assert (tmp_path / "blobs" / after.sha256[:2] / after.sha256).read_bytes() == b"written after"
