"""A complete, restorable backup (SPEC §6): every table as JSON Lines, plus the archive's blobs and
WARC files. The search index is left out: it is rebuilt from the database after a restore.

    backup/
      manifest.json          format, Alembic revision, row and file counts, when
      tables/<table>.jsonl   one JSON object per row, in id order
      archive/blobs/...      content-addressed bodies and screenshots (checked on import)
      archive/warc/...       one WARC file per capture
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from factcheck.db import Base, UTCDateTime
from factcheck.models import import_all_models
from factcheck.storage import BlobStore

FORMAT = "factcheck-backup/1"
ARCHIVE_FOLDERS = ("blobs", "warc")


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why."""


def tables() -> list[Table]:
    import_all_models()
    return list(Base.metadata.sorted_tables)


def export_backup(session: Session, archive_dir: Path, target: Path) -> dict[str, Any]:
    """Write a backup of the database behind ``session`` and of ``archive_dir`` into ``target``."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    (target / "tables").mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in tables():
        with (target / "tables" / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
            count = 0
            for row in session.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                out.write(json.dumps({key: _to_json(value) for key, value in row.items()}, ensure_ascii=False))
                out.write("\n")
                count += 1
        counts[table.name] = count
    files = 0
    for folder in ARCHIVE_FOLDERS:
        source = archive_dir / folder
        if source.is_dir():
            for path in _files(source):
                destination = target / "archive" / folder / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
                files += 1
    manifest = {
        "format": FORMAT,
        "revision": MigrationContext.configure(session.connection()).get_current_revision(),
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "rows": counts,
        "files": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def import_backup(session: Session, archive_dir: Path, source: Path) -> dict[str, Any]:
    """Restore a backup into an empty database at the same migration, and its files."""
    manifest = _manifest(source)
    current = MigrationContext.configure(session.connection()).get_current_revision()
    if manifest["revision"] != current:
        raise BackupError(f"the backup is at migration {manifest['revision']}, the database at {current}: "
                          "run `factcheck init-db` on a database at the same version")
    for table in tables():
        if session.scalar(select(func.count()).select_from(table)):
            raise BackupError(f"the database is not empty (table {table.name} has rows)")
    for table in tables():
        rows = list(_rows(source / "tables" / f"{table.name}.jsonl", table))
        if len(rows) != manifest["rows"].get(table.name, 0):
            raise BackupError(f"{table.name}.jsonl has {len(rows)} rows, the manifest says "
                              f"{manifest['rows'].get(table.name, 0)}")
        for batch in _batches(_dependency_order(table, rows), 500):
            session.execute(insert(table), batch)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        for table in tables():
            # Table names come from our own metadata, never from the backup.
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                                 f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"))
    _restore_files(source / "archive", archive_dir)
    return manifest


def _manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} has no readable manifest.json ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is not a {FORMAT} backup")
    return manifest


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _rows(path: Path, table: Table) -> Iterator[dict[str, Any]]:
    times = {c.name for c in table.columns if isinstance(c.type, UTCDateTime)}
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except ValueError:
                raise BackupError(f"{path.name} line {number} is not JSON") from None
            unknown = set(row) - {c.name for c in table.columns}
            if unknown:
                raise BackupError(f"{path.name} line {number} has unknown columns {sorted(unknown)}")
            yield {k: dt.datetime.fromisoformat(v) if k in times and v is not None else v for k, v in row.items()}


def _dependency_order(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose foreign key points into their own table (a duplicate's original) after it."""
    self_keys = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not self_keys:
        return rows
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    waiting = rows
    while waiting:
        ready = [r for r in waiting if all(r.get(k) is None or r[k] in placed for k in self_keys)]
        if not ready:
            raise BackupError(f"{table.name} has rows that refer to missing or circular rows")
        ordered += ready
        placed |= {r["id"] for r in ready}
        waiting = [r for r in waiting if r["id"] not in placed]
    return ordered


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".tmp-"))


def _restore_files(source: Path, archive_dir: Path) -> None:
    blobs = BlobStore(archive_dir / "blobs")
    for path in _files(source / "blobs") if (source / "blobs").is_dir() else []:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != path.name:
            raise BackupError(f"blob {path.name} is damaged: its content hashes to {digest}")
        blobs.put(path.read_bytes())
    for path in _files(source / "warc") if (source / "warc").is_dir() else []:
        destination = archive_dir / "warc" / path.relative_to(source / "warc")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
