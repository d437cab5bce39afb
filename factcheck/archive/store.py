"""Where the archive keeps what it captured: the content-addressed blob store (shared with the
claims' screenshots) and one WARC file per capture."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from factcheck.storage import BlobStore

ARCHIVE_KEY = "factcheck.archive"


@dataclass(frozen=True)
class Archive:
    """The blob store and the WARC folder."""

    blobs: BlobStore
    warc_dir: Path

    @classmethod
    def at(cls, archive_dir: Path, blobs: BlobStore | None = None) -> Archive:
        return cls(blobs or BlobStore(archive_dir / "blobs"), archive_dir / "warc")


def current_archive() -> Archive:
    """The running app's archive."""
    archive: Archive = current_app.extensions[ARCHIVE_KEY]
    return archive
