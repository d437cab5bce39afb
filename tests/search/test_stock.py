"""The index against stock Whoosh: the same documents written to a stock index (W3Codec, by
Whoosh's own writer, the same commits and merges) and searched with a stock searcher and stock
BM25F give the same totals, facets, top hits and scores, for every query shape, every viewer,
filters and pages, fresh and after many update and delete commits (several segments).

Scores are compared to 1e-9: Whoosh adds the scores of several words in the order of its
matcher tree, which can change the last bit. For the same reason documents whose scores are
equal may come in another order within their run of equal scores; runs are compared as sets.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.searching import Searcher

from factcheck.search import build
from factcheck.search.engine import SearchIndex, SearchPage, Viewer
from factcheck.search.query import Filters, Parser, bounded, restriction
from factcheck.search.schema import FACETS, build_schema, document_fields, facet_values
from tests.search import generate

DOCUMENTS = 1500
ANONYMOUS = Viewer(None)
VOLUNTEER = Viewer("volunteer", 3)
REVIEWER = Viewer("reviewer", 90)
STAFF = Viewer("staff", 91)
VIEWERS = {"anonymous": ANONYMOUS, "volunteer": VOLUNTEER, "reviewer": REVIEWER, "staff": STAFF}
PARSER = Parser(build_schema())


class StockIndex:
    """A stock Whoosh index fed the same documents and commits as a SearchIndex."""

    def __init__(self, path: Path) -> None:
        path.mkdir()
        self.ix = whoosh_index.create_in(str(path), build_schema())

    def rebuild(self, docs: list[dict]) -> None:
        writer = self.ix.writer(codec=W3Codec())
        for doc in docs:
            writer.add_document(**document_fields(doc))
        writer.commit()

    def update(self, docs: list[dict]) -> None:
        self._commit(lambda writer: [writer.update_document(**document_fields(d)) for d in docs])

    def delete(self, keys: list[str]) -> None:
        self._commit(lambda writer: [writer.delete_by_term("key", k) for k in keys])

    def merge(self) -> None:
        self._commit(lambda _writer: None, mergetype=build.merge_small_segments)

    def _commit(self, change, mergetype=None) -> None:
        writer = self.ix.writer(codec=W3Codec())
        change(writer)
        writer.commit(mergetype=mergetype or build.commit_merge_policy)


@dataclass(repr=False)
class Pair:
    ours: SearchIndex
    stock: StockIndex
    answers: dict = field(default_factory=dict)
    _searcher: Searcher | None = None

    def __repr__(self) -> str:
        return f"Pair({self.ours.path})"

    def stock_searcher(self) -> Searcher:
        """One stock searcher, with each document's key, facets and date read once."""
        if self._searcher is None:
            self._searcher = self.stock.ix.searcher()
            reader = self._searcher.reader()
            self.keys = {d: self._searcher.stored_fields(d)["key"] for d in reader.all_doc_ids()}
            self.facets = list(reader.column_reader("facets"))
            self.dates = list(reader.column_reader("date"))
        return self._searcher

    def close(self) -> None:
        self.ours.close()
        if self._searcher is not None:
            self._searcher.close()

    def segments(self) -> tuple[list[int], list[int]]:
        _name, ix = self.ours._live_index()
        return ([s.doc_count_all() for s in ix._segments()],  # noqa: SLF001
                [s.doc_count_all() for s in self.stock.ix._segments()])  # noqa: SLF001


def build_pair(root: Path, updated: bool) -> Pair:
    docs = generate.documents(DOCUMENTS)
    pair = Pair(SearchIndex(root / "ours"), StockIndex(root / "stock"))
    pair.ours.rebuild(docs)
    pair.stock.rebuild(docs)
    if updated:
        for changed, deleted in generate.commits(docs, 12):
            for side in (pair.ours, pair.stock):
                side.update(changed)
                side.delete(deleted)
    return pair


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    pair = build_pair(tmp_path_factory.mktemp("fresh"), updated=False)
    yield pair
    pair.close()


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    pair = build_pair(tmp_path_factory.mktemp("updated"), updated=True)
    yield pair
    pair.close()


# -- the stock answer ------------------------------------------------------------------------


@dataclass
class Expected:
    total: int
    facets: dict[str, dict[str, int]]
    ranked: list[tuple[str, float | None]]  # every match in order: (key, score)
    top: list[tuple[str, float]]  # Whoosh's own top N (with its pruning)


