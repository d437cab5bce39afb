"""A complete, restorable backup (SPEC §6): every table as JSON Lines, plus the archive's blobs and
WARC files. The search index is left out: it is rebuilt from the database after a restore.

    backup/
      manifest.json          format, Alembic revision, row and file counts, when
      tables/<table>.jsonl   one JSON object per row, in primary key order
      archive/blobs/ab/cd/<sha256>   content-addressed bodies and screenshots
      archive/warc/...       one WARC file per capture, under plain relative names

An import trusts nothing in the backup folder. Driven by the SQLAlchemy metadata (no per-table
code), it checks everything before it writes anything: the folder holds only regular files and
folders where the layout expects them (no symbolic link, no special file, at any depth); the
manifest has its fields with their types; every row is an object of known columns whose values have
the column's type and fit it, with NOT NULL columns filled, primary and unique keys unique, every
foreign key pointing at a row of the backup and row counts as the manifest says; every blob hashes
to its name, every digest a row names (columns ``sha256`` and ``*_sha256``) has its blob, and every
WARC name a row holds (``warc_name`` and ``*_warc_name``) is a plain name of a WARC file in the
backup. Only then are the rows inserted, in the caller's transaction, and the files copied; if the
database still refuses a row (a CHECK constraint) or a write fails, the files the import added are
removed again and :class:`BackupError` names the file, the line and what is wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import heapq
import itertools
import json
import math
import os
import re
import shutil
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from alembic.migration import MigrationContext
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKeyConstraint,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from factcheck.db import Base, UTCDateTime
from factcheck.models import import_all_models
from factcheck.storage import atomic_file

FORMAT = "factcheck-backup/1"
ARCHIVE_FOLDERS = ("blobs", "warc")
BATCH_SIZE = 500
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_WARC_DEPTH = 8  # folders and file name under archive/warc
_CHUNK = 1024 * 1024
_DIGEST = re.compile(r"[0-9a-f]{64}")
_FANOUT = re.compile(r"[0-9a-f]{2}")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_TEMPORARY_PREFIX = ".tmp-"  # storage's half-written files: never part of a backup
# Opening a file of the backup never follows a link nor waits on a pipe swapped in after the checks.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why."""


def tables() -> list[Table]:
    """Every table of the workbench, parents before the tables that refer to them."""
    import_all_models()
    return list(Base.metadata.sorted_tables)


# -- export -------------------------------------------------------------------------------------


