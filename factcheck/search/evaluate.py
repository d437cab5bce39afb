"""Every match of a query in one segment, with the score Whoosh gives it.

A results page shows a total and facet counts over every match, so no match may be skipped. The
pruning that makes Whoosh fast for a top ten (it drops documents, blocks and whole sub-queries
that cannot beat the current tenth score) would make those counts wrong, and it depends on the
page asked for. Here words, AND, OR and NOT are evaluated on whole posting lists into dicts of
document number → score, with Whoosh's statistics and the arithmetic of ``whoosh.scoring.bm25``;
any other node (phrases, wildcards, ranges, ...) goes through Whoosh's own matcher for that node,
so its matches and scores are Whoosh's by construction. Scores summed over several words may
differ from Whoosh's in the last bit, as Whoosh's own do between its matcher trees
(tests/search/test_stock.py compares every query shape with stock Whoosh).

A word far commoner than the documents it must be checked against (``within``: what the
restriction or the rarer words of an AND left) is probed at those documents, reading only the
blocks that hold them. Deleted documents are not removed here but once by the caller: postings
still list them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from functools import lru_cache
from itertools import compress, count
from operator import add, itemgetter

from whoosh import formats, query, scoring
from whoosh.matching import FilterMatcher, Matcher
from whoosh.reading import IndexReader
from whoosh.searching import SearchContext, Searcher

from factcheck.search.codec import BYTE_LENGTHS, read_ids, read_postings, values_at

Scores = dict[int, float]


class Allowed:
    """The documents of one segment a restriction allows: one byte per document, 1 if allowed
    (a million documents take a megabyte; checking many at once runs in C)."""

    __slots__ = ("_docs", "count", "flags")

    def __init__(self, flags: bytes) -> None:
        self.flags = flags
        self.count = flags.count(1)
        self._docs: list[int] | None = None

    def __len__(self) -> int:
        return self.count

    def __contains__(self, doc: object) -> bool:
        return isinstance(doc, int) and 0 <= doc < len(self.flags) and self.flags[doc] == 1

    def __iter__(self) -> Iterator[int]:
        if self._docs is None:
            docs, find, at = [], self.flags.find, self.flags.find(1)
            while at != -1:
                docs.append(at)
                at = find(1, at + 1)
            self._docs = docs
        return iter(self._docs)


Within = Allowed | Collection[int] | None
Lengths = Callable[[IndexReader, str], "bytes | None"]

# Probe a word's postings at the candidates when it has this many times more documents.
PROBE_RATIO = 16
_ONE = 1.0
# Whoosh scores a NOT as a match of weight 1 (an InverseMatcher), added to its siblings' scores.
NOT_SCORE = 1.0


class LeafQuery:
    """Evaluates queries on one segment's searcher (a leaf of the top-level searcher)."""

    def __init__(self, searcher: Searcher, context: SearchContext, lengths: Lengths) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.context = context
        self._lengths = lengths

    # -- scored ----------------------------------------------------------------------------------

    def scores(self, q: query.Query, within: Within = None) -> Scores:
        """Every document of ``q`` (within ``within``, if given) and its score."""
        kind = type(q)
        if kind is query.Term:
            return self._term_scores(q, within)
        if kind is query.And:
            return self._and_scores(q, within)
        if kind is query.Or and not (q.minmatch or q.scale):
            return self._or_scores(q, within)
        if kind is query.Not:
            return dict.fromkeys(self._universe(within) - self.matches(q.query, within), NOT_SCORE)
        if kind is query.Phrase and self._positional(q.fieldname):
            words = self._phrase_words(q)
            if words is None:
                return {}
            found = self._and_scores(query.And(words), within)
            if len(words) > 1:
                found = {d: found[d] for d in self._in_order(q.fieldname, words, found.keys(), q.slop)}
            return _boosted(found, q.boost)
        if q is query.NullQuery:
            return {}
        return self._whoosh_scores(q, within)

    def _term_scores(self, q: query.Term, within: Within) -> Scores:
        found = self._postings(q, within)
        if found is None:
            return {}
        field, text, docs, weights = found
        scorer = self.context.weighting.scorer(self.searcher, field, text)
        lengths = self._lengths(self.reader, field) if isinstance(scorer, scoring.BM25FScorer) else None
        if lengths is not None and docs:
            idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
            k1_plus_1 = k1 + 1
            # bm25() as Whoosh writes it, its length part computed once per length byte, and
            # the whole score once per length byte for the commonest weight, 1.
            norms = [k1 * ((1 - b) + b * fl / avgfl) for fl in BYTE_LENGTHS]
            once = [idf * ((1.0 * k1_plus_1) / (1.0 + norm)) for norm in norms]
            sizes = picked(lengths, docs)
            scores = list(map(once.__getitem__, sizes))
            for i in compress(count(), map(_ONE.__ne__, weights)):  # in C, unlike a loop
                tf = weights[i]
                scores[i] = idf * ((tf * k1_plus_1) / (tf + norms[sizes[i]]))
        elif isinstance(scorer, scoring.WeightScorer):
            scores = weights
        else:
            return self._whoosh_scores(q, within)
        if q.boost != 1.0:
            boost = q.boost
            scores = [score * boost for score in scores]
        return dict(zip(docs, scores, strict=True))

    def _and_scores(self, q: query.And, within: Within) -> Scores:
        subs = q.subqueries
        if not subs:
            return {}
        wanted = sorted((s for s in subs if type(s) is not query.Not), key=self._size)
        unwanted = [s.query for s in subs if type(s) is query.Not]
        if wanted:
            result = self.scores(wanted[0], within)
            for sub in wanted[1:]:
                if not result:
                    return result
                other = self.scores(sub, result.keys())
                result = {d: score + other[d] for d, score in result.items() if d in other}
        else:
            result = dict.fromkeys(self._universe(within), 0.0)
        for sub in unwanted:
            if not result:
                break
            dropped = self.matches(sub, result.keys())
            result = {d: score + NOT_SCORE for d, score in result.items() if d not in dropped}
        return _boosted(result, q.boost if len(subs) > 1 else 1.0)

    def _or_scores(self, q: query.Or, within: Within) -> Scores:
        subs = q.subqueries
        result: Scores = {}
        for sub in subs:
            other = self.scores(sub, within)
            if not result:
                result = other
            elif other:
                # The sums where both match, then the union: all in C (a set iterates in the
                # same order each time it is not changed).
                common = result.keys() & other.keys()
                both = dict(zip(common, map(add, map(result.__getitem__, common), map(other.__getitem__, common)),
                                strict=True))
                result.update(other)
                result.update(both)
        return _boosted(result, q.boost if len(subs) > 1 else 1.0)

    def _whoosh_scores(self, q: query.Query, within: Within) -> Scores:
        matcher = q.matcher(self.searcher, self.context)
        return {d: matcher.score() for d in self._walk(matcher, q, within)}

    # -- unscored --------------------------------------------------------------------------------

    def matches(self, q: query.Query, within: Within = None) -> set[int]:
        """The documents of ``q`` (within ``within``, if given), unscored."""
        kind = type(q)
        if kind is query.Term:
            found = self._postings(q, within, weights=False)
            return set(found[2]) if found is not None else set()
        if kind is query.And and q.subqueries:
            wanted = sorted((s for s in q.subqueries if type(s) is not query.Not), key=self._size)
            result = self.matches(wanted[0], within) if wanted else self._universe(within)
            for sub in wanted[1:]:
                if not result:
                    return result
                result &= self.matches(sub, result)
            for sub in q.subqueries:
                if type(sub) is query.Not and result:
                    result -= self.matches(sub.query, result)
            return result
        if kind is query.Or and not q.minmatch:
            return set().union(*(self.matches(sub, within) for sub in q.subqueries))
        if kind is query.Not:
            return self._universe(within) - self.matches(q.query, within)
        if kind is query.Phrase and self._positional(q.fieldname):
            words = self._phrase_words(q)
            if words is None:
                return set()
            candidates = self.matches(query.And(words), within)
            return set(self._in_order(q.fieldname, words, candidates, q.slop)) if len(words) > 1 else candidates
        if q is query.NullQuery or (kind is query.And and not q.subqueries):
            return set()
        matcher = q.matcher(self.searcher, self.searcher.boolean_context())
        return set(self._walk(matcher, q, within))

    # -- phrases ---------------------------------------------------------------------------------

    def _positional(self, field: str) -> bool:
        schema = self.reader.schema
        return field in schema and schema[field].format is not None and schema[field].format.supports("positions")

    def _phrase_words(self, q: query.Phrase) -> list[query.Term] | None:
        """A phrase's words as terms (scored as Whoosh scores a phrase), or None if one is absent."""
        terms = [query.Term(q.fieldname, word) for word in q.words]
        for term in terms:
            try:
                if (term.fieldname, self.reader.schema[term.fieldname].to_bytes(term.text)) not in self.reader:
                    return None
            except ValueError:
                return None
        return terms or None

    def _in_order(self, field: str, words: list[query.Term], docs: Collection[int], slop: int) -> Iterator[int]:
        """The ``docs`` where the words follow each other, each 1 to ``slop`` positions after the
        one before (Whoosh's SpanNear2 with ``ordered=True, mindist=1``)."""
        if not docs:
            return
        ordered = sorted(docs)
        decode = self.reader.schema[field].format.decode_positions
        if getattr(decode, "__func__", None) is formats.Positions.decode_positions:
            decode = _positions  # the same, remembered
        positions: dict[str, dict[int, tuple[int, ...]]] = {}
        for term in words:
            if term.text not in positions:
                matcher = self.reader.postings(field, term.text)
                if isinstance(matcher, FilterMatcher):
                    matcher = matcher.child
                positions[term.text] = {d: decode(v) for d, v in values_at(matcher, ordered).items()}
        first, rest = positions[words[0].text], [positions[term.text] for term in words[1:]]
        for doc in ordered:
            ends: Collection[int] = first.get(doc, ())
            for following in rest:
                if slop == 1:
                    ends = [p for p in following.get(doc, ()) if p - 1 in ends]
                else:
                    ends = [p for p in following.get(doc, ()) if any(1 <= p - e <= slop for e in ends)]
                if not ends:
                    break
            if ends:
                yield doc

    # -- reading ---------------------------------------------------------------------------------

    def _postings(
        self, q: query.Term, within: Within, *, weights: bool = True
    ) -> tuple[str, bytes, list[int], list[float]] | None:
        """A word's documents (deleted ones too) and weights, within ``within``; None if absent."""
        reader = self.reader
        field = q.fieldname
        if field not in reader.schema:
            return None
        try:
            text = reader.schema[field].to_bytes(q.text)
        except ValueError:
            return None
        if (field, text) not in reader:
            return None
        matcher = reader.postings(field, text)
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child  # deletions are removed once, by the caller
        if within is not None and len(within) * PROBE_RATIO < reader.doc_frequency(field, text):
            docs, found = [], []
            for doc in _landings(matcher, sorted(within)):
                docs.append(doc)
                if weights:
                    found.append(matcher.weight())
            return field, text, docs, found
        if not weights:
            docs = read_ids(matcher)
            if within is not None:
                docs = list(compress(docs, _mask(within, docs)))
            return field, text, docs, []
        docs, found = read_postings(matcher)
        if within is not None:
            mask = _mask(within, docs)
            docs, found = list(compress(docs, mask)), list(compress(found, mask))
        return field, text, docs, found

    def _walk(self, matcher: Matcher, q: query.Query, within: Within) -> Iterator[int]:
        """The documents ``matcher`` matches within ``within``, leaving it on each when yielded."""
        if within is not None and len(within) * PROBE_RATIO < q.estimate_size(self.reader):
            yield from _landings(matcher, sorted(within))
            return
        while matcher.is_active():
            doc = matcher.id()
            if within is None or doc in within:
                yield doc
            matcher.next()

    def _universe(self, within: Within) -> set[int]:
        return set(within) if within is not None else set(range(self.reader.doc_count_all()))

    def _size(self, q: query.Query) -> int:
        return q.estimate_size(self.reader)


