"""Running a query on an open searcher into a page of hits with its total and facet counts.

One pass over the matches both counts them (total, facets) and keeps the best ``page * per_page``
by BM25: Whoosh's block-skipping cannot be used when every match must be counted anyway. Facet
values and document lengths are read once per segment into plain lists, kept in a cache that
outlives searchers, because Whoosh's per-document column reads dominate large result sets.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from whoosh import query, scoring
from whoosh.collectors import TopCollector
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from factcheck.search import plain
from factcheck.search.query import matched_words, restricted
from factcheck.search.schema import FACETS, facet_values
from factcheck.search.snippets import snippet

MAX_PER_PAGE = 100
MAX_PAGE = 500
Sort = Literal["relevance", "date"]
ColumnCache = dict[tuple[str, object], list]


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @classmethod
    def empty(cls, page: int = 1, per_page: int = 20) -> SearchPage:
        return cls(0, page, per_page, [], {name: {} for name in FACETS})


def run(
    searcher: Searcher,
    user_query: query.Query | None,
    restriction: query.Query | None,
    *,
    sort: Sort,
    page: int,
    per_page: int,
    cache: ColumnCache,
) -> SearchPage:
    """One page of ``user_query``'s matches (None: all, by date) within ``restriction``."""
    per_page = min(max(1, int(per_page)), MAX_PER_PAGE)
    page = min(max(1, int(page)), MAX_PAGE)
    start, stop = (page - 1) * per_page, page * per_page
    if searcher.doc_count_all() == 0:
        return SearchPage.empty(page, per_page)  # an empty index's reader has no columns
    if sort == "date" or user_query is None:
        docnums = list(searcher.docs_for_query(restricted(user_query, restriction)))
        dates = column_values(searcher.reader(), "date", cache)
        newest = heapq.nlargest(stop, docnums, key=lambda d: (dates[d], d))
        ranked: list[tuple[int, float | None]] = [(d, None) for d in newest[start:]]
    elif (words := plain.plain_words(user_query)) is not None:
        best, docnums = plain.search(
            searcher, words, restriction, stop, lambda leaf, field: field_lengths(leaf, field, cache)
        )
        ranked = best[start:]
    else:
        collector = _CountingTopCollector(stop)
        searcher.search_with_collector(restricted(user_query, restriction), collector)
        docnums = collector.matched
        ranked = [(docnum, score) for score, docnum in collector.results().top_n[start:]]
    facets = count_facets(column_values(searcher.reader(), "facets", cache), docnums)
    words = matched_words(user_query, searcher.reader())
    hits = [_hit(searcher.stored_fields(docnum), score, words) for docnum, score in ranked]
    return SearchPage(len(docnums), page, per_page, hits, facets)


def weighting(cache: ColumnCache) -> scoring.WeightingModel:
    """BM25F reading document lengths from ``cache`` rather than column by column."""
    return _BM25F(cache)


def column_values(reader: IndexReader, field: str, cache: ColumnCache) -> list:
    """Every document's raw ``field`` column value, by document number, cached per segment.

    The whole reader's list is cached too: copying 100,000 values per search costs a millisecond.
    """
    leaves = [leaf for leaf, _offset in reader.leaf_readers()]
    parts = [
        _leaf_values(leaf, field, cache, lambda r: list(r.column_reader(field, translate=False)))
        for leaf in leaves
    ]
    if len(parts) == 1:
        return parts[0]
    key = (field, tuple(_segment_key(leaf) for leaf in leaves))
    values = cache.get(key)
    if values is None:
        values = cache[key] = [value for part in parts for value in part]
    return values


def field_lengths(leaf: IndexReader, field: str, cache: ColumnCache) -> list[int]:
    """Each document's length in ``field`` as BM25 sees it (one segment), cached."""
    return _leaf_values(
        leaf, f"length:{field}", cache,
        lambda r: [r.doc_field_length(d, field, 1) for d in range(r.doc_count_all())],
    )


def count_facets(column: list[bytes], docnums: Iterable[int]) -> dict[str, dict[str, int]]:
    """Count each facet value over ``docnums``."""
    combos = Counter(map(column.__getitem__, docnums))
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
        id=stored.get("id"),
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


def _leaf_values(leaf: IndexReader, name: str, cache: ColumnCache, load: object) -> list:
    key = (name, _segment_key(leaf))
    values = cache.get(key)
    if values is None:
        if len(cache) > 256:
            cache.clear()  # segments merged away; cheaper to reload than to track
        values = cache[key] = load(leaf)  # type: ignore[operator]
    return values


def _segment_key(leaf: IndexReader) -> object:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else id(leaf)


class _CountingTopCollector(TopCollector):
    """The top N by score, and every matching document number, in one pass."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False)
        self.matched: list[int] = []

    def _collect(self, global_docnum: int, score: float) -> float:
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)


class _BM25F(scoring.BM25F):
    def __init__(self, cache: ColumnCache) -> None:
        super().__init__()
        self._cache = cache

    def scorer(self, searcher: Searcher, fieldname: str, text: bytes, qf: int = 1) -> scoring.BaseScorer:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        reader = searcher.reader()
        if isinstance(scorer, scoring.BM25FScorer) and reader.is_atomic():
            scorer.dfl = field_lengths(reader, fieldname, self._cache).__getitem__
        return scorer
