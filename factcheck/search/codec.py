"""The index's posting format: Whoosh's codec but for posting blocks, and whole-column reads.

Whoosh pickles and compresses each posting block's ids, weights and values (word positions) as one
tuple, so listing a block's documents means unpickling its positions too: most of a search's time
for a common word. Here a block is a flags byte, the ids (absolute, ``array('I')``), the weights
(``array('f')``, left out when all are 1), then the values (each posting's positions, in Whoosh's
encoding) one after the other with where each ends, compressed as Whoosh does: read only when
asked for (phrases), and only those asked for. Term vectors, the term index, stored fields and columns keep
Whoosh's own format.

Whoosh pickles the codec object into every segment it writes, so this class is found by its
module path when a segment is opened: moving or renaming it, or changing what it writes, needs a
new ``generations.SCHEMA_VERSION`` (older indexes are then rebuilt, never misread). It relies on
members of Whoosh's W3 classes that are not public API; ``setup.cfg`` pins whoosh-reloaded to the
versions the tests ran on (tests/search/test_codec.py compares every query shape with W3Codec).

The column readers at the end load a segment's whole column at once (document lengths, dates,
facet values) instead of one value per call, which costs a second per million documents.
"""

from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from io import BytesIO
from itertools import accumulate, groupby
from operator import itemgetter
from pickle import dumps, load, loads
from typing import Any

from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    W3Segment,
    _lenfield,
)
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.matching import Matcher, ReadTooFar
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length, length_to_byte

# Postings per block. Whoosh's 128 makes reading a common word's list mostly per-block overhead;
# 512 still lets a probe for a few documents read a fraction of a long list.
BLOCK_LIMIT = 512
# What each length byte stands for (Whoosh stores a document's length in a field as one byte).
BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


class Codec(W3Codec):
    """Whoosh's W3 codec writing and reading posting blocks as arrays (see the module docstring)."""

    def __init__(self, blocklimit: int = BLOCK_LIMIT, compression: int = 3, inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_reader(self, storage: object, segment: object) -> W3PerDocReader:
        return _PerDocReader(storage, segment)

    def field_writer(self, storage: object, segment: object) -> W3FieldWriter:
        return _FieldWriter(self, storage, segment)

    def new_segment(self, storage: object, indexname: str) -> W3Segment:
        return _Segment(self, indexname)

    def postings_writer(self, dbfile: object, byteids: bool = False) -> W3PostingsWriter:
        if byteids:
            return super().postings_writer(dbfile, byteids=True)
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, compression=self._compression,
                               inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: object, terminfo: Any, format_: object,
                        term: object = None, scorer: object = None) -> object:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _LeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class _Segment(W3Segment):
    """Whoosh's segment, but opening its compound file without copying it.

    Whoosh maps the compound file and hands each part out as a BytesIO over the map, which
    copies the part: every reader opened (one per searcher, after every commit) copied all the
    postings of every segment, 80 ms and 300 MB at 300,000 documents. Here a part reads the map.
    """

    def open_compound_file(self, storage: Any) -> CompoundStorage:
        dbfile = storage.open_file(self.make_filename(self.COMPOUND_EXT))
        return _CompoundStorage(dbfile, use_mmap=storage.supports_mmap)


class _CompoundStorage(CompoundStorage):
    def open_file(self, name: str, *args: object, **kwargs: object) -> BufferFile:
        if self._source is None:  # not mapped (no mmap here): Whoosh reads the file itself
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        return _MappedFile(memoryview(self._source)[offset : offset + length], name=name)


class _MappedFile(BufferFile):
    """Whoosh's BufferFile over a slice of a mapped file, reading it in place."""

    def __init__(self, buf: memoryview, name: str | None = None, onclose: object = None) -> None:
        self._buf = buf
        self._name = name
        self.file = _ViewReader(buf)
        self.onclose = onclose
        self.is_real = False
        self.is_closed = False

    def close(self) -> None:
        super().close()
        self._buf = memoryview(b"")  # let the map go


