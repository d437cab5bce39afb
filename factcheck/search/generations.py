"""The index folder on disk: generation folders, the pointer to the live one, the journal.

Layout::

    CURRENT          the name of the live generation, replaced atomically (os.replace)
    gen-<time>-<rnd> one complete Whoosh index per generation, with a factcheck-schema file
    write.lock       held (fcntl) by whoever changes the live generation: update, delete, swap
    rebuild.lock     held for a whole rebuild: one at a time
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
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from contextlib import suppress
from pathlib import Path
from pickle import dumps, loads

import regex
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import (
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
)
from whoosh.matching import Matcher, ReadTooFar
from whoosh.util.numeric import length_to_byte

from factcheck.storage import fsync_directory, write_atomically

# Bump when the schema, the analyzer or the codec's format changes: older generations are then
# rebuilt on open.
SCHEMA_VERSION = "2"
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


class Codec(W3Codec):
    """Whoosh's codec and file format but for posting blocks, and its hot spots sped up.

    Whoosh pickles and compresses each block's ids, weights and values (word positions) as one
    tuple, so listing a block's documents means unpickling its positions too: most of a search's
    time for a common word. Here a block is a flags byte, the ids (absolute, ``array('I')``),
    the weights (``array('f')``, left out when all are 1), then the values pickled and
    compressed as Whoosh does, read only when asked for (phrases). Term vectors keep Whoosh's
    format. Segments record their codec, so every generation written by this class reads with it.
    """

    def per_document_reader(self, storage: object, segment: object) -> W3PerDocReader:
        return _PerDocReader(storage, segment)

    def postings_writer(self, dbfile: object, byteids: bool = False) -> W3PostingsWriter:
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, compression=self._compression,
                               inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: object, terminfo: object, format_: object,
                        term: object = None, scorer: object = None) -> object:
        if terminfo.is_inlined():  # type: ignore[attr-defined]
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()  # type: ignore[attr-defined]
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


_WEIGHTS, _VALUES, _COMPRESSED = 1, 2, 4
_ID_SIZE = array("I").itemsize
_WEIGHT_SIZE = array("f").itemsize


class _PostingsWriter(W3PostingsWriter):
    def _write_block(self, last: bool = False) -> None:
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids, weights = self._ids, self._weights
        flags, parts = 0, [ids.tobytes()]
        if any(w != 1.0 for w in weights):
            flags |= _WEIGHTS
            parts.append(weights.tobytes())
        values = self._mini_values()
        if values is not None:
            flags |= _VALUES
            packed = dumps(values, 2)
            if self._compression and len(packed) >= 20:
                flags |= _COMPRESSED
                packed = zlib.compress(packed, self._compression)
            parts.append(packed)
        data = bytes([flags]) + b"".join(parts)
        info = dumps((len(ids), ids[-1], self._maxweight, flags & _COMPRESSED,
                      length_to_byte(self._minlength), length_to_byte(self._maxlength)), 2)
        self._postfile.write_int(-(len(info) + len(data)) if last else len(info) + len(data))
        self._postfile.write(info)
        self._postfile.write(data)
        self._blockcount += 1
        self._new_block()


class _LeafMatcher(W3LeafMatcher):
    """Postings of one term in :class:`Codec` blocks (``_data`` holds a block's raw bytes),
    skipping and listing by block rather than posting by posting."""

    def _read_data(self) -> None:
        self._data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)

    def _read_ids(self) -> None:
        if self._data is None:
            self._read_data()
        self._ids = array("I")
        self._ids.frombytes(self._data[1 : 1 + self._blocklength * _ID_SIZE])

    def _read_weights(self) -> None:
        if self._data is None:
            self._read_data()
        if self._data[0] & _WEIGHTS:
            start = 1 + self._blocklength * _ID_SIZE
            self._weights = array("f")
            self._weights.frombytes(self._data[start : start + self._blocklength * _WEIGHT_SIZE])
        else:
            self._weights = array("f", [1.0]) * self._blocklength

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        flags = self._data[0]
        start = 1 + self._blocklength * (_ID_SIZE + (_WEIGHT_SIZE if flags & _WEIGHTS else 0))
        values = None
        if flags & _VALUES:
            packed = self._data[start:]
            # Our own index files, pickled as Whoosh pickles every block.
            values = loads(zlib.decompress(packed) if flags & _COMPRESSED else packed)  # noqa: S301
        fixedsize = self._fixedsize
        if fixedsize is None or fixedsize < 0:
            self._values = values
        elif fixedsize == 0:
            self._values = (None,) * self._blocklength
        else:
            self._values = tuple(values[i : i + fixedsize] for i in range(0, len(values), fixedsize))

    def skip_to(self, targetid: int) -> None:
        # Whoosh steps through a block one posting (four method calls) at a time: bisect it.
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
            if not self.is_active():
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)
        if self._i == self._blocklength:
            self._next_block()

    def all_ids(self) -> Iterator[int]:
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            yield from self._ids[self._i:]
            self._i = self._blocklength
            self._next_block()

    def all_postings(self) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        weights: list[float] = []
        while self.is_active():
            if self._ids is None:
                self._read_ids()
            if self._weights is None:
                self._read_weights()
            ids.extend(self._ids[self._i:])
            weights.extend(self._weights[self._i:])
            self._i = self._blocklength
            self._next_block()
        return ids, weights


def read_postings(matcher: Matcher) -> tuple[list[int], list[float]]:
    """The document numbers and weights of every posting left in ``matcher``."""
    if isinstance(matcher, _LeafMatcher):
        return matcher.all_postings()
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


class _PerDocReader(W3PerDocReader):
    def _cached_reader(self, fieldname: str, column: object) -> object:
        # Whoosh looks for a missing length column (unscored fields) again for every posting it
        # writes, one stat() call each: remember that it is missing.
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]


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
