"""Files written so that a crash leaves them complete or absent, never half-written."""

from __future__ import annotations

import os
from pathlib import Path


def write_durably(target: Path, data: bytes) -> None:
    """Write ``target``: a temporary file beside it, fsynced, renamed into place, and the
    directory fsynced. A failure removes the temporary file and raises an ``OSError`` whose
    ``filename`` is ``target`` (not the temporary file's name)."""
    temporary = target.with_name(f".{target.name}.part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    """Make the directory's entries (a rename, a new file) durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
