"""What a typed query may cost (issue 9): however hostile the syntax, a search reads a bounded
number of words and postings, nests a bounded number of levels, and still answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query

from factcheck.search import query as search_query
from factcheck.search.engine import SearchIndex, Viewer
from factcheck.search.query import (
    MAX_DEPTH,
    MAX_FALLBACK_WORDS,
    MAX_PHRASES,
    MAX_SLOP,
    MAX_TERMS,
    Parser,
    bounded,
)
from factcheck.search.schema import build_schema

STAFF = Viewer("staff", 1)
PARSER = Parser(build_schema())


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    ix = SearchIndex(tmp_path_factory.mktemp("bounds") / "index")
    start = dt.datetime(2024, 1, 1)
    ix.rebuild({"kind": "claim", "id": n, "owner_id": 1, "date": start + dt.timedelta(minutes=7 * n),
                "body": f"word{n} w{n % 50} common rumour hoax{n % 7} कांग्रेस{n % 3}"} for n in range(1, 1201))
    yield ix
    ix.close()


def run(index: SearchIndex, text: str) -> query.Query | None:
    reader = index._searcher().reader()  # noqa: SLF001
    return bounded(PARSER.parse(text), text, reader)


def leaves(q: query.Query | None) -> list[query.Query]:
    return [] if q is None else list(q.leaves()) if not q.is_leaf() else [q]


def depth(q: query.Query) -> int:
    return 1 if q.is_leaf() else 1 + max(depth(c) for c in q.children())


def is_words_fallback(q: query.Query | None) -> bool:
    terms = leaves(q)
    return (type(q) in (query.And, query.Term) and 0 < len(terms) <= MAX_FALLBACK_WORDS
            and all(type(t) is query.Term and t.fieldname == "body" for t in terms))


def test_a_long_or_list_becomes_its_words(index: SearchIndex) -> None:
    words = " OR ".join(f"w{n}" for n in range(300))  # cut at MAX_QUERY_CHARS
    q = run(index, words)
    assert len(leaves(q)) <= MAX_TERMS
    short = run(index, "w1 OR w2 OR w3")
    assert type(short) is query.Or and len(leaves(short)) == 3
    found = index.search(words, viewer=STAFF)
    assert found.total >= 0


def test_or_lists_of_common_words_past_the_postings_budget_become_their_words(index, monkeypatch) -> None:
    monkeypatch.setattr(search_query, "MAX_POSTINGS", 2_000)
    q = run(index, "common OR rumour OR w1")  # 2,424 postings
    assert is_words_fallback(q)
    assert type(run(index, "w1 OR w2 OR hoax1")) is query.Or  # 24 + 24 + 172


def test_deep_parentheses_are_flattened_before_parsing(index: SearchIndex) -> None:
    for text in ("(" * 400 + "hoax1" + ")" * 400, "(" * 999, "(a OR (b AND (c OR (d AND " * 40):
        parsed = PARSER.parse(text)
        assert parsed is None or depth(parsed) <= MAX_DEPTH + 2, text[:20]
        assert index.search(text, viewer=STAFF).total >= 0
    nested = "(" * (MAX_DEPTH + 1) + "hoax1" + ")" * (MAX_DEPTH + 1)
    assert type(PARSER.parse(nested)) is query.Term
    assert index.search(nested, viewer=STAFF).total == index.search("hoax1", viewer=STAFF).total


def test_too_many_phrases_become_words_and_slop_is_capped(index: SearchIndex) -> None:
    phrases = " ".join(f'"w{n} common"' for n in range(MAX_PHRASES + 1))
    assert is_words_fallback(run(index, phrases))
    allowed = " OR ".join(f'"w{n} common"' for n in range(3))
    assert sum(isinstance(t, query.Phrase) for t in query.Or([run(index, allowed)]).leaves()) == 3
    [phrase] = [t for t in [run(index, '"common rumour"~5000')] if isinstance(t, query.Phrase)]
    assert phrase.slop == MAX_SLOP


def test_wildcards_and_ranges_count_what_they_expand_to(index: SearchIndex) -> None:
    assert is_words_fallback(run(index, "word*"))  # 1,200 words
    assert is_words_fallback(run(index, "*ord1"))  # a leading wildcard
    assert is_words_fallback(run(index, "wor?1*"))
    assert type(run(index, "word11*")) is query.Prefix  # word11, word110-119, word1100-1199: 111
    assert type(run(index, "word2*")) is query.Prefix  # 111 words
    assert is_words_fallback(run(index, "word2* word3* word4*"))  # 333 together
    assert is_words_fallback(run(index, "[a TO z]"))
    assert type(run(index, "[w1 TO w11]")) is query.TermRange
    # Dates every 7 minutes: a range of two days names 411 indexed minutes, over the budget.
    assert is_words_fallback(run(index, "date:[28401120 TO 28404000] hoax1"))
    for text in ("word*", "[a TO z]", "*ord1", "date:[0 TO 99999999]"):
        assert index.search(text, viewer=STAFF).total >= 0


def test_fuzzy_terms_are_not_syntax(index: SearchIndex) -> None:
    q = run(index, "hoax1~10 common~")
    assert all(type(t) is query.Term for t in leaves(q))
    assert not any(isinstance(t, query.FuzzyTerm) for t in leaves(q))


def test_the_fallback_itself_is_bounded(index: SearchIndex) -> None:
    q = search_query.words_query(" ".join(f"w{n}" for n in range(500)))
    assert type(q) is query.And and len(q.subqueries) == MAX_FALLBACK_WORDS


def test_hostile_queries_still_answer(index: SearchIndex) -> None:
    hostile = ["*", "?", "(" * 999, '"' * 999, "a^1e308 OR hoax1", "NOT " * 200 + "x", "hoax1^1e308",
               " ".join(f'"w{n} w{n + 1}"~99' for n in range(40)), "date:[0 TO]", "title:(" * 100]
    for text in hostile:
        page = index.search(text, viewer=STAFF)
        assert page.total >= 0 and len(page.results) <= 20, text[:30]


def test_a_rebuild_in_two_processes_answers_as_in_one(tmp_path: Path) -> None:
    docs = [{"kind": "claim", "id": n, "owner_id": 1, "body": f"rumour {n} कांग्रेस"} for n in range(1, 301)]
    one, two = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    assert one.rebuild(docs) == two.rebuild(docs, procs=2) == 300
    for text in ("rumour", "कांग्रेस", "17", "rumour 17"):
        a, b = ([h.key for p in (1, 2, 3) for h in ix.search(text, viewer=STAFF, page=p, per_page=100).results]
                for ix in (one, two))
        assert sorted(a) == sorted(b) and a, text  # ties may come in another order
    one.close()
    two.close()
