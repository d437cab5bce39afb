"""Writing segments: many documents at once (a rebuild, a merge) without Whoosh's per-posting
costs, and which segments to merge.

A Whoosh writer collects every posting of the new segment in a pool, sorts it by term, spills
sorted runs to disk when the pool's estimated size passes ``limitmb``, and merges the runs when
it commits. Whoosh pickles each posting on its own into a run, reads each back on its own, and
merges runs one posting at a time in Python: at a million documents (28 million postings) that
was most of a rebuild. :class:`PostingPool` writes and reads runs in chunks of postings and
merges them a chunk at a time (each step sorts, in C, everything no run can still undercut).
The order and the postings are Whoosh's; only the work per posting changes.
"""

from __future__ import annotations

import gc
import logging
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from itertools import islice
from pickle import HIGHEST_PROTOCOL, dump, load
from typing import Any

from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.reading import SegmentReader

from factcheck.search.codec import Codec
from factcheck.search.schema import document_fields

logger = logging.getLogger(__name__)

# Segments. An update commits a new segment and merges only the smallest (a merge of large
# segments holds the write lock for seconds): SearchIndex.merge, run by a periodic job, merges
# the others. A segment's level is its size class (under 256 documents, under 2,048, under
# 16,384, ...); MERGE_FACTOR segments of one level are merged with all smaller ones, never into
# more than MAX_MERGED_DOCS (larger ones wait for a rebuild). An update finding MERGE_FACTOR
# segments of the smallest level merges them (a few hundred documents at most, quick): every
# reader opens every segment, and under load the index is reopened after each of several
# updates a second (issue 14). Should the job not run, a commit finding MAX_SEGMENTS segments
# merges the small ones itself.
SMALL_SEGMENT = 256
MERGE_FACTOR = 8
MAX_MERGED_DOCS = 50_000
MAX_SEGMENTS = 40
# Postings per pickle in a run file, and what a posting is taken to weigh in memory.
CHUNK = 8_192
POSTING_SIZE = 200
Posting = tuple[str, bytes, int, float, bytes]


class PostingPool(writing.PostingPool):
    """Whoosh's posting pool, with runs written, read and merged in chunks."""

    def add(self, item: Posting) -> None:
        # Whoosh estimates each posting's size (about 200 bytes: a tuple, a term, a weight and
        # positions) after four assertions; counting them costs a fifth of that.
        self.currentsize += POSTING_SIZE
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f: Any, items: Iterable[Posting]) -> None:
        items = iter(items)
        while chunk := list(islice(items, CHUNK)):
            dump(chunk, f, HIGHEST_PROTOCOL)
        f.close()

    def _read_chunks(self, path: str) -> Iterator[list[Posting]]:
        f = self._open_run(path)
        try:
            while True:
                try:
                    # Our own run files, written just before by _write_run.
                    yield load(f)  # noqa: S301
                except EOFError:
                    return
        finally:
            f.close()
            self._remove_run(path)

    def _merge_runs(self, paths: list[str]) -> Iterator[Posting]:
        runs = [self._read_chunks(path) for path in paths]
        heads: list[list[Posting] | None] = [next(run, None) for run in runs]
        while True:
            live = [(i, head) for i, head in enumerate(heads) if head]
            if not live:
                return
            # Every run holds nothing smaller than its current chunk's last posting onwards, so
            # all postings up to the smallest of those are final: sort them together and go on.
            limit = min(head[-1] for _i, head in live)
            batch: list[Posting] = []
            for i, head in live:
                cut = bisect_right(head, limit)
                batch.extend(head[:cut])
                heads[i] = head[cut:] if cut < len(head) else next(runs[i], None)
            batch.sort()
            yield from batch


def merge_small_segments(writer: Any, segments: list) -> list:
    """A Whoosh merge policy: merge the small segments (see MERGE_FACTOR); keep the others."""
    chosen = segments_to_merge(segments)
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in chosen]


def commit_merge_policy(writer: Any, segments: list) -> list:
    """The merge policy of an update: merge the smallest segments once MERGE_FACTOR of them are
    there, and more only if segments have piled up."""
    if len(segments) >= MAX_SEGMENTS:
        return merge_small_segments(writer, segments)
    smallest = [segment for segment in segments if _level(segment.doc_count_all()) == 0]
    if len(smallest) < MERGE_FACTOR:
        return segments
    return merge_small_segments(writer, smallest) + [s for s in segments if s not in smallest]


def segments_to_merge(segments: list) -> list:
    """The segments :func:`merge_small_segments` would merge (none, or two or more)."""
    levels = [_level(segment.doc_count_all()) for segment in segments]
    full = [level for level in set(levels) if levels.count(level) >= MERGE_FACTOR]
    if not full:
        return []
    chosen = sorted((s for s, level in zip(segments, levels, strict=True) if level <= max(full)),
                    key=lambda s: s.doc_count_all())
    while chosen and sum(s.doc_count_all() for s in chosen) > MAX_MERGED_DOCS:
        chosen.pop()
    return chosen if len(chosen) > 1 else []


def _level(docs: int) -> int:
    level = 0
    while docs >= SMALL_SEGMENT * MERGE_FACTOR**level:
        level += 1
    return level


def writer(ix: whoosh_index.Index, **options: object) -> writing.SegmentWriter:
    """A Whoosh writer with :class:`Codec` and :class:`PostingPool`."""
    made = ix.writer(codec=Codec(), **options)
    if isinstance(made, writing.SegmentWriter) and not made.pool.current and not made.pool.runs:
        made.pool = PostingPool(made._tempstorage, made.newsegment, limitmb=options.get("limitmb", 128))  # noqa: SLF001
    return made


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a rebuild holds millions of postings and makes
    no cycles, and each full collection would walk them all, again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def fill(
    ix: whoosh_index.Index,
    docs: Iterable[Mapping[str, object]],
    progress: Callable[[int], None] | None,
    *,
    procs: int,
    limitmb: int,
) -> int:
    """Add ``docs`` (the first of each key) to the empty index ``ix`` in one commit; return how
    many. ``procs`` > 1 indexes in that many forked processes."""
    options: dict[str, object] = {"limitmb": limitmb}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    seen: set[str] = set()
    with collection_paused():
        adding = writer(ix, **options)
        try:
            for doc in docs:
                try:
                    fields = document_fields(doc)
                except (KeyError, TypeError, ValueError) as exc:
                    logger.warning("not indexing a malformed document %r: %s", doc.get("key"), exc)
                    continue
                key = str(fields["key"])
                if key in seen:
                    logger.warning("rebuild source repeats key %s: keeping the first", key)
                    continue
                seen.add(key)
                adding.add_document(**fields)
                if progress is not None and len(seen) % 1000 == 0:
                    progress(len(seen))
            adding.commit()
        except BaseException:
            adding.cancel()
            raise
    if progress is not None:
        progress(len(seen))
    return len(seen)