def stock_search(pair: Pair, q: str, viewer: Viewer, filters: dict, sort: str, stop: int) -> Expected:
    """What stock Whoosh answers for what SearchIndex.search is asked."""
    searcher = pair.stock_searcher()
    reader = searcher.reader()
    user = bounded(PARSER.parse(q), q, reader)
    allowed = restriction(viewer, Filters(**filters))
    limit_to = allowed.query() if allowed is not None else None
    run = user if user is not None else (limit_to or wq.Every())
    case = (q, viewer, repr(sorted(filters.items())), sort)
    if case not in pair.answers:
        # Stock Whoosh's NOT can return a deleted document (its InverseMatcher stops skipping
        # them once its child is exhausted): the one thing corrected here.
        every = [(hit.score, hit.docnum) for hit in searcher.search(run, filter=limit_to, limit=None)
                 if not reader.is_deleted(hit.docnum)]
        counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        for _score, docnum in every:
            for name, values in facet_values(pair.facets[docnum]).items():
                counts[name].update(values)
        facets = {name: dict(counter) for name, counter in counts.items()}
        if sort == "date" or user is None:
            order = sorted((d for _s, d in every), key=lambda d: (pair.dates[d], d), reverse=True)
            ranked: list[tuple[str, float | None]] = [(pair.keys[d], None) for d in order]
        else:
            ranked = [(pair.keys[d], score) for score, d in sorted(every, key=lambda sd: (-sd[0], sd[1]))]
        pair.answers[case] = Expected(len(every), facets, ranked, [])
    expected = pair.answers[case]
    if sort == "date" or user is None:
        return expected
    top = [hit for hit in searcher.search(run, filter=limit_to, limit=stop + 1) if not reader.is_deleted(hit.docnum)]
    return Expected(expected.total, expected.facets, expected.ranked,
                    [(pair.keys[hit.docnum], hit.score) for hit in top[:stop]])


def runs(ranked: list[tuple[str, float | None]]) -> list[set[str]]:
    """Keys grouped into runs of equal scores (within 1e-9)."""
    out: list[set[str]] = []
    first = None
    for key, score in ranked:
        if score is None or first is None or abs(score - first) > 1e-9 * abs(first):
            out.append(set())
            first = score
        out[-1].add(key)
    return out


def same_page(found: SearchPage, expected: Expected, start: int, case: object) -> None:
    assert found.total == expected.total, case
    assert {k: v for k, v in found.facets.items() if v} == {k: v for k, v in expected.facets.items() if v}, case
    window = expected.ranked[start : start + found.per_page]
    got = [(hit.key, hit.score) for hit in found.results]
    assert len(got) == len(window), case
    if window and window[0][1] is None:
        assert got == window, case  # by date: no ties (the document number breaks them)
        return
    assert [s for _k, s in got] == pytest.approx([s for _k, s in window], rel=1e-9, abs=1e-12), case
    # Each run of equal scores holds the same documents; a run the page cuts, documents of it.
    everything = runs(expected.ranked)
    score_runs = {key: group for group in everything for key in group}
    for mine in runs(got):
        assert all(score_runs[k] == score_runs[next(iter(mine))] for k in mine), case
    full = [group for group in runs(got)[1:-1]]
    for group in full:
        assert score_runs[next(iter(group))] == group, case
    top = expected.top[: found.per_page]
    # Whoosh's own top N (block-quality pruning) is compared where it agrees with Whoosh's own
    # full ranking: with a NOT inside an AND its pruning can miss the best matches.
    if start == 0 and top and [s for _k, s in top] == pytest.approx([s for _k, s in window], rel=1e-9, abs=1e-12):
        assert [s for _k, s in got] == pytest.approx([s for _k, s in top], rel=1e-9, abs=1e-12), case
        assert all(score_runs[k] is score_runs[t] for (k, _s), (t, _u) in zip(got, top, strict=True)), case


def compare(pair: Pair, q: str, viewer: Viewer, *, filters: dict | None = None, sort: str = "relevance",
            page: int = 1, per_page: int = 10) -> SearchPage:
    filters = filters or {}
    found = pair.ours.search(q, viewer=viewer, sort=sort, page=page, per_page=per_page, **filters)
    expected = stock_search(pair, q, viewer, filters, sort, page * per_page)
    same_page(found, expected, (page - 1) * per_page, (q, viewer, filters, sort, page, per_page))
    return found


# -- named shapes ----------------------------------------------------------------------------

SHAPES = {
    "and": ["vaccine hoax", "मोदी सरकार", "vaccine AND मोदी", "running runs", "hoax vaccine news flood"],
    "or": ["vaccine OR मोदी", "hoax OR flood OR tax", "कांग्रेस OR garlic OR pension", "title:hoax OR मोदी",
           "(hoax OR vaccine) (मोदी OR सरकार)"],
    "not": ["hoax NOT vaccine", "NOT hoax", "मोदी NOT (सरकार OR भारत)", "hoax NOT kind:claim",
            "(vaccine OR flood) NOT hoax NOT मोदी"],
    "phrase": ['"vaccine hoax"', '"मोदी सरकार"', '"hoax vaccine" OR "flood video"', '"the hoax"',
               '"vaccine hoax" NOT flood', '"hoax flood"~3'],
    "field": ["title:hoax", "kind:claim hoax", "status:published OR verdict:False", "domain:news.example",
              "title:मोदी सरकार", "platform:x AND language:hi"],
    "other": ["vacc*", "hoax^3 OR flood", "[bank TO border]", "*", "", "nosuchword", "hoax OR nosuchword"],
}
FILTERS = [
    {},
    {"kind": "claim"},
    {"status": ["published", "submitted"], "platform": "whatsapp"},
    {"date_from": dt.date(2023, 6, 1), "date_to": dt.date(2024, 3, 31)},
    {"kind": ["factcheck", "snapshot"], "language": "hi", "date_from": dt.date(2023, 9, 1)},
    {"domain": "news.example"},
]


