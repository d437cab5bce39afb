"""The index folder on disk: generation folders, the pointer to the live one, the journal.

Layout::

    CURRENT          the name of the live generation, replaced atomically (os.replace)
    gen-<time>-<rnd> one complete Whoosh index per generation, with a factcheck-schema file
    write.lock       held (fcntl) by whoever changes the live generation: update, delete, swap
    rebuild.lock     held for a whole rebuild: one at a time
    sync.lock        held by the one sync of the outbox running (factcheck.search.service)
    rebuild.journal  exists while a rebuild runs: changes made meanwhile, replayed before the swap
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import json
import os
import shutil
import time
import uuid
import warnings
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

import regex
from whoosh import index as whoosh_index

from factcheck.storage import fsync_directory, write_atomically

# Bump when the schema, the analyzer or the codec (its format or its module path) changes: older
# generations are then rebuilt on open. 3: the codec moved to factcheck.search.codec; 4: the ocr field.
SCHEMA_VERSION = "4"
CURRENT = "CURRENT"
WRITE_LOCK = "write.lock"
REBUILD_LOCK = "rebuild.lock"
JOURNAL = "rebuild.journal"
VERSION_FILE = "factcheck-schema"
_GENERATION = regex.compile(r"gen-[0-9]{20}-[0-9a-f]{8}")

Operations = Mapping[str, "dict[str, object] | None"]


class IndexUnavailable(Exception):
    """The live generation is missing or unreadable."""


def new_generation_name() -> str:
    """A generation name that sorts by creation time and does not collide across processes."""
    return f"gen-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"


def live_generation(folder: Path) -> str:
    """The name ``CURRENT`` points to, or IndexUnavailable."""
    try:
        name = (folder / CURRENT).read_text().strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"{folder / CURRENT} is missing") from None
    if not _GENERATION.fullmatch(name):
        raise IndexUnavailable(f"{folder / CURRENT} names no generation: {name[:40]!r}")
    return name


def open_generation(folder: Path) -> whoosh_index.Index:
    """Open a generation and read a little of everything, or raise IndexUnavailable."""
    try:
        version = (folder / VERSION_FILE).read_text().strip()
    except OSError:
        raise IndexUnavailable(f"{folder} is missing or incomplete") from None
    if version != SCHEMA_VERSION:
        raise IndexUnavailable(f"{folder} has schema {version!r}, not {SCHEMA_VERSION!r}")
    failure = None
    # Whoosh leaves open the file it failed to read; it is closed (and warns) when the failure
    # is dropped. That only happens here, on a damaged index, so silence just that warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            ix = whoosh_index.open_dir(str(folder))
            with ix.reader() as reader:
                if reader.doc_count_all():
                    reader.stored_fields(0)
                for _term in zip(range(100), reader.all_terms(), strict=False):
                    pass
        except Exception as exc:  # noqa: BLE001 - corrupt files fail in many ways; all mean rebuild
            failure = f"{folder} is unreadable: {exc!r}"
        if failure is not None:
            gc.collect()
    if failure is not None:
        raise IndexUnavailable(failure)
    return ix


def seal_generation(folder: Path) -> None:
    """Mark a finished generation with the schema version and flush it to disk."""
    (folder / VERSION_FILE).write_text(SCHEMA_VERSION)
    for entry in folder.iterdir():
        if entry.is_file():
            with open(entry, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_directory(folder)


def point_to(folder: Path, name: str) -> None:
    """Make ``name`` the live generation, atomically."""
    write_atomically(folder / CURRENT, name.encode())


def remove_generations(folder: Path, keep: str) -> None:
    """Delete every generation but ``keep``, and pointer files left by dead writers."""
    # Readers still holding an old generation keep their open files (POSIX): deleting is safe.
    for entry in folder.iterdir():
        if entry.name != keep and _GENERATION.fullmatch(entry.name) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
    for entry in folder.glob(f".{CURRENT}.*"):
        with suppress(FileNotFoundError):
            if time.time() - entry.stat().st_mtime > 60:
                entry.unlink()


# The journal holds Whoosh field values (text, numbers, datetimes, bytes) as JSON lines.


def append_journal(journal: Path, ops: Operations) -> None:
    """Record changes (``None`` deletes a key) made while a rebuild runs."""
    with open(journal, "a", encoding="utf-8") as handle:
        handle.writelines(
            json.dumps({"key": key, "fields": fields}, default=_encode) + "\n"
            for key, fields in ops.items()
        )
        handle.flush()
        os.fsync(handle.fileno())


def read_journal(journal: Path) -> dict[str, dict[str, object] | None]:
    """The journaled changes, the last per key."""
    ops: dict[str, dict[str, object] | None] = {}
    with suppress(FileNotFoundError), open(journal, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                entry = json.loads(line, object_hook=_decode)
                ops.pop(entry["key"], None)
                ops[entry["key"]] = entry["fields"]
    return ops


def _encode(value: object) -> object:
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    raise TypeError(f"cannot journal {type(value).__name__}")


def _decode(obj: dict[str, object]) -> object:
    if "$datetime" in obj:
        return dt.datetime.fromisoformat(str(obj["$datetime"]))
    if "$bytes" in obj:
        return base64.b64decode(str(obj["$bytes"]))
    return obj
