"""Running a query on an open searcher into a page of hits with its exact total and facet counts.

Each segment is evaluated by :mod:`factcheck.search.evaluate` into every match and its score
(nothing skipped: the total and the facets count every match), within the restriction (what the
viewer may see and the filters, as cached sets of documents per segment). The best ``page *
per_page`` are kept in Whoosh's order: score, then the lower document number. Document lengths,
dates and facet values are read once per segment into plain sequences, in a cache that outlives
searchers (a segment never changes; its deletions are read from each new searcher).
"""

from __future__ import annotations

import datetime as dt
import heapq
import threading
from array import array
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, filterfalse, repeat
from typing import Any, Literal, TypeVar, cast

from whoosh import query, scoring
from whoosh.reading import IndexReader, TermNotFound
from whoosh.searching import Searcher

from factcheck.search import codec
from factcheck.search.codec import BYTE_LENGTHS
from factcheck.search.evaluate import Allowed, LeafQuery, picked
from factcheck.search.query import Restriction, matched_words
from factcheck.search.schema import FACETS, facet_values
from factcheck.search.snippets import snippet

Loaded = TypeVar("Loaded")

MAX_PER_PAGE = 100
MAX_PAGE = 500
Sort = Literal["relevance", "date"]
# The date column's value for a document without a date (Whoosh's default: the largest number).
NO_DATE = 0xFFFFFFFF
@dataclass(frozen=True)
class Hit:
    """One search result; ``snippet`` is HTML (escaped, with ``<mark>``), the rest plain text."""

    kind: str
    id: int
    claim_id: int | None
    title: str
    snippet: str
    score: float | None
    date: dt.datetime | None
    status: str | None
    verdict: str | None
    url: str | None
    key: str = ""


@dataclass(frozen=True)
class SearchPage:
    """One page of results, with the total and the facet counts over all of them."""

    total: int
    page: int
    per_page: int
    results: list[Hit]
    facets: dict[str, dict[str, int]]
    # Why the page is empty though it may not be: "rebuilding" (the index was missing or broken
    # and is being rebuilt from the database) or "unavailable" (it could not be read).
    notice: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @classmethod
    def empty(cls, page: int = 1, per_page: int = 20, notice: str | None = None) -> SearchPage:
        return cls(0, page, per_page, [], {name: {} for name in FACETS}, notice)


def run(
    searcher: Searcher,
    user_query: query.Query | None,
    restriction: Restriction | None,
    *,
    sort: Sort,
    page: int,
    per_page: int,
    cache: SegmentCache,
) -> SearchPage:
    """One page of ``user_query``'s matches (None: all, by date) within ``restriction``."""
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    page = min(max(1, int(page)), MAX_PAGE)
    start, stop = (page - 1) * per_page, page * per_page
    if searcher.doc_count_all() == 0:
        return SearchPage.empty(page, per_page)  # an empty index's reader has no columns
    by_date = sort == "date" or user_query is None
    context = searcher.context()
    total = 0
    combos: Counter[bytes] = Counter()
    best: list[tuple] = []
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        if leaf.doc_count() == 0:
            continue
        # Filters on facet values are checked on the matches afterwards (cheap, in C) unless
        # there is nothing else to check them on: listing everything.
        allowed = _allowed(sub, restriction, cache, facets=user_query is None)
        if allowed is not None and not allowed:
            continue
        evaluated = LeafQuery(sub, context, lambda r, field: field_lengths(r, field, cache))
        if user_query is None:
            matched: Iterable[int] = iter(allowed) if allowed is not None else range(leaf.doc_count_all())
            docs = _kept(leaf, matched, restriction, cache)
        elif by_date:
            docs = _kept(leaf, evaluated.matches(user_query, allowed), restriction, cache, facets=True)
        else:
            scores = evaluated.scores(user_query, allowed)
            docs = _kept(leaf, scores, restriction, cache, facets=True)
            if len(docs) != len(scores):
                scores = dict(zip(docs, map(scores.__getitem__, docs), strict=True))
            best = heapq.nlargest(stop, [*best, *_best(scores, offset, stop)])
        if by_date:
            dates = column(leaf, "date", cache)
            newest = heapq.nlargest(stop, zip(map(dates.__getitem__, docs), docs, strict=True))
            best = heapq.nlargest(stop, [*best, *((date, doc + offset) for date, doc in newest)])
        total += len(docs)
        numbers, distinct = facet_numbers(leaf, cache)
        for number, n in Counter(picked(numbers, docs)).items():
            combos[distinct[number]] += n
    if by_date:
        ranked: list[tuple[int, float | None]] = [(doc, None) for _date, doc in best[start:]]
    else:
        ranked = [(-negated, score) for score, negated in best[start:]]
    words = matched_words(user_query, searcher.reader())
    hits = [_hit(searcher.stored_fields(docnum), score, words) for docnum, score in ranked]
    return SearchPage(total, page, per_page, hits, count_facets(combos))


