"""Blob storage for invoice bytes and attachments: content-addressed by SHA-256.

The local implementation writes to a temporary file in the target directory, fsyncs it, renames it
into place and fsyncs the directory, so a blob is either complete on disk or absent. Another
implementation (S3-compatible) only has to honour the same Protocol.

Intake writes blobs before its database checks, so a refused invoice can leave an unreferenced blob;
:mod:`facturahub.services.blob_collector` removes those. For that, ``put`` of a blob that already
exists makes it young again (its mtime), and the collector moves a blob aside (``quarantine``)
before it looks a last time, so a blob that intake is reusing is never lost.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from facturahub.store.files import fsync_directory

_HEX = frozenset("0123456789abcdef")
TEMPORARY_PREFIX = ".tmp-"
QUARANTINE = ".quarantine"


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredBlob:
    """A blob file as found on disk (for the collector)."""

    sha256: str
    path: Path
    size: int
    modified: float  # st_mtime, seconds since the epoch
    temporary: bool = False  # a write that never finished (``sha256`` is then the file's name)


class BlobNotFound(LookupError):
    pass


class BlobCorrupt(RuntimeError):
    pass


class BlobStore(Protocol):
    def put(self, data: bytes) -> BlobRef: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...


class LocalBlobStore:
    """Blobs under ``root/ab/abcd…`` (256 shard directories, each created once); writes are
    atomic and durable. Blobs written by earlier versions under ``root/ab/cd/abcd…`` are still
    read, and so is a blob the collector has just moved aside (see :meth:`get`)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._shards: set[str] = set()  # shard directories known to exist durably

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def _legacy_path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _existing(self, sha256: str) -> Path | None:
        for path in (self._path(sha256), self._legacy_path(sha256)):
            if path.exists():
                return path
        return None

    def prepare(self) -> int:
        """Create every shard directory that is missing, durably (one fsync of the root for them
        all), so that no write has to create one: the server does this once at start-up. Returns
        how many were created."""
        created = 0
        for index in range(256):
            shard = self.root / f"{index:02x}"
            if not shard.is_dir():
                shard.mkdir(exist_ok=True)
                created += 1
            self._shards.add(shard.name)
        if created:
            fsync_directory(self.root)
        return created

    def put(self, data: bytes) -> BlobRef:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        ref = BlobRef(digest, len(data))
        existing = self._existing(digest)
        if existing is not None:
            try:
                if existing.stat().st_size == len(data):
                    os.utime(existing)  # reused: young again, so the collector leaves it alone
                    # another process may have renamed it into place without its directory's
                    # fsync yet: make the entry durable before a transaction refers to it
                    fsync_directory(existing.parent)
                    return ref
            except FileNotFoundError:
                pass  # the collector has just moved it aside: write it again
        self._ensure_shard(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        fsync_directory(path.parent)
        return ref

    def _ensure_shard(self, shard: Path) -> None:
        """Create the shard directory once, durably (its entry in the root is fsynced too)."""
        if shard.name in self._shards:
            return
        if not shard.is_dir():
            shard.mkdir(exist_ok=True)
            fsync_directory(self.root)
        self._shards.add(shard.name)

    def get(self, sha256: str) -> bytes:
        """The blob's bytes, checked against its digest. A blob the collector has moved aside for
        its last look (it is put back if an invoice references it) is read from there, so a
        download racing the collector never fails."""
        data = self._read(sha256)
        if data is None:  # the collector may have put it back between our looks: once more
            data = self._read(sha256)
        if data is None:
            raise BlobNotFound(sha256)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256} does not match its digest")
        return data

    def _read(self, sha256: str) -> bytes | None:
        for path in (self._path(sha256), self._legacy_path(sha256), self.root / QUARANTINE / sha256):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        return None

    def exists(self, sha256: str) -> bool:
        return self._existing(sha256) is not None

    # --- for the collector ----------------------------------------------------------------------

    def contents(self) -> Iterator[StoredBlob]:
        """Every blob file, in both layouts, and every temporary file (``temporary``), in one pass
        over the shards; the quarantine is not included."""
        for shard in _hex_entries(self.root, 2):
            for entry in os.scandir(shard):
                if entry.is_file(follow_symlinks=False):
                    if _is_digest(entry.name):
                        yield _stored(entry)
                    elif entry.name.startswith(TEMPORARY_PREFIX):
                        yield _stored(entry, temporary=True)
                elif entry.is_dir(follow_symlinks=False) and len(entry.name) == 2 and _is_hex(entry.name):
                    for legacy in os.scandir(entry.path):
                        if legacy.is_file(follow_symlinks=False) and _is_digest(legacy.name):
                            yield _stored(legacy)

    def stored(self) -> Iterator[StoredBlob]:
        """Every blob file, in both layouts."""
        return (blob for blob in self.contents() if not blob.temporary)

    def temporaries(self) -> Iterator[StoredBlob]:
        """Temporary files left by writes that never finished (``sha256`` is the file's name)."""
        return (blob for blob in self.contents() if blob.temporary)

    def quarantine(self, blob: StoredBlob) -> Path | None:
        """Move a blob aside (one atomic rename); None when it is already gone."""
        aside = self.root / QUARANTINE
        aside.mkdir(exist_ok=True)
        target = aside / blob.sha256
        try:
            os.rename(blob.path, target)
        except FileNotFoundError:
            return None
        return target

    def quarantined(self) -> Iterator[tuple[Path, Path]]:
        """(file in the quarantine, where it came from) for every blob left there."""
        aside = self.root / QUARANTINE
        if not aside.is_dir():
            return
        for entry in os.scandir(aside):
            if _is_digest(entry.name):
                yield Path(entry.path), self._path(entry.name)

    def restore(self, aside: Path, original: Path) -> None:
        """Put a quarantined blob back, durably (a copy written again meanwhile is identical)."""
        original.parent.mkdir(exist_ok=True)
        os.replace(aside, original)
        fsync_directory(original.parent)


def _is_hex(name: str) -> bool:
    return all(c in _HEX for c in name)


def _is_digest(name: str) -> bool:
    return len(name) == 64 and _is_hex(name)


def _hex_entries(directory: Path, length: int) -> Iterator[str]:
    for entry in os.scandir(directory):
        if len(entry.name) == length and _is_hex(entry.name) and entry.is_dir(follow_symlinks=False):
            yield entry.path


def _stored(entry: os.DirEntry[str], *, temporary: bool = False) -> StoredBlob:
    status = entry.stat(follow_symlinks=False)
    return StoredBlob(entry.name, Path(entry.path), status.st_size, status.st_mtime, temporary)