def export_backup(session: Session, archive_dir: Path, target: Path) -> dict[str, Any]:
    """Write a backup of the database behind ``session`` and of ``archive_dir`` into ``target``."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    for table in tables():
        _TableRules.of(table)  # refuses, before anything is written, a column the format cannot carry
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
        for path, name in _archive_files(archive_dir / folder, folder):
            destination = target / "archive" / folder / name
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


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):  # dates, and times with their zone
        return value.isoformat()
    return value


def _archive_files(folder: Path, kind: str) -> Iterator[tuple[Path, str]]:
    """The regular files of an archive folder whose names an import accepts, with those names;
    links, temporaries and stray files are left out."""
    if not folder.is_dir():
        return
    for parent, subfolders, names in os.walk(folder):  # does not follow links to folders
        subfolders.sort()
        for name in sorted(names):
            path = Path(parent) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink() or not path.is_file():
                continue
            if kind == "blobs" and not _is_blob_path(relative):
                continue
            if kind == "warc" and not _is_plain_path(relative):
                continue
            yield path, relative


def _is_blob_path(relative: str) -> bool:
    parts = relative.split("/")
    return (len(parts) == 3 and _DIGEST.fullmatch(parts[2]) is not None
            and parts[0] == parts[2][:2] and parts[1] == parts[2][2:4])


def _is_plain_path(relative: str) -> bool:
    parts = relative.split("/")
    return len(parts) <= MAX_WARC_DEPTH and all(_PLAIN_NAME.fullmatch(part) for part in parts)


# -- import -------------------------------------------------------------------------------------


def import_backup(session: Session, archive_dir: Path, source: Path) -> dict[str, Any]:
    """Check the backup in ``source`` completely, then restore it into an empty database at the same
    migration (in the session's transaction: the caller commits) and its files into ``archive_dir``."""
    with restoring(session, archive_dir, source) as manifest:
        return manifest


@contextmanager
def restoring(session: Session, archive_dir: Path, source: Path) -> Iterator[dict[str, Any]]:
    """Check and restore the backup in ``source``, then run the block, which commits.

    Nothing is written before every check has passed. When the restore or the block fails (the
    database refuses a row, a file cannot be written, the commit fails), the files this import
    added to ``archive_dir`` are removed and :class:`BackupError` says why; the caller rolls back.
    """
    try:
        plan = _check_backup(session, source, archive_dir)
        _insert_rows(session, plan)
    except OSError as exc:
        raise BackupError(f"the backup cannot be read: {exc}") from None
    writer = _ArchiveWriter(archive_dir)
    try:
        _restore_files(plan, writer)
        _advance_sequences(session)  # last: PostgreSQL keeps a sequence's value through a rollback
        yield plan.manifest
    except BaseException as exc:
        writer.undo()
        if isinstance(exc, SQLAlchemyError):
            raise BackupError(f"the database refused the restore: {_reason(exc)}") from None
        if isinstance(exc, OSError):
            raise BackupError(f"the archive's files cannot be written: {exc}") from None
        raise


# -- what the backup folder holds ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _File:
    """A regular file of the backup, as the checks found it."""

    path: Path
    shown: str  # its path relative to the backup folder, safe to print
    identity: tuple[int, int]  # device and inode: the file read later must be this one


@dataclasses.dataclass
class _Catalogue:
    """Every file of the backup folder, sorted by the part it plays."""

    manifest: _File | None = None
    tables: dict[str, _File] = dataclasses.field(default_factory=dict)
    blobs: dict[str, _File] = dataclasses.field(default_factory=dict)  # by digest
    warcs: dict[str, _File] = dataclasses.field(default_factory=dict)  # by name under archive/warc

    @property
    def file_count(self) -> int:
        return len(self.blobs) + len(self.warcs)


def _catalogue(root: Path, table_names: set[str]) -> _Catalogue:
    """Walk the backup folder without following links; refuse anything out of place."""
    found = _Catalogue()
    for entry, shown in _entries(root, ""):
        if entry.name == "manifest.json":
            found.manifest = _regular_file(entry, shown)
        elif entry.name == "tables":
            _expect_folder(entry, shown)
            for table_entry, table_shown in _entries(Path(entry.path), shown):
                file = _regular_file(table_entry, table_shown)
                name = table_entry.name.removesuffix(".jsonl")
                if not table_entry.name.endswith(".jsonl") or name not in table_names:
                    raise BackupError(f"{table_shown} is not the file of a table of this database")
                found.tables[name] = file
        elif entry.name == "archive":
            _expect_folder(entry, shown)
            for folder, folder_shown in _entries(Path(entry.path), shown):
                _expect_folder(folder, folder_shown)
                if folder.name == "blobs":
                    _catalogue_blobs(Path(folder.path), folder_shown, found.blobs)
                elif folder.name == "warc":
                    _catalogue_warcs(Path(folder.path), folder_shown, "", found.warcs)
                else:
                    raise BackupError(f"{folder_shown} is not part of a backup (archive/ holds blobs/ and warc/)")
        else:
            raise BackupError(f"{shown} is not part of a backup (it holds manifest.json, tables/ and archive/)")
    return found


def _catalogue_blobs(folder: Path, shown: str, blobs: dict[str, _File]) -> None:
    for first, first_shown in _entries(folder, shown):
        _expect_folder(first, first_shown)
        if not _FANOUT.fullmatch(first.name):
            raise BackupError(f"{first_shown} is not a blob folder (two hex digits)")
        for second, second_shown in _entries(Path(first.path), first_shown):
            _expect_folder(second, second_shown)
            if not _FANOUT.fullmatch(second.name):
                raise BackupError(f"{second_shown} is not a blob folder (two hex digits)")
            for blob, blob_shown in _entries(Path(second.path), second_shown):
                file = _regular_file(blob, blob_shown)
                if not _is_blob_path(f"{first.name}/{second.name}/{blob.name}"):
                    raise BackupError(f"{blob_shown} is not named by the SHA-256 of a blob in its folders "
                                      "(blobs/ab/cd/abcd...)")
                blobs[blob.name] = file


def _catalogue_warcs(folder: Path, shown: str, prefix: str, warcs: dict[str, _File]) -> None:
    for entry, entry_shown in _entries(folder, shown):
        name = prefix + entry.name
        kind = _kind(entry, entry_shown)
        if not _PLAIN_NAME.fullmatch(entry.name) or name.count("/") >= MAX_WARC_DEPTH:
            raise BackupError(f"{entry_shown} is not a plain name under archive/warc "
                              "(letters, digits, '.', '_' and '-', not starting with a dot)")
        if kind == "folder":
            _catalogue_warcs(Path(entry.path), entry_shown, name + "/", warcs)
        else:
            warcs[name] = _regular_file(entry, entry_shown)


def _entries(folder: Path, shown: str) -> list[tuple[os.DirEntry[str], str]]:
    with os.scandir(folder) as listing:
        entries = sorted(listing, key=lambda entry: entry.name)
    return [(entry, f"{shown}{_shown(entry.name)}" + ("/" if entry.is_dir(follow_symlinks=False) else ""))
            for entry in entries]


def _kind(entry: os.DirEntry[str], shown: str) -> str:
    if entry.is_symlink():
        raise BackupError(f"{shown.rstrip('/')} is a symbolic link: a backup holds only regular files and folders")
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    if entry.is_file(follow_symlinks=False):
        return "file"
    raise BackupError(f"{shown} is a special file (a device, pipe or socket): a backup holds only regular "
                      "files and folders")


def _expect_folder(entry: os.DirEntry[str], shown: str) -> None:
    if _kind(entry, shown) != "folder":
        raise BackupError(f"{shown} is a file where the backup has a folder")


def _regular_file(entry: os.DirEntry[str], shown: str) -> _File:
    if _kind(entry, shown) != "file":
        raise BackupError(f"{shown} is a folder where the backup has a file")
    status = entry.stat(follow_symlinks=False)
    return _File(Path(entry.path), shown, (status.st_dev, status.st_ino))


def _open(file: _File) -> BinaryIO:
    """Open a file of the backup for reading, if it is still the regular file the checks saw."""
    try:
        fd = os.open(file.path, _OPEN_FLAGS)
    except OSError as exc:
        raise BackupError(f"{file.shown} cannot be read ({exc.strerror}): it changed during the import") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode) or (status.st_dev, status.st_ino) != file.identity:
        os.close(fd)
        raise BackupError(f"{file.shown} changed during the import")
    return os.fdopen(fd, "rb")


