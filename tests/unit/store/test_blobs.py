import hashlib
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