def best_documents(searcher: Searcher, user_query: query.Query, limit: int,
                   cache: SegmentCache) -> list[tuple[int, float]]:
    """The ``limit`` best matches of ``user_query`` as (document number, score), best first, in
    Whoosh's order (no counting: for similar claims' candidates)."""
    context = searcher.context()
    best: list[tuple[float, int]] = []
    for sub, offset in searcher.leaf_searchers():
        leaf = sub.reader()
        if leaf.doc_count() == 0:
            continue
        scores = LeafQuery(sub, context, lambda r, field: field_lengths(r, field, cache)).scores(user_query)
        docs = _kept(leaf, scores, None, cache)
        if len(docs) != len(scores):
            scores = dict(zip(docs, map(scores.__getitem__, docs), strict=True))
        best = heapq.nlargest(limit, [*best, *_best(scores, offset, limit)])
    return [(-negated, score) for score, negated in best]


def _allowed(sub: Searcher, restriction: Restriction | None, cache: SegmentCache, *,
             facets: bool) -> Allowed | None:
    """The documents of one segment the restriction's terms allow (None: all), deleted ones too;
    its facet filters too if ``facets``."""
    groups = tuple(g for g in (restriction.groups if restriction else ()) if facets or not _on_facets(g))
    if not groups:
        return None
    leaf = sub.reader()

    def load() -> Allowed:
        size = leaf.doc_count_all()
        allowed = -1  # every bit set: AND of no group
        for group in groups:
            either = 0
            for field, text in group:
                either |= int.from_bytes(_term_flags(leaf, field, text, cache), "little")
            allowed &= either
        return Allowed((allowed & int.from_bytes(b"\x01" * size, "little")).to_bytes(size, "little"))

    return cache.get(("allowed", segment_key(leaf), groups), load)


def _on_facets(group: tuple[tuple[str, str], ...]) -> bool:
    return all(field in FACETS for field, _text in group)


def _facet_table(leaf: IndexReader, groups: tuple, cache: SegmentCache) -> bytes:
    """For each numbered combination of facet values of one segment: 1 if it meets every group."""

    def load() -> bytes:
        _numbers, distinct = facet_numbers(leaf, cache)
        unpacked = map(_unpacked_facets, distinct)
        return bytes(all(any(text in values.get(field, ()) for field, text in group) for group in groups)
                     for values in unpacked)

    return cache.get(("facet table", segment_key(leaf), groups), load)


def _term_flags(leaf: IndexReader, field: str, text: str, cache: SegmentCache) -> bytes:
    """One byte per document of one segment: 1 where it holds the term (deleted ones too)."""

    def load() -> bytes:
        flags = bytearray(leaf.doc_count_all())
        try:
            matcher = leaf.postings(field, text)
        except (TermNotFound, ValueError):
            return bytes(flags)
        ids = codec.read_ids(getattr(matcher, "child", matcher))
        deque(map(flags.__setitem__, ids, repeat(1)), maxlen=0)  # flags[doc] = 1 for each, in C
        return bytes(flags)

    return cache.get(("term", segment_key(leaf), field, text), load)


def _kept(leaf: IndexReader, docs: Iterable[int], restriction: Restriction | None, cache: SegmentCache, *,
          facets: bool = False) -> list[int]:
    """``docs`` without deleted documents, outside the restriction's dates and, if ``facets``,
    those its facet filters refuse, in their order."""
    if leaf.has_deletions():
        docs = list(filterfalse(leaf.deleted_docs_set.__contains__, docs))  # in C, unlike a loop
    groups = tuple(g for g in restriction.groups if _on_facets(g)) if facets and restriction else ()
    if groups:
        docs = list(docs)
        numbers, _distinct = facet_numbers(leaf, cache)
        table = _facet_table(leaf, groups, cache)
        docs = list(compress(docs, map(table.__getitem__, picked(numbers, docs))))
    if restriction is not None and restriction.minutes is not None:
        low, high = restriction.minutes
        within = range(0 if low is None else low, NO_DATE if high is None else min(high + 1, NO_DATE))
        docs = list(docs)
        docs = list(compress(docs, map(within.__contains__, picked(column(leaf, "date", cache), docs))))
    return docs if isinstance(docs, list) else list(docs)


