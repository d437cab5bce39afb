"""Near-duplicate claims at filing: the same hoax, however forwarding has mangled it (SPEC §4).

A URL already filed matches exactly. Otherwise the new text is reduced to its words (no links,
forwarding banners, emoji, punctuation, case or line breaks), its rarest words fetch candidates
through the body field, and each candidate's words (see ``schema.near_text``) are compared by a
real similarity: IDF-weighted Jaccard of the word sets (a changed or missing word costs little,
shared common words count for little) averaged with the Jaccard of character 4-grams (robust to
a changed ending or a split word). Below ``THRESHOLD`` nothing matches, so unrelated claims are
not offered. Calibrated on the corpus (bench/search.py): 500 perturbed posts scored 0.50 at
worst and 0.68 at the 1st percentile against their original; held-out texts scoring over 0.45
against an indexed one were, nearly all, the same claim or news item reworded.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from whoosh import query
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from factcheck.search.analysis import near_tokens
from factcheck.search.schema import near_text

CANDIDATE_WORDS = 8
CANDIDATES = 30
COMMON_SHARE = 0.005
THRESHOLD = 0.5
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
) -> list[Match]:
    """The ``limit`` claims and fact-checks most like ``text`` and ``urls``, best first."""
    matches: dict[str, Match] = {}
    for url in dict.fromkeys(u for u in urls if u):
        for docnum in searcher.docs_for_query(query.Term("urls", url)):
            stored = searcher.stored_fields(docnum)
            if stored.get("kind") != "snapshot" and stored["key"] not in exclude:
                matches[stored["key"]] = Match(stored["key"], stored["kind"], stored["id"], 1.0, "url")

    words = near_tokens(text)
    idf = _Idf(searcher)
    for stored in _candidates(searcher, words, idf):
        key = stored["key"]
        if key in matches or key in exclude or stored.get("kind") == "snapshot":
            continue
        score = similarity(words, near_tokens(near_text(stored)), idf)
        if score >= THRESHOLD:
            matches[key] = Match(key, stored["kind"], stored["id"], round(score, 4), "text")
    ranked = sorted(matches.values(), key=lambda m: (m.reason != "url", -m.score))
    return ranked[: max(0, limit)]


def _candidates(searcher: Searcher, words: list[str], idf: _Idf) -> Iterator[dict]:
    """Documents sharing the rarest of ``words``, best BM25 first.

    Words in more than ``COMMON_SHARE`` of the documents are left out unless nothing rarer is
    left: their long posting lists cost most and tell least. No kind filter in the query, so
    Whoosh can skip blocks that cannot make the top; snapshots are dropped afterwards.
    """
    present = sorted((w for w in set(words) if idf.frequency(w)), key=idf.frequency)
    rare = [w for w in present if idf.frequency(w) <= COMMON_SHARE * idf.docs] or present[:3]
    if not rare:
        return
    found = searcher.search(query.Or([query.Term("body", w) for w in rare[:CANDIDATE_WORDS]]),
                            limit=CANDIDATES)
    for hit in found:
        yield hit.fields()


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
    """Document frequencies in the ``body`` field, kept for as long as the reader lives."""

    def __init__(self, searcher: Searcher) -> None:
        reader = searcher.reader()
        self.reader = reader
        self.docs = max(1, reader.doc_count_all())
        self._frequency = _FREQUENCIES.setdefault(reader, {})

    def frequency(self, word: str) -> int:
        found = self._frequency.get(word)
        if found is None:
            if len(self._frequency) > 200_000:
                self._frequency.clear()
            found = self._frequency[word] = self.reader.doc_frequency("body", word)
        return found

    def weight(self, word: str) -> float:
        return math.log((self.docs + 1) / (self.frequency(word) + 1)) + 1.0


# A searcher's reader is replaced when the index changes, which drops its frequencies here.
_FREQUENCIES: weakref.WeakKeyDictionary[IndexReader, dict[str, int]] = weakref.WeakKeyDictionary()