class _ViewReader:
    """A read-only file over a memoryview (what BytesIO offers, without its copy)."""

    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._at = 0

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._at + size)
        data = self._view[self._at : end].tobytes()
        self._at = max(self._at, end)
        return data

    def readinto(self, target: bytearray | memoryview) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else min(len(self._view), self._at + size)
        line = bytearray()
        while self._at < end:
            chunk = self._view[self._at : min(end, self._at + 4096)].tobytes()
            cut = chunk.find(b"\n")
            if cut != -1:
                line += chunk[: cut + 1]
                self._at += cut + 1
                break
            line += chunk
            self._at += len(chunk)
        return bytes(line)

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._at, 2: len(self._view)}[whence]
        self._at = max(0, base + offset)
        return self._at

    def tell(self) -> int:
        return self._at

    def close(self) -> None:
        self._view = memoryview(b"")


_WEIGHTS, _VALUES, _COMPRESSED, _SLICED = 1, 2, 4, 8


class _Sliced:
    """A block's values from one buffer: their count, where each ends, then the values."""

    __slots__ = ("_data", "_ends")

    def __init__(self, packed: bytes) -> None:
        count = int.from_bytes(packed[:_ID_SIZE], sys.byteorder)
        self._ends = array("I")
        self._ends.frombytes(packed[: _ID_SIZE * (count + 1)])
        self._ends[0] = 0
        self._data = memoryview(packed)[_ID_SIZE * (count + 1) :]

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, index: int) -> bytes:
        if not 0 <= index < len(self._ends) - 1:
            raise IndexError(index)
        return self._data[self._ends[index] : self._ends[index + 1]].tobytes()

    def __iter__(self) -> Iterator[bytes]:
        return (self[i] for i in range(len(self)))
_INT_SIZE = 4  # the signed length before each block (Whoosh's write_int)
_ID_SIZE = array("I").itemsize
_WEIGHT_SIZE = array("f").itemsize


class _FieldWriter(W3FieldWriter):
    def add_postings(self, schema: Any, lengths: Any, items: Iterable[tuple]) -> None:
        # Whoosh's loop makes five method calls per posting; here each term's postings go to
        # the postings writer together. ``items`` are (field, term, docnum, weight, value),
        # sorted; docnum -1 marks a spelling word, which this schema has none of.
        length_bytes: dict[str, bytes | None] = {}
        field = None
        for (fieldname, btext), postings in groupby(items, key=_TERM):
            if fieldname != field:
                if field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field = fieldname
                if lengths is not None and fieldname not in length_bytes:
                    length_bytes[fieldname] = lengths.length_bytes(fieldname)
            _f, _t, docnums, weights, values = zip(*postings, strict=True)
            if docnums[0] == -1:
                continue
            known = length_bytes.get(fieldname)
            sizes = [BYTE_LENGTHS[known[d]] for d in docnums] if known is not None else None
            self.start_term(btext)
            self._postwriter.add_postings(docnums, weights, values, sizes)
            self.finish_term()
        if field is not None:
            self.finish_field()


_TERM = itemgetter(0, 1)