def _file_digest(file: _File) -> str:
    with _open(file) as handle:
        return _stream_digest(handle)


def _stream_digest(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


# -- the manifest -------------------------------------------------------------------------------

_MANIFEST_FIELDS: tuple[tuple[str, type, str], ...] = (
    ("format", str, "a string"),
    ("revision", str, "a string"),
    ("created_at", str, "a date and time (ISO 8601 text)"),
    ("rows", dict, "an object of table names and row counts"),
    ("files", int, "a whole number"),
)


def _read_manifest(file: _File, table_names: set[str]) -> dict[str, Any]:
    with _open(file) as handle:
        data = handle.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise BackupError(f"manifest.json is larger than {MAX_MANIFEST_BYTES // 1024} KiB: not a manifest")
    manifest = _parse_json(data, "manifest.json")
    if not isinstance(manifest, dict):
        raise BackupError(f"manifest.json holds {_json_type(manifest)}, not a JSON object")
    for name, kind, words in _MANIFEST_FIELDS:
        if name not in manifest:
            raise BackupError(f'manifest.json: the field "{name}" is missing')
        value = manifest[name]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise BackupError(f'manifest.json: "{name}" should be {words}, not {_json_type(value)}')
    if manifest["format"] != FORMAT:
        raise BackupError(f'manifest.json: the format is "{_shown(manifest["format"])}", not {FORMAT}')
    try:
        dt.datetime.fromisoformat(manifest["created_at"])
    except ValueError:
        raise BackupError(f'manifest.json: "created_at" should be a date and time (ISO 8601), '
                          f'not "{_shown(manifest["created_at"])}"') from None
    if manifest["files"] < 0:
        raise BackupError('manifest.json: "files" should be a whole number, not negative')
    for name, count in manifest["rows"].items():
        if name not in table_names:
            raise BackupError(f'manifest.json: "rows" names "{_shown(name)}", which is not a table of this database')
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise BackupError(f'manifest.json: the row count of {name} should be a whole number, '
                              f"not {_json_type(count) if not isinstance(count, int) else count}")
    return manifest


# -- the rules each row must follow -------------------------------------------------------------


class _Problem(Exception):
    """What is wrong with one value; the caller says where."""


Reader = Callable[[Any], Any]  # a JSON value → the value to insert, or _Problem


@dataclasses.dataclass(frozen=True)
class _TableRules:
    """What a row of one table must look like, read from the table's metadata."""

    table: Table
    readers: dict[str, Reader]
    required: frozenset[str]  # NOT NULL columns
    blob_columns: tuple[tuple[str, bool], ...]  # a digest column, and whether its blob must be there
    warc_columns: tuple[str, ...]

    @classmethod
    def of(cls, table: Table) -> _TableRules:
        readers = {column.name: _reader(column) for column in table.columns}
        text_columns = [c.name for c in table.columns if isinstance(_base_type(c), String)]
        return cls(
            table=table,
            readers=readers,
            required=frozenset(c.name for c in table.columns if not c.nullable),
            # A capture records the digest of the blob it is about to write (``staged_*``) before
            # writing it, so a backup taken meanwhile may rightly lack that blob.
            blob_columns=tuple((name, not name.startswith("staged_")) for name in text_columns
                               if name == "sha256" or name.endswith("_sha256")),
            warc_columns=tuple(name for name in text_columns if name == "warc_name" or name.endswith("_warc_name")),
        )

    def convert(self, row: Any, where: str) -> dict[str, Any]:
        """The row's values, checked and ready to insert (absent nullable columns are null)."""
        if not isinstance(row, dict):
            raise BackupError(f"{where}: holds {_json_type(row)}, not a JSON object")
        unknown = [key for key in row if key not in self.readers]
        if unknown:
            raise BackupError(f'{where}: "{_shown(unknown[0])}" is not a column of {self.table.name}')
        values: dict[str, Any] = {}
        for name, read in self.readers.items():
            value = row.get(name)
            if value is None:
                if name in self.required:
                    state = "null" if name in row else "missing"
                    raise BackupError(f"{where}: {name} is {state}, and the column may not be null")
                values[name] = None
                continue
            try:
                values[name] = read(value)
            except _Problem as problem:
                raise BackupError(f"{where}: {name} {problem}") from None
        return values


def _base_type(column: Column[Any]) -> Any:
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _reader(column: Column[Any]) -> Reader:
    kind = _base_type(column)
    if isinstance(kind, Boolean):
        return _read_boolean
    if isinstance(kind, Integer):
        bits = 63 if isinstance(kind, BigInteger) else 15 if isinstance(kind, SmallInteger) else 31
        return lambda value: _read_integer(value, bits)
    if isinstance(kind, Float):
        return _read_number
    if isinstance(kind, Enum):
        choices = frozenset(kind.enums)
        return lambda value: _read_choice(value, choices)
    if isinstance(kind, String):
        return lambda value: _read_text(value, kind.length)
    if isinstance(kind, DateTime):
        aware = bool(kind.timezone) or isinstance(column.type, UTCDateTime)
        return lambda value: _read_timestamp(value, aware)
    if isinstance(kind, Date):
        return _read_date
    if isinstance(kind, JSON):
        return _read_json
    raise BackupError(f"the column {column.table.name}.{column.name} has the type {column.type!r}, which "
                      "backups do not carry yet (teach factcheck/backup.py its rules)")


def _read_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Problem(f"should be true or false, not {_json_type(value)}")
    return value


def _read_integer(value: Any, bits: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Problem(f"should be an integer, not {_json_type(value)}")
    if not -(2**bits) <= value < 2**bits:
        raise _Problem(f"is {_shown(str(value), 40)}, out of the column's range ({-(2**bits)} to {2**bits - 1})")
    return value


def _read_number(value: Any) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Problem(f"should be a number, not {_json_type(value)}")
    if not math.isfinite(value):
        raise _Problem("is too large a number")
    return value


def _read_text(value: Any, length: int | None) -> str:
    if not isinstance(value, str):
        raise _Problem(f"should be a string, not {_json_type(value)}")
    if length is not None and len(value) > length:
        raise _Problem(f"is {len(value)} characters long; the column holds at most {length}")
    if "\x00" in value:
        raise _Problem("holds a NUL character, which databases refuse")
    _check_unicode(value)
    return value


def _read_choice(value: Any, choices: frozenset[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _Problem(f"should be one of {', '.join(sorted(choices))}, not {_json_type(value)}")
    return value


def _read_timestamp(value: Any, aware: bool) -> dt.datetime:
    if not isinstance(value, str):
        raise _Problem(f"should be a date and time (ISO 8601 text), not {_json_type(value)}")
    try:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:  # written from a store without zones: UTC, as the app keeps it
            moment = moment.replace(tzinfo=dt.UTC)
        moment = moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise _Problem(f'is "{_shown(value, 40)}", not a date and time (ISO 8601)') from None
    return moment if aware else moment.replace(tzinfo=None)


def _read_date(value: Any) -> dt.date:
    if not isinstance(value, str):
        raise _Problem(f"should be a date (ISO 8601 text), not {_json_type(value)}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _Problem(f'is "{_shown(value, 40)}", not a date (ISO 8601)') from None


def _read_json(value: Any) -> Any:
    waiting = [value]
    while waiting:  # every string, keys included, must be text a database can store
        item = waiting.pop()
        if isinstance(item, str):
            _check_unicode(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise _Problem("holds a number too large for JSON")
        elif isinstance(item, dict):
            waiting += item.keys()
            waiting += item.values()
        elif isinstance(item, list):
            waiting += item
    return value


def _check_unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _Problem("holds text that is not valid Unicode (a lone surrogate)") from None


# -- reading rows -------------------------------------------------------------------------------


def _parse_json(data: bytes, where: str) -> Any:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BackupError(f"{where}: is not UTF-8 text") from None
    if not text.strip():
        raise BackupError(f"{where}: is empty, where a JSON object belongs")
    try:
        return json.loads(text, object_pairs_hook=_object_without_repeats, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BackupError(f"{where}: is not valid JSON ({exc.msg}, column {exc.colno})") from None
    except ValueError as exc:
        raise BackupError(f"{where}: is not valid JSON ({exc})") from None
    except RecursionError:
        raise BackupError(f"{where}: is not valid JSON (nested too deeply)") from None


def _object_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f'the key "{_shown(key)}" appears twice')
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _table_rows(file: _File, rules: _TableRules, digest: Any) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each row of a table file with its line number, checked; feeds the raw bytes to ``digest``."""
    with _open(file) as handle:
        for number, raw in enumerate(handle, start=1):
            digest.update(raw)
            where = f"{file.shown} line {number}"
            yield number, rules.convert(_parse_json(raw, where), where)


# -- checking the whole backup ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Plan:
    """A backup that passed every check: what to insert and copy."""

    manifest: dict[str, Any]
    catalogue: _Catalogue
    rules: list[_TableRules]
    table_digests: dict[str, str]  # the table files as checked: a file changed since is refused
    parents_first: dict[str, list[int]]  # for tables whose rows refer to rows of the same table


def _check_backup(session: Session, source: Path, archive_dir: Path) -> _Plan:
    rules = [_TableRules.of(table) for table in tables()]
    names = {r.table.name for r in rules}
    catalogue = _catalogue(source, names)
    if catalogue.manifest is None:
        raise BackupError("manifest.json is missing: this is not a backup folder")
    manifest = _read_manifest(catalogue.manifest, names)
    _check_database(session, manifest)
    for name in names:
        if name not in catalogue.tables:
            raise BackupError(f"tables/{name}.jsonl is missing")
    if catalogue.file_count != manifest["files"]:
        raise BackupError(f"manifest.json says the archive holds {manifest['files']} files; "
                          f"archive/ holds {catalogue.file_count}")
    for digest, file in catalogue.blobs.items():
        found = _file_digest(file)
        if found != digest:
            raise BackupError(f"{file.shown} is damaged: its content hashes to {found}, not to its name")
    _check_destinations(catalogue, archive_dir)
    table_digests, parents_first = _check_rows(rules, catalogue, manifest)
    return _Plan(manifest, catalogue, rules, table_digests, parents_first)


def _check_database(session: Session, manifest: dict[str, Any]) -> None:
    try:
        current = MigrationContext.configure(session.connection()).get_current_revision()
        if current is None:
            raise BackupError("the database has no tables yet: run `factcheck init-db` first")
        if manifest["revision"] != current:
            raise BackupError(f"the backup is at migration {_shown(manifest['revision'])}, the database at "
                              f"{current}: run `factcheck init-db` on a database at the same version")
        for table in tables():
            if session.scalar(select(exists().select_from(table))):
                raise BackupError(f"the database is not empty (table {table.name} has rows)")
    except SQLAlchemyError as exc:
        raise BackupError(f"the database cannot be read ({_reason(exc)}): run `factcheck init-db` first") from None


def _check_destinations(catalogue: _Catalogue, archive_dir: Path) -> None:
    """Refuse, before writing, to replace anything in the archive folder with other content."""
    for digest in catalogue.blobs:
        destination = _blob_destination(archive_dir, digest)
        if os.path.lexists(destination) and (destination.is_symlink() or not destination.is_file()):
            raise BackupError(f"{destination} is in the way of a blob of the backup: move it away first")
    for name, file in catalogue.warcs.items():
        destination = archive_dir / "warc" / name
        if not os.path.lexists(destination):
            continue
        if destination.is_symlink() or not destination.is_file():
            raise BackupError(f"{destination} is in the way of archive/warc/{name}: move it away first")
        with destination.open("rb") as existing:
            same = _stream_digest(existing) == _file_digest(file)
        if not same:
            raise BackupError(f"{destination} exists already with other content than archive/warc/{name}: "
                              "move it away first")


def _check_rows(rules: list[_TableRules], catalogue: _Catalogue,
                manifest: dict[str, Any]) -> tuple[dict[str, str], dict[str, list[int]]]:
    """Read every table file once, parents first: types, keys, references, counts. Only key values
    are kept, not rows; return each file's digest and, for tables whose rows refer to their own
    table, the order of lines that inserts the rows referred to first."""
    ledger = _KeyLedger([r.table for r in rules])
    digests: dict[str, str] = {}
    orders: dict[str, list[int]] = {}
    for table_rules in rules:
        name = table_rules.table.name
        file = catalogue.tables[name]
        digest = hashlib.sha256()
        count, family = _check_table(table_rules, file, catalogue, ledger, digest)
        expected = manifest["rows"].get(name)
        if expected is None:
            raise BackupError(f"manifest.json gives no row count for {name}")
        if expected != count:
            raise BackupError(f"manifest.json says {name} has {expected} rows; {file.shown} has {count}")
        ledger.close(name)
        if family is not None:
            orders[name] = _parents_first(family, file.shown)
        digests[name] = digest.hexdigest()
    return digests, orders


Family = list[tuple[int, tuple[Any, ...], tuple[Any, ...]]]  # line, keys it offers, keys it needs (per self-reference)


def _check_table(rules: _TableRules, file: _File, catalogue: _Catalogue, ledger: _KeyLedger,
                 digest: Any) -> tuple[int, Family | None]:
    """Check one table file row by row; return its row count and, if its rows refer to rows of
    the same table, what each row offers and needs."""
    table = rules.table
    first_lines: dict[tuple[str, ...], dict[tuple[Any, ...], int]] = {cols: {} for cols in _unique_keys(table)}
    offered = ledger.open(table.name)
    self_references = [fk for fk in table.foreign_key_constraints if fk.referred_table is table]
    family: Family = []
    count = 0
    for number, values in _table_rows(file, rules, digest):
        where = f"{file.shown} line {number}"
        count += 1
        _check_files_named(rules, values, where, catalogue)
        for columns, lines in first_lines.items():
            key = _key_or_none(values, columns)
            if key in lines:
                raise BackupError(f"{where}: {_describe(columns, key)} appears already on line {lines[key]}")
            if key is not None:
                lines[key] = number
        for columns, keys in offered.items():
            key = _key_or_none(values, columns)
            if key is not None:
                keys.add(key)
        for fk in table.foreign_key_constraints:
            key = _key_or_none(values, _local(fk))
            if key is not None:
                ledger.refer(fk, key, where)
        if self_references:
            family.append((number, tuple(tuple(values[c] for c in _remote(fk)) for fk in self_references),
                           tuple(_key_or_none(values, _local(fk)) for fk in self_references)))
    return count, family if self_references else None


class _KeyLedger:
    """The key values each table's rows offer to foreign keys, and the references still to check
    (to a table not read yet: the table itself, or one later in a cycle)."""

    def __init__(self, all_tables: list[Table]) -> None:
        self.referred: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for table in all_tables:
            for fk in table.foreign_key_constraints:
                self.referred[fk.referred_table.name].add(_remote(fk))
        self.offered: dict[str, dict[tuple[str, ...], set[tuple[Any, ...]]]] = {}
        self.closed: set[str] = set()
        self.waiting: list[tuple[ForeignKeyConstraint, tuple[Any, ...], str]] = []

    def open(self, table: str) -> dict[tuple[str, ...], set[tuple[Any, ...]]]:
        """The sets to fill with the key values ``table``'s rows offer."""
        self.offered[table] = {columns: set() for columns in self.referred[table]}
        return self.offered[table]

    def refer(self, fk: ForeignKeyConstraint, key: tuple[Any, ...], where: str) -> None:
        """Check a reference now if its table has been read, or once it has."""
        if fk.referred_table.name in self.closed:
            self._check(fk, key, where)
        else:
            self.waiting.append((fk, key, where))

    def close(self, table: str) -> None:
        """``table`` has been read: check the references that waited for it."""
        self.closed.add(table)
        ready = [entry for entry in self.waiting if entry[0].referred_table.name == table]
        self.waiting = [entry for entry in self.waiting if entry[0].referred_table.name != table]
        for fk, key, where in ready:
            self._check(fk, key, where)

    def _check(self, fk: ForeignKeyConstraint, key: tuple[Any, ...], where: str) -> None:
        if key not in self.offered[fk.referred_table.name][_remote(fk)]:
            raise BackupError(f"{where}: {_describe(_local(fk), key)} refers to no row of {fk.referred_table.name} "
                              "in the backup")


def _local(fk: ForeignKeyConstraint) -> tuple[str, ...]:
    return tuple(element.parent.name for element in fk.elements)


def _remote(fk: ForeignKeyConstraint) -> tuple[str, ...]:
    return tuple(element.column.name for element in fk.elements)


def _key_or_none(values: dict[str, Any], columns: tuple[str, ...]) -> tuple[Any, ...] | None:
    key = tuple(values[c] for c in columns)
    return None if None in key else key


def _unique_keys(table: Table) -> list[tuple[str, ...]]:
    """The primary key, unique constraints and plain unique indexes of ``table``."""
    found = [tuple(c.name for c in table.primary_key.columns)]
    found += [tuple(c.name for c in constraint.columns) for constraint in table.constraints
              if isinstance(constraint, UniqueConstraint)]
    for index in table.indexes:
        partial = any(key.endswith("_where") and value is not None for key, value in index.dialect_kwargs.items())
        columns = [e for e in index.expressions if isinstance(e, Column)]
        if index.unique and not partial and len(columns) == len(index.expressions):
            found.append(tuple(column.name for column in columns))
    return list(dict.fromkeys(found))


def _check_files_named(rules: _TableRules, values: dict[str, Any], where: str, catalogue: _Catalogue) -> None:
    for name, must_exist in rules.blob_columns:
        digest = values[name]
        if digest is None:
            continue
        if not _DIGEST.fullmatch(digest):
            raise BackupError(f'{where}: {name} "{_shown(digest)}" is not a SHA-256 digest (64 hex digits)')
        if must_exist and digest not in catalogue.blobs:
            raise BackupError(f"{where}: {name} {digest} has no blob in archive/blobs")
    for name in rules.warc_columns:
        warc_name = values[name]
        if warc_name is None:
            continue
        if not _is_plain_path(warc_name):
            raise BackupError(f'{where}: {name} "{_shown(warc_name)}" is not a plain name under archive/warc')
        if warc_name not in catalogue.warcs:
            raise BackupError(f"{where}: {name} {warc_name} names a WARC file that archive/warc does not hold")


def _parents_first(rows: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]], shown: str) -> list[int]:
    """The line order in which rows referring to rows of their own table come after those rows
    (a duplicate claim after its original); refuses rows that refer to each other in a circle."""
    providers: list[dict[tuple[Any, ...], int]] = [{} for _ in rows[0][1]] if rows else []
    for index, (_number, provides, _needs) in enumerate(rows):
        for reference, key in enumerate(provides):
            providers[reference].setdefault(key, index)
    children: dict[int, list[int]] = defaultdict(list)
    pending = [0] * len(rows)
    for index, (_number, _provides, needs) in enumerate(rows):
        for reference, key in enumerate(needs):
            if key is not None:
                children[providers[reference][key]].append(index)
                pending[index] += 1
    ready = [index for index, count in enumerate(pending) if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        index = heapq.heappop(ready)
        order.append(rows[index][0])
        for child in children[index]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, child)
    if len(order) != len(rows):
        circle = [str(rows[index][0]) for index, count in enumerate(pending) if count][:5]
        raise BackupError(f"{shown} lines {', '.join(circle)} refer to each other in a circle")
    return order


# -- writing ------------------------------------------------------------------------------------


def _insert_rows(session: Session, plan: _Plan) -> None:
    for rules in plan.rules:
        name = rules.table.name
        file = plan.catalogue.tables[name]
        digest = hashlib.sha256()
        rows: Iterable[tuple[int, dict[str, Any]]] = _table_rows(file, rules, digest)
        if name in plan.parents_first:
            by_line = dict(rows)
            rows = ((number, by_line[number]) for number in plan.parents_first[name])
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, BATCH_SIZE)):
            _insert_batch(session, rules.table, file, batch)
        if digest.hexdigest() != plan.table_digests[name]:
            raise BackupError(f"{file.shown} changed during the import")


def _insert_batch(session: Session, table: Table, file: _File, batch: list[tuple[int, dict[str, Any]]]) -> None:
    try:
        with session.begin_nested():
            session.execute(insert(table), [values for _number, values in batch])
        return
    except SQLAlchemyError:
        pass
    for number, values in batch:  # find the row the database refuses, to name it
        try:
            with session.begin_nested():
                session.execute(insert(table), [values])
        except SQLAlchemyError as exc:
            raise BackupError(f"{file.shown} line {number}: the database refused the row: {_reason(exc)}") from None
    raise BackupError(f"{file.shown}: the database refused rows {batch[0][0]} to {batch[-1][0]} together")


def _advance_sequences(session: Session) -> None:
    """Make new rows continue after the restored ids (PostgreSQL's sequences ignore explicit ids)."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return
    for table in tables():
        primary = list(table.primary_key.columns)
        if len(primary) != 1 or not isinstance(_base_type(primary[0]), Integer):
            continue
        highest = func.max(primary[0])
        sequence = func.pg_get_serial_sequence(dialect.identifier_preparer.format_table(table), primary[0].name)
        session.execute(select(func.setval(sequence, func.coalesce(highest, 1), highest.is_not(None)))
                        .select_from(table))


class _ArchiveWriter:
    """Copies files into the archive folder and remembers what it added, to take it away again."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.added_files: list[Path] = []
        self.added_folders: list[Path] = []

    def copy(self, file: _File, destination: Path, digest: str | None = None) -> None:
        """Copy ``file`` to ``destination`` (all or nothing), checking its content against ``digest``."""
        if os.path.lexists(destination):
            return  # the same content: _check_destinations refused anything else
        self._make_folders(destination.parent)
        with _open(file) as source, atomic_file(destination) as out:
            hashed = hashlib.sha256()
            for chunk in iter(lambda: source.read(_CHUNK), b""):
                hashed.update(chunk)
                out.write(chunk)
            if digest is not None and hashed.hexdigest() != digest:
                raise BackupError(f"{file.shown} changed during the import")
        self.added_files.append(destination)

    def _make_folders(self, folder: Path) -> None:
        missing = []
        while not os.path.lexists(folder) and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.added_folders.append(path)

    def undo(self) -> None:
        """Remove every file and folder this writer added."""
        for path in reversed(self.added_files):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
        for folder in reversed(self.added_folders):
            try:
                folder.rmdir()
            except OSError:
                pass  # something else was put there meanwhile: leave it


def _blob_destination(archive_dir: Path, digest: str) -> Path:
    return archive_dir / "blobs" / digest[:2] / digest[2:4] / digest


def _restore_files(plan: _Plan, writer: _ArchiveWriter) -> None:
    for digest, file in plan.catalogue.blobs.items():
        writer.copy(file, _blob_destination(writer.root, digest), digest)
    for name, file in plan.catalogue.warcs.items():
        writer.copy(file, writer.root / "warc" / name)


# -- messages -----------------------------------------------------------------------------------


def _shown(text: str, limit: int = 120) -> str:
    """Text from the backup made safe to print: control characters escaped, long text cut."""
    safe = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return safe + ("..." if len(text) > limit else "")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"the number {_shown(str(value), 40)}"
    if isinstance(value, float):
        return "a fractional number"
    if isinstance(value, str):
        return f'the string "{_shown(value, 40)}"'
    if isinstance(value, list):
        return "a list"
    return "an object"


def _describe(columns: tuple[str, ...], key: tuple[Any, ...]) -> str:
    if len(columns) == 1:
        return f"{columns[0]} {_shown(repr(key[0]), 80)}"
    return f"({', '.join(columns)}) {_shown(repr(key), 80)}"


def _reason(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return _shown(text.splitlines()[0] if text else type(exc).__name__, 300)
