"""Blob storage for invoice bytes and attachments: content-addressed by SHA-256.

The local implementation writes to a temporary file in the target directory, fsyncs it, renames it
into place and fsyncs the directory, so a blob is either complete on disk or absent. Another
implementation (S3-compatible) only has to honour the same Protocol.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


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
    read."""

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

    def put(self, data: bytes) -> BlobRef:
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        ref = BlobRef(digest, len(data))
        existing = self._existing(digest)
        if existing is not None and existing.stat().st_size == len(data):
            return ref
        self._ensure_shard(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(path.parent)
        return ref

    def _ensure_shard(self, shard: Path) -> None:
        """Create the shard directory once, durably (its entry in the root is fsynced too)."""
        if shard.name in self._shards:
            return
        if not shard.is_dir():
            shard.mkdir(exist_ok=True)
            _fsync_directory(self.root)
        self._shards.add(shard.name)

    def get(self, sha256: str) -> bytes:
        path = self._existing(sha256)
        if path is None:
            raise BlobNotFound(sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobCorrupt(f"blob {sha256} does not match its digest")
        return data

    def exists(self, sha256: str) -> bool:
        return self._existing(sha256) is not None


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
