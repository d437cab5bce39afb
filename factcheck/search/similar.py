"""Near-duplicate claims at filing: the same hoax, however forwarding has mangled it (SPEC §4).

A URL already filed matches exactly. Otherwise the new text is reduced to its words (no links,
forwarding banners, emoji, punctuation, case or line breaks), its rarest words fetch candidates
through the body field, and each candidate's words (see ``schema.near_text``) are compared by a
real similarity: IDF-weighted Jaccard of the word sets (a changed or missing word costs little,
shared common words count for little) averaged with the Jaccard of character 4-grams (robust to
a changed ending or a split word). Below ``THRESHOLD`` nothing matches, so unrelated claims are
not offered. ``THRESHOLD`` is calibrated by bench/search.py on one set (perturbed copies of
indexed corpus posts, and held-out texts), as the score that best separates them (most copies
found less held-out texts matched: 0.64 at 100,000 documents, 0.60 at 300,000), and measured on
another: recall@3 0.98-0.995, and 1.8-2.5 % of held-out texts matching anything (none of those
that are not rewordings of an indexed text), where 0.5 let 3.5-4.5 % match.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from whoosh import query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from factcheck.search.analysis import near_tokens
from factcheck.search.schema import near_text

CANDIDATE_WORDS = 8
CANDIDATES = 30
MAX_TEXT = 10_000  # characters of a text compared, as many as a claim may have (OCR text may be longer)
COMMON_SHARE = 0.005
THRESHOLD = 0.6
# A query's best documents: (document number, score), best first.
Best = Callable[[query.Query, int], list[tuple[int, float]]]
SHINGLE = 4


@dataclass(frozen=True)
class Match:
    """An existing claim or fact-check like the new one; ``score`` is 1.0 for a URL match."""

    key: str
    kind: str
    id: int
    score: float
    reason: Literal["url", "text"]


def find_similar(
    searcher: Searcher,
    text: str,
    urls: Sequence[str] = (),
    *,
    limit: int = 5,
    exclude: frozenset[str] = frozenset(),
    threshold: float = THRESHOLD,
    best: Best | None = None,
) -> list[Match]:
    """The ``limit`` claims and fact-checks most like ``text`` and ``urls``, best first; texts
    scoring under ``threshold`` do not match (lower it only to calibrate). ``best`` finds a
    query's best documents (Whoosh's own top N if not given). Only the first ``MAX_TEXT``
    characters of ``text`` are compared, so the work stops growing there."""
    matches: dict[str, Match] = {}
    for url in dict.fromkeys(u for u in urls if u):
        for docnum in searcher.docs_for_query(query.Term("urls", url)):
            stored = searcher.stored_fields(docnum)
            if stored.get("kind") != "snapshot" and stored["key"] not in exclude:
                matches[stored["key"]] = Match(stored["key"], stored["kind"], stored["id"], 1.0, "url")

    words = near_tokens(text[:MAX_TEXT])
    idf = _Idf(searcher)
    for stored in _candidates(searcher, words, idf, best or _whoosh_best(searcher)):
        key = stored["key"]
        if key in matches or key in exclude or stored.get("kind") == "snapshot":
            continue
        score = similarity(words, _candidate_tokens(near_text(stored)), idf)
        if score >= threshold:
            matches[key] = Match(key, stored["kind"], stored["id"], round(score, 4), "text")
    ranked = sorted(matches.values(), key=lambda m: (m.reason != "url", -m.score))
    return ranked[: max(0, limit)]


@lru_cache(maxsize=4096)
def _candidate_tokens(text: str) -> tuple[str, ...]:
    # The same few thousand claims come up as candidates filing after filing: analyse each once.
    return tuple(near_tokens(text))


def _candidates(searcher: Searcher, words: list[str], idf: _Idf, best: Best) -> Iterator[dict]:
    """Documents sharing the rarest of ``words``, best BM25 first.

    Words in more than ``COMMON_SHARE`` of the documents are left out unless nothing rarer is
    left: their long posting lists cost most and tell least. No kind filter in the query;
    snapshots are dropped afterwards.
    """
    present = sorted((w for w in set(words) if idf.frequency(w)), key=idf.frequency)
    rare = [w for w in present if idf.frequency(w) <= COMMON_SHARE * idf.docs] or present[:3]
    if not rare:
        return
    for docnum, _score in best(query.Or([query.Term("body", w) for w in rare[:CANDIDATE_WORDS]]), CANDIDATES):
        yield searcher.stored_fields(docnum)


def _whoosh_best(searcher: Searcher) -> Best:
    def best(q: query.Query, limit: int) -> list[tuple[int, float]]:
        return [(hit.docnum, hit.score) for hit in searcher.search(q, limit=limit)]

    return best


def similarity(a: Sequence[str], b: Sequence[str], idf: _Idf | None = None) -> float:
    """How alike two token sequences are, 0 to 1 (see the module docstring)."""
    set_a, set_b = set(a), set(b)
    if not set_a or not set_b:
        return 0.0
    weight = idf.weight if idf is not None else (lambda _w: 1.0)
    union = sum(weight(w) for w in set_a | set_b)
    words = sum(weight(w) for w in set_a & set_b) / union
    return (words + _jaccard(_shingles(a), _shingles(b))) / 2


def _shingles(words: Iterable[str]) -> set[str]:
    joined = " ".join(words)
    if len(joined) <= SHINGLE:
        return {joined}
    return {joined[i : i + SHINGLE] for i in range(len(joined) - SHINGLE + 1)}


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


class _Idf:
    """Document frequencies in the ``body`` field of a searcher's index (see :class:`_Counts`)."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.docs = max(1, reader.doc_count_all())
        self._reader = reader
        named = [(_segment_id(leaf), leaf) for leaf, _offset in reader.leaf_readers()]
        self._leaves = {name: leaf for name, leaf in named if name is not None}
        # A reader of no segment (an empty index) has nothing to keep: it is asked directly.
        self._counts = _counts_for(tuple(self._leaves)) if len(self._leaves) == len(named) else None

    def frequency(self, word: str) -> int:
        if self._counts is None:
            return int(self._reader.doc_frequency("body", word))
        return self._counts.frequency(word, self._leaves)

    def weight(self, word: str) -> float:
        return math.log((self.docs + 1) / (self.frequency(word) + 1)) + 1.0