@lru_cache(maxsize=65_536)
def _positions(value: bytes) -> tuple[int, ...]:
    # Most words occur once or twice in a document: the same few thousand values recur.
    return tuple(formats.Positions.decode_positions(None, value))


def _mask(within: Allowed | Collection[int], docs: list[int]) -> list:
    """For each of ``docs``, whether ``within`` holds it (truthy or not)."""
    if isinstance(within, Allowed):
        return list(map(within.flags.__getitem__, docs))
    return list(map(within.__contains__, docs))


def picked(values: Sequence, docs: list[int]) -> tuple | list:
    """``values[d]`` for each of ``docs`` (in C: itemgetter takes them all at once)."""
    if len(docs) < 2:
        return [values[d] for d in docs]
    return itemgetter(*docs)(values)


def _boosted(scores: Scores, boost: float) -> Scores:
    if boost == 1.0:
        return scores
    return {d: score * boost for d, score in scores.items()}


def _landings(matcher: Matcher, docs: list[int]) -> Iterator[int]:
    """Each of the sorted ``docs`` that ``matcher`` matches, leaving it there while yielded."""
    for doc in docs:
        if not matcher.is_active():
            return
        if matcher.id() < doc:
            matcher.skip_to(doc)
            if not matcher.is_active():
                return
        if matcher.id() == doc:
            yield doc
