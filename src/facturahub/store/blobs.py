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

import contextlib
import fcntl
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from facturahub.store.files import fsync_directory

_HEX = frozenset("0123456789abcdef")
TEMPORARY_PREFIX = ".tmp-"
QUARANTINE = ".quarantine"
COLLECTION_LOCK = ".collect.lock"
MARKER = ".facturahub-store"  # the store's id: which database's files these are
_MARKER_HEAD = "facturahub blob store "


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


class CollectionRunning(RuntimeError):
    """Another collection holds this blob directory's lock."""


class MarkerUnreadable(RuntimeError):
    """The directory's store marker cannot be read as one (``args``: path, reason)."""


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
        if existing is not None and _holds(existing, data):
            try:
                os.utime(existing)  # reused: young again, so the collector leaves it alone
                # another process may have renamed it into place without its directory's
                # fsync yet: make the entry durable before a transaction refers to it
                fsync_directory(existing.parent)
                return ref
            except FileNotFoundError:
                pass  # the collector has just moved it aside: write it again
        # absent, or a copy that is not these bytes (a flipped bit, a truncation, a file we cannot
        # read, a directory in the way): the bytes in hand are written over it
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
        download racing the collector never fails. A copy that does not match its digest is
        passed over for another (the older layout's, the quarantine's); with none left, a copy
        that exists but is damaged is ``BlobCorrupt`` and no copy at all ``BlobNotFound``."""
        for _attempt in range(2):  # the collector may have put it back between our looks: once more
            damaged: list[str] = []
            for path in self._candidates(sha256):
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue
                except OSError as exc:  # a directory in the way, no permission…
                    damaged.append(f"{path}: {exc.strerror or exc}")
                    continue
                if hashlib.sha256(data).hexdigest() == sha256:
                    return data
                damaged.append(f"{path}: {len(data)} bytes that do not match the digest")
            if damaged:
                raise BlobCorrupt(f"blob {sha256} is damaged: {'; '.join(damaged)}")
        raise BlobNotFound(sha256)

    def _candidates(self, sha256: str) -> tuple[Path, ...]:
        return (self._path(sha256), self._legacy_path(sha256), self.root / QUARANTINE / sha256)

    def exists(self, sha256: str) -> bool:
        return self._existing(sha256) is not None

    # --- for the collector ----------------------------------------------------------------------

    def contents(self) -> Iterator[StoredBlob]:
        """Every blob file, in both layouts, and every temporary file (``temporary``), in one pass
        over the shards; the quarantine is not included. A file that disappears while it is
        listed (a temporary file renamed into place) is passed over."""
        for shard in _hex_entries(self.root, 2):
            for entry in os.scandir(shard):
                found: StoredBlob | None = None
                if entry.is_file(follow_symlinks=False):
                    if _is_digest(entry.name):
                        found = _stored(entry)
                    elif entry.name.startswith(TEMPORARY_PREFIX):
                        found = _stored(entry, temporary=True)
                elif entry.is_dir(follow_symlinks=False) and len(entry.name) == 2 and _is_hex(entry.name):
                    yield from self._legacy_contents(entry.path)
                if found is not None:
                    yield found

    def _legacy_contents(self, directory: str) -> Iterator[StoredBlob]:
        try:
            entries = list(os.scandir(directory))
        except FileNotFoundError:
            return
        for legacy in entries:
            if legacy.is_file(follow_symlinks=False) and _is_digest(legacy.name):
                found = _stored(legacy)
                if found is not None:
                    yield found

    @contextlib.contextmanager
    def collection_lock(self) -> Iterator[None]:
        """Held for a whole collection: one collector at a time per blob directory, on every node
        that shares it (``flock`` of ``.collect.lock``; NFS maps it to a POSIX lock). Another
        collector running is :class:`CollectionRunning`, at once."""
        handle = os.open(self.root / COLLECTION_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CollectionRunning(str(self.root)) from None
            yield
        finally:
            os.close(handle)  # releases the lock

    def store_id(self) -> str | None:
        """The id written in the directory's marker (``None``: no marker). A marker that is not
        ours (unreadable, another format) is :class:`MarkerUnreadable`."""
        path = self.root / MARKER
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeError) as exc:
            raise MarkerUnreadable(str(path), str(exc)) from None
        if not text.startswith(_MARKER_HEAD) or not text.endswith("\n"):
            raise MarkerUnreadable(str(path), f"not a facturahub blob store marker: {text[:80]!r}")
        return text[len(_MARKER_HEAD) : -1]

    def claim_store_id(self, candidate: str) -> str:
        """Write ``candidate`` in the marker unless one is there already (never replaced: a link,
        not a rename), durably; the id the marker holds afterwards, whoever wrote it."""
        fd, temporary = tempfile.mkstemp(dir=self.root, prefix=TEMPORARY_PREFIX)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(f"{_MARKER_HEAD}{candidate}\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temporary, self.root / MARKER)
        finally:
            Path(temporary).unlink(missing_ok=True)
        fsync_directory(self.root)
        found = self.store_id()
        assert found is not None  # linked by us or by another process; never removed by us
        return found

    def stored(self) -> Iterator[StoredBlob]:
        """Every blob file, in both layouts."""
        return (blob for blob in self.contents() if not blob.temporary)

    def temporaries(self) -> Iterator[StoredBlob]:
        """Temporary files left by writes that never finished (``sha256`` is the file's name)."""
        return (blob for blob in self.contents() if blob.temporary)

    def quarantine(self, blob: StoredBlob) -> Path | None:
        """Move a blob aside (one atomic rename); None when it is already gone, or when a twin
        of it (the same digest in the other layout) is aside already: the quarantine belongs to
        the one collector holding :meth:`collection_lock`, so nothing else puts a file there, and
        a rename must never replace one."""
        aside = self.root / QUARANTINE
        aside.mkdir(exist_ok=True)
        target = aside / blob.sha256
        if target.exists():
            return None
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
        """Put a quarantined blob back, durably, and young (so that this collection does not
        take it again). A copy an intake wrote again meanwhile is never replaced: it is fresh and
        complete, while the one aside may be the older; the one aside is then dropped."""
        original.parent.mkdir(exist_ok=True)
        with contextlib.suppress(FileExistsError):  # unlike a rename, a link never replaces
            os.link(aside, original)
        os.utime(original)
        fsync_directory(original.parent)
        aside.unlink()


def _is_hex(name: str) -> bool:
    return all(c in _HEX for c in name)


def _is_digest(name: str) -> bool:
    return len(name) == 64 and _is_hex(name)


def _hex_entries(directory: Path, length: int) -> Iterator[str]:
    for entry in os.scandir(directory):
        if len(entry.name) == length and _is_hex(entry.name) and entry.is_dir(follow_symlinks=False):
            yield entry.path


def _stored(entry: os.DirEntry[str], *, temporary: bool = False) -> StoredBlob | None:
    try:
        status = entry.stat(follow_symlinks=False)
    except FileNotFoundError:  # renamed into place, or removed, since the listing
        return None
    return StoredBlob(entry.name, Path(entry.path), status.st_size, status.st_mtime, temporary)


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file holding exactly ``data`` (read back, not only sized:
    a copy with a flipped bit has the right size)."""
    try:
        with open(path, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return False
            return handle.read(len(data) + 1) == data
    except OSError:  # gone, unreadable, a directory
        return False