class _Counts:
    """Each word's document count over one set of segments, summed the first time it is asked
    for from each segment's own counts (kept for the segment's life, :func:`_in_segment`).

    Every web thread opens its own reader after each index update (several a second under
    load); readers on the same segments share these counts, and after an update a word costs one
    lookup in the new segment and a sum of the others' kept counts (issue 14)."""

    def __init__(self, segments: tuple[str, ...]) -> None:
        self.segments = segments
        self._known: dict[str, int] = {}

    def frequency(self, word: str, leaves: dict[str, IndexReader]) -> int:
        """The documents with ``word`` in these segments (``leaves``: their readers by id)."""
        found = self._known.get(word)
        if found is None:
            if len(self._known) > _WORDS_KEPT:
                self._known.clear()
            found = self._known[word] = sum(_in_segment(segment, leaves[segment], word) for segment in self.segments)
        return found


def _in_segment(segment: str, leaf: IndexReader, word: str) -> int:
    """``word``'s count in one segment, kept for the segment's life (a segment never changes once
    written; deletions leave its counts as they are)."""
    kept = _SEGMENT_WORDS.get(segment) or _keep_segment(segment, leaf)
    found = kept.counts.get(word)
    if found is None:
        if kept.whole:
            return 0
        if len(kept.counts) > _WORDS_KEPT:
            kept.counts.clear()
        found = kept.counts[word] = leaf.doc_frequency("body", word)
    return found


class _SegmentWords(NamedTuple):
    counts: dict[str, int]
    whole: bool  # every word of the segment is in counts: one absent there is absent from it


def _keep_segment(segment: str, leaf: IndexReader) -> _SegmentWords:
    """Start keeping a segment's counts. A small one (an update's few documents) has all its words
    read at once: a filing asks for hundreds of words, nearly all absent from it, and each absent
    one would otherwise cost a lookup in every new segment (issue 14)."""
    whole = leaf.doc_count_all() <= WHOLE_LEXICON_DOCS
    fresh = _SegmentWords(_whole_lexicon(leaf) if whole else {}, whole)
    with _COUNTS_LOCK:
        kept = _SEGMENT_WORDS.setdefault(segment, fresh)
        while len(_SEGMENT_WORDS) > _SEGMENTS_KEPT:  # merged-away segments go first
            _SEGMENT_WORDS.pop(next(iter(_SEGMENT_WORDS)), None)
    return kept


def _whole_lexicon(leaf: IndexReader) -> dict[str, int]:
    """Every word of a segment's ``body`` field with its document count."""
    if "body" not in leaf.indexed_field_names():
        return {}
    return {text.decode("utf-8"): int(info.doc_frequency()) for text, info in leaf.iter_field("body")}


def _segment_id(leaf: IndexReader) -> str | None:
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None


def _counts_for(segments: tuple[str, ...]) -> _Counts:
    """The counts for ``segments``, kept per process for the latest few sets."""
    key = frozenset(segments)
    with _COUNTS_LOCK:
        counts = _COUNTS.get(key)
        if counts is None:
            counts = _COUNTS[key] = _Counts(segments)
            while len(_COUNTS) > _SETS_KEPT:
                _COUNTS.pop(next(iter(_COUNTS)))
        return counts


# Segment sets -> their counts, oldest first. Readers of one index generation share them.
_COUNTS: dict[frozenset[str], _Counts] = {}
_COUNTS_LOCK = threading.Lock()
_SETS_KEPT = 8
# Segment id -> its words' counts, oldest first; a few dozen covers every live segment.
_SEGMENT_WORDS: dict[str, _SegmentWords] = {}
_SEGMENTS_KEPT = 64
_WORDS_KEPT = 200_000
WHOLE_LEXICON_DOCS = 50  # a segment this small is read whole when first asked (~2 ms; 500 documents took 10)