class _PostingsWriter(W3PostingsWriter):
    # Set by Whoosh's writer (declared here for the type checker).
    _maxweight: float
    _minlength: int | None
    _maxlength: int

    def add_postings(self, ids: tuple, weights: tuple, values: tuple, lengths: list[int] | None) -> None:
        """One term's postings at once, as :meth:`add_posting` would add them one by one."""
        limit, start, count = self._blocklimit, 0, len(ids)
        while start < count:
            if len(self._ids) >= limit:
                self._write_block()
            end = min(count, start + limit - len(self._ids))
            self._ids.extend(ids[start:end])
            some = weights[start:end]
            self._weights.extend(some)
            self._maxweight = max(self._maxweight, *some)
            self._values.extend(v for v in values[start:end] if v)
            if lengths is not None:
                known = [n for n in lengths[start:end] if n]
                if known:
                    low, high = min(known), max(known)
                    if self._minlength is None or low < self._minlength:
                        self._minlength = low
                    self._maxlength = max(self._maxlength, high)
            start = end

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        # Whoosh's, without its four type assertions per posting (writing is a third of a rebuild).
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            if self._minlength is None or length < self._minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

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
            if isinstance(values, tuple):
                # Each posting's value (positions) at its own offset: one can be read without
                # unpickling the block's others.
                flags |= _SLICED
                ends = array("I", [len(values), *accumulate(map(len, values))])
                packed = ends.tobytes() + b"".join(values)
            else:
                packed = dumps(values, 2)
            if self._compression and len(packed) >= 20:
                flags |= _COMPRESSED
                packed = zlib.compress(packed, self._compression)
            parts.append(packed)
        data = bytes([flags]) + b"".join(parts)
        # The block header Whoosh's reader expects: count, last id, max weight, compression,
        # shortest and longest document (as length bytes).
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

    # The current block, read lazily (Whoosh's reader sets them to None between blocks).
    _ids: Any
    _weights: Any
    _values: Any
    _data: Any

    def _goto(self, position: int) -> None:
        # Whoosh's, reading the block in one piece rather than its header field by field (each
        # a Python-level read of the file).
        self._ids = self._weights = self._values = None
        self._i = 0
        length = self._postfile.get_int(position)
        if length < 0:
            self._lastblock = True
            length = -length
        self._nextoffset = position + _INT_SIZE + length
        block = BytesIO(self._postfile.get(position + _INT_SIZE, length))
        info = load(block)  # noqa: S301 - our own index files, as Whoosh reads them
        self._dataoffset = position + _INT_SIZE + block.tell()
        self._data = block.getbuffer()[block.tell() :].tobytes()
        self._blocklength, self._maxid, self._maxweight, self._compression, shortest, longest = info
        self._minlength = byte_to_length(shortest)
        self._maxlength = byte_to_length(longest)

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
        values: Any = None
        if flags & _VALUES:
            packed = self._data[start:]
            if flags & _COMPRESSED:
                packed = zlib.decompress(packed)
            if flags & _SLICED:
                values = _Sliced(packed)
            else:
                values = loads(packed)  # noqa: S301 - our own index files, pickled as Whoosh pickles
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

    def values_at(self, docs: list[int]) -> dict[int, bytes]:
        """The value (positions) of each of the ascending ``docs`` these postings hold, read a
        block at a time."""
        found: dict[int, bytes] = {}
        start, count = 0, len(docs)
        while start < count and self.is_active():
            first = docs[start]
            if first > self._maxid:
                self._skip_to_block(lambda first=first: first > self._maxid)
                continue
            end = bisect_right(docs, self._maxid, start)
            if self._ids is None:
                self._read_ids()
            if self._values is None:
                self._read_values()
            where = dict(zip(self._ids, range(self._blocklength), strict=True))
            values = self._values
            found.update((doc, values[where[doc]]) for doc in docs[start:end] if doc in where)
            start = end
            self._next_block()
        return found

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


def values_at(matcher: Matcher, docs: list[int]) -> dict[int, bytes]:
    """The value of each of the ascending ``docs`` ``matcher`` holds (the matcher moves)."""
    if isinstance(matcher, _LeafMatcher):
        return matcher.values_at(docs)
    found = {}
    for doc in docs:
        if not matcher.is_active():
            break
        if matcher.id() < doc:
            matcher.skip_to(doc)
            if not matcher.is_active():
                break
        if matcher.id() == doc:
            found[doc] = matcher.value()
    return found


def read_ids(matcher: Matcher) -> list[int]:
    """The document numbers of every posting left in ``matcher``."""
    return list(matcher.all_ids())


