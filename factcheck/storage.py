"""Content-addressed blob storage: each body is kept once, under its SHA-256.

Writes go to a temporary file in the same folder, are fsynced, then renamed into place, so a
reader never sees half a blob and a crash leaves at most a temporary file that the next write of
the same content (or :meth:`BlobStore.remove_stale_temporaries`) clears.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import current_app

_TEMP_PREFIX = ".tmp-"
BLOBS_KEY = "factcheck.blobs"


class BlobStore:
    """Blobs under ``root/ab/cd/<sha256>``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes | Iterable[bytes]) -> tuple[str, int]:
        """Store ``data`` (bytes or chunks); return its SHA-256 and size. Idempotent."""
        if isinstance(data, bytes | bytearray | memoryview):
            known = hashlib.sha256(data).hexdigest()
            if self.exists(known):  # kept already: nothing to write (even on a full disk)
                return known, len(data)
        chunks = [data] if isinstance(data, bytes | bytearray | memoryview) else data
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=self.root)
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            sha256 = digest.hexdigest()
            final = self.path(sha256)
            if final.is_file():
                os.unlink(temp_name)
            else:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp_name, final)
                fsync_directory(final.parent)
        except BaseException:
            _unlink_quietly(temp_name)
            raise
        return sha256, size

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def remove_stale_temporaries(self, older_than_seconds: float = 3600) -> int:
        """Delete temporary files left by writers that died; return how many were removed."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for temp in self.root.glob(f"{_TEMP_PREFIX}*"):
            if temp.stat().st_mtime < cutoff:
                _unlink_quietly(str(temp))
                removed += 1
        return removed


NO_ROOM_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def no_room(error: BaseException) -> bool:
    """Whether a write failed because the disk (or the owner's quota) has no room left."""
    return isinstance(error, OSError) and error.errno in NO_ROOM_ERRNOS


def current_blobs() -> BlobStore:
    """The running app's blob store (archived bodies and screenshots)."""
    blobs: BlobStore = current_app.extensions[BLOBS_KEY]
    return blobs


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Write ``path`` all or nothing: a temporary file beside it, fsynced, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=_TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
        fsync_directory(path.parent)
    except BaseException:
        _unlink_quietly(temp_name)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with :func:`atomic_file`."""
    with atomic_file(path) as handle:
        handle.write(data)


def fsync_directory(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