def _best(scores: dict[int, float], offset: int, limit: int) -> list[tuple[float, int]]:
    """The ``limit`` best of one segment as (score, -global docnum): Whoosh's order when sorted
    (the higher score first, then the lower document number)."""
    docs: Iterable[int] = scores
    if len(scores) > limit:
        floor = heapq.nlargest(limit, scores.values())[-1]
        docs = compress(scores, map(floor.__le__, scores.values()))  # in C, unlike a loop
    return [(scores[d], -(d + offset)) for d in docs]


def weighting(cache: SegmentCache) -> scoring.WeightingModel:
    """BM25F reading document lengths from ``cache`` rather than column by column."""
    return _BM25F(cache)


class SegmentCache:
    """Values computed once per segment (columns, lengths, restriction flags), least recently
    used dropped first once they weigh ``budget`` bytes (roughly); safe to share between threads.
    A million documents' columns and lengths weigh about 20 MB, each restriction 1 MB."""

    def __init__(self, budget: int = 192 * 1024 * 1024) -> None:
        self.budget = budget
        self._values: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Loaded]) -> Loaded:
        """The value under ``key``, loading (outside the lock) and keeping it if missing."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                # What ``load`` returned under this key: each key's first part names its kind.
                return cast(Loaded, self._values[key][0])
        value = load()
        weight = _weight(value)
        with self._lock:
            if key not in self._values:
                self._values[key] = (value, weight)
                self._weight += weight
            while self._weight > self.budget and len(self._values) > 1:
                _key, (_value, dropped) = self._values.popitem(last=False)
                self._weight -= dropped
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._weight = 0


def _weight(value: object) -> int:
    if isinstance(value, Allowed):
        return len(value.flags) + 8 * value.count
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, array):
        return len(value) * value.itemsize
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], list):
        return 8 * len(value[0]) + 64 * len(value[1])  # facet numbers
    if isinstance(value, (list, tuple, set, frozenset)):
        return 8 * len(value)
    return 64


def column(leaf: IndexReader, field: str, cache: SegmentCache) -> Sequence[Any]:
    """Every document's raw ``field`` column value in one segment, by document number."""
    return cache.get(("column", segment_key(leaf), field), lambda: codec.column_values(leaf, field))


def facet_numbers(leaf: IndexReader, cache: SegmentCache) -> tuple[list[int], list[bytes]]:
    """Each document's combination of facet values in one segment as a number, and what each
    number stands for: counting small numbers is twice as fast as counting the values."""

    def load() -> tuple[list[int], list[bytes]]:
        numbering: dict[bytes, int] = {}
        numbers = [numbering.setdefault(value, len(numbering)) for value in codec.column_values(leaf, "facets")]
        return numbers, list(numbering)

    return cache.get(("facet numbers", segment_key(leaf)), load)


def field_lengths(leaf: IndexReader, field: str, cache: SegmentCache) -> bytes | None:
    """Each document's length byte in ``field`` in one segment (None: the field has none)."""
    return cache.get(("lengths", segment_key(leaf), field), lambda: codec.length_bytes(leaf, field))


def count_facets(combos: Counter[bytes]) -> dict[str, dict[str, int]]:
    """Each facet value's count, from the count of each packed combination of values."""
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for packed, n in combos.items():
        for name, values in _unpacked_facets(packed).items():
            for value in values:
                counts[name][value] += n
    return {name: dict(counter.most_common()) for name, counter in counts.items()}


# The same few thousand combinations of facet values recur in every search: unpack each once.
_unpacked_facets = lru_cache(maxsize=16_384)(facet_values)


def _hit(stored: dict, score: float | None, words: frozenset[str]) -> Hit:
    claim_id = stored.get("claim_id")
    return Hit(
        kind=stored.get("kind", ""),
        id=int(stored.get("id") or 0),
        claim_id=int(claim_id) if claim_id not in (None, "") else None,
        title=stored.get("title", ""),
        snippet=snippet(stored.get("excerpt", ""), words, stored.get("excerpt_tokens")),
        score=score,
        date=stored.get("when"),
        status=stored.get("status"),
        verdict=stored.get("verdict"),
        url=stored.get("url"),
        key=stored.get("key", ""),
    )


def segment_key(leaf: IndexReader) -> object:
    """What identifies a segment's unchanging contents (its deletions aside)."""
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else id(leaf)


class _BM25F(scoring.BM25F):
    def __init__(self, cache: SegmentCache) -> None:
        super().__init__()
        self._cache = cache

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> scoring.BaseScorer:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        reader = searcher.reader()
        if isinstance(scorer, scoring.BM25FScorer) and reader.is_atomic():
            lengths = field_lengths(reader, fieldname, self._cache)
            if lengths is not None:
                scorer.dfl = lambda doc: BYTE_LENGTHS[lengths[doc]]
        return scorer