@pytest.mark.parametrize("state", ["fresh", "updated"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_query_shape_answers_as_stock_whoosh_for_every_viewer(request, state: str, shape: str) -> None:
    pair = request.getfixturevalue(state)
    matched = 0
    for q in SHAPES[shape]:
        for viewer in VIEWERS.values():
            for page in (1, 3):
                matched += compare(pair, q, viewer, page=page, per_page=7).total
    assert matched > 0


@pytest.mark.parametrize("state", ["fresh", "updated"])
def test_filters_and_date_order_answer_as_stock_whoosh(request, state: str) -> None:
    pair = request.getfixturevalue(state)
    for filters in FILTERS:
        for q in ("hoax OR मोदी", "vaccine hoax", "NOT flood", ""):
            for viewer in VIEWERS.values():
                compare(pair, q, viewer, filters=filters, per_page=9)
                compare(pair, q, viewer, filters=filters, sort="date", page=2, per_page=9)


def test_the_updated_index_has_several_segments_and_deletions(updated: Pair) -> None:
    ours, stock = updated.segments()
    assert ours == stock and len(ours) > 5
    _name, ix = updated.ours._live_index()
    assert any(s.has_deletions() for s in ix._segments())  # noqa: SLF001


def test_totals_do_not_depend_on_the_page(updated: Pair) -> None:
    for q in ("hoax OR flood", "vaccine OR मोदी OR सरकार", "hoax NOT vaccine"):
        for viewer in (ANONYMOUS, VOLUNTEER, STAFF):
            totals = {updated.ours.search(q, viewer=viewer, page=p, per_page=p * 3).total for p in (1, 2, 5, 9)}
            assert len(totals) == 1, (q, viewer)


def test_after_merging_segments_answers_stay_stock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Updates that merge nothing (segments left for the merge job, as before it runs).
    monkeypatch.setattr(build, "commit_merge_policy", lambda _writer, segments: segments)
    pair = build_pair(tmp_path, updated=True)
    before = len(pair.segments()[0])
    pair.ours.merge()
    pair.stock.merge()
    ours, stock = pair.segments()
    assert ours == stock and len(ours) < before
    for q in ("hoax OR मोदी", '"vaccine hoax"', "hoax NOT vaccine"):
        for viewer in VIEWERS.values():
            compare(pair, q, viewer, per_page=20)
    pair.close()


# -- any query -------------------------------------------------------------------------------

COMMON = ["vaccine", "hoax", "flood", "मोदी", "कांग्रेस", "सरकार", "news", "भारत"]
RARE = ["tax", "garlic", "मंत्री", "लहसुन", "strike", "runner", "nosuchword", "the", "के"]
words = st.sampled_from(COMMON + RARE)
atoms = st.one_of(
    words,
    st.tuples(words, words).map(lambda ab: f'"{ab[0]} {ab[1]}"'),
    st.sampled_from(["title:", "kind:", "status:"]).flatmap(
        lambda f: st.sampled_from({"title:": COMMON, "kind:": ["claim", "factcheck", "snapshot"],
                                   "status:": ["published", "submitted"]}[f]).map(lambda v: f + v)),
    words.map(lambda w: f"{w[:3]}*"),
    words.map(lambda w: f"{w}^2"),
)
queries = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(" ".join),
        st.tuples(inner, inner).map(" AND ".join),
        st.tuples(inner, inner).map(" OR ".join),
        st.tuples(inner, inner).map(" NOT ".join),
        inner.map(lambda q: f"NOT {q}"),
        inner.map(lambda q: f"({q})"),
    ),
    max_leaves=6,
)
filter_sets = st.fixed_dictionaries({}, optional={
    "kind": st.sampled_from(["claim", "factcheck", ["claim", "snapshot"]]),
    "status": st.sampled_from(["published", "researching", ["submitted", "rejected"]]),
    "platform": st.sampled_from(list(generate.PLATFORMS)),
    "date_from": st.dates(dt.date(2023, 1, 1), dt.date(2025, 3, 1)),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries, viewer=st.sampled_from(list(VIEWERS.values()) + [Viewer("volunteer", 5)]),
       filters=filter_sets, sort=st.sampled_from(["relevance", "relevance", "date"]),
       page=st.integers(1, 4), per_page=st.integers(1, 12))
def test_any_query_answers_as_stock_whoosh(updated: Pair, q, viewer, filters, sort, page, per_page) -> None:
    compare(updated, q, viewer, filters=filters, sort=sort, page=page, per_page=per_page)