class _PerDocReader(W3PerDocReader):
    def __init__(self, storage: object, segment: object) -> None:
        super().__init__(storage, segment)
        self._all_lengths: dict[str, bytes | None] = {}

    def _cached_reader(self, fieldname: str, column: object) -> Any:
        # Whoosh looks for a missing length column (unscored fields) again for every posting it
        # writes, one stat() call each: remember that it is missing.
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        # Writing a segment asks for the length of each posting's document: a third of the
        # time Whoosh takes to write postings went to reading those one byte at a time.
        if fieldname not in self._all_lengths:
            self._all_lengths[fieldname] = self.length_bytes(fieldname)
        lengths = self._all_lengths[fieldname]
        if lengths is None:
            return default
        if docnum > self._doccount:
            raise IndexError(f"asked for document {docnum} of {self._doccount}")
        return BYTE_LENGTHS[lengths[docnum]] if lengths[docnum] else None

    def length_bytes(self, fieldname: str) -> bytes | None:
        """Each document's length in ``fieldname`` as Whoosh stores it (a length byte), or None."""
        reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return None
        if not isinstance(reader, NumericColumn.Reader) or reader._fixedlen != 1:  # noqa: SLF001
            return bytes(reader[d] for d in range(self._doccount))
        # Whoosh writes the bytes of the documents up to the last one with a length: zeros after.
        written = reader._dbfile.get(reader._basepos, reader._count)  # noqa: SLF001
        return written + bytes(self._doccount - len(written))


def length_bytes(reader: IndexReader, fieldname: str) -> bytes | None:
    """Each document's length byte in ``fieldname`` for one segment's reader (None: no lengths)."""
    perdoc = getattr(reader, "_perdoc", None)
    if isinstance(perdoc, _PerDocReader):
        return perdoc.length_bytes(fieldname)
    if not reader.schema[fieldname].scorable:
        return None
    # Another codec (an index not written by this one): read the lengths one by one.
    return bytes(length_to_byte(reader.doc_field_length(d, fieldname, 0) or 0)
                 for d in range(reader.doc_count_all()))


def column_values(reader: IndexReader, fieldname: str) -> Sequence[Any]:
    """Every document's raw ``fieldname`` column value in one segment, read in one pass.

    Numbers come as an ``array`` (or list), byte strings as a list in which equal values are one
    object (facet combinations repeat: a million documents share a few thousand).
    """
    column = reader.schema[fieldname].column_type
    colreader = reader.column_reader(fieldname, translate=False)
    if isinstance(column, NumericColumn) and isinstance(colreader, NumericColumn.Reader):
        return _numbers(colreader, reader.doc_count_all())
    if isinstance(column, VarBytesColumn) and isinstance(colreader, VarBytesColumn.Reader):
        return _var_bytes(colreader)
    return list(colreader)


def _numbers(colreader: NumericColumn.Reader, doccount: int) -> array:
    typecode = colreader._typecode  # noqa: SLF001
    written = colreader._count  # noqa: SLF001
    values = array(typecode)
    if typecode not in "qQ" and written:
        values.frombytes(colreader._dbfile.get(colreader._basepos, written * values.itemsize))  # noqa: SLF001
        if sys.byteorder == "little":
            values.byteswap()  # stored big-endian ("!")
    else:
        values.extend(colreader[d] for d in range(written))
    if doccount > written:
        values.extend([colreader._default] * (doccount - written))  # noqa: SLF001
    return values


def _var_bytes(colreader: VarBytesColumn.Reader) -> list[bytes]:
    lengths = colreader._lengths  # noqa: SLF001
    offsets = colreader._offsets  # noqa: SLF001
    if not len(lengths):
        return []
    end = max(o + n for o, n in zip(offsets, lengths, strict=True))
    blob = colreader._dbfile.get(colreader._basepos, end)  # noqa: SLF001
    shared: dict[bytes, bytes] = {}
    share = shared.setdefault
    return [share(value, value) for value in (blob[o : o + n] for o, n in zip(offsets, lengths, strict=True))]
