"""Plain word queries take their own path (factcheck.search.plain): it must give Whoosh's answers."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from itertools import groupby

import pytest
from whoosh import query

from factcheck.search import plain
from factcheck.search.engine import SearchIndex, SearchPage, Viewer
from tests.conftest import corpus_path
from tests.search.test_engine import ANONYMOUS, STAFF, claim, factcheck

PLATFORMS = ["whatsapp", "x", "facebook", "telegram"]
STATUSES = ["submitted", "researching", "published", "rejected"]


def corpus_texts() -> list[str]:
    with open(corpus_path("posts-hindi", "constraint_hindi_train.csv"), encoding="utf-8", newline="") as f:
        posts = [row["Post"] for row in csv.DictReader(f)][:300]
    with open(corpus_path("claims-liar", "train.tsv"), encoding="utf-8") as f:
        claims = [line.split("\t")[2] for line in f][:300]
    return posts + claims


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, list[str]]]:
    """Hindi and English documents over several segments, with updated and deleted ones."""
    rng = random.Random(7)
    texts = corpus_texts()
    ix = SearchIndex(tmp_path_factory.mktemp("plain") / "index")

    def doc(n: int) -> dict:
        text = texts[n % len(texts)]
        extra = {"platform": rng.choice(PLATFORMS), "date": dt.date(2024, 1, 1) + dt.timedelta(days=n % 90)}
        if n % 5 == 0:
            return factcheck(n, text[:80], body=text, verdict=rng.choice(["false", "misleading"]), **extra)
        return claim(n, text, owner=rng.randint(1, 3), status=rng.choice(STATUSES), **extra)

    for start in range(1, len(texts), 150):
        ix.update([doc(n) for n in range(start, start + 150)])
    ix.update([doc(n + 7) | {"id": n} for n in range(1, 100, 3)])  # rewritten, and in a new segment
    ix.delete([f"claim:{n}" for n in range(2, 300, 11)])
    yield ix, texts
    ix.close()


def queries(texts: list[str]) -> list[str]:
    rng = random.Random(11)
    out = ["says", "है", "मोदी", "the", "says says", "covid vaccine", "nosuchwordanywhere", "says nosuchword"]
    for text in rng.sample(texts, 60):
        words = text.split()
        size = rng.randint(1, 4)
        at = rng.randrange(max(1, len(words) - size + 1))
        out.append(" ".join(words[at : at + size]))
    return out


def same_page(fast: SearchPage, slow: SearchPage, case: object) -> None:
    assert (fast.total, fast.facets) == (slow.total, slow.facets), case
    assert [h.score for h in fast.results] == pytest.approx([h.score for h in slow.results], rel=1e-9), case
    # Equal scores may be summed in another order: compare the keys of each run of equal scores
    # (the last run may be cut by the page in different places).
    def runs(page: SearchPage) -> list[set[str]]:
        return [{h.key for h in run} for _s, run in groupby(page.results, key=lambda h: round(h.score, 9))]
    assert runs(fast)[:-1] == runs(slow)[:-1], case


@pytest.mark.parametrize("viewer", [STAFF, Viewer("volunteer", 2), ANONYMOUS], ids=["staff", "volunteer", "anonymous"])
def test_plain_words_rank_and_count_as_whoosh_does(mixed, viewer: Viewer, monkeypatch) -> None:
    ix, texts = mixed
    filters = [{}, {"kind": "claim"}, {"platform": ["x", "telegram"], "date_from": dt.date(2024, 2, 1)}]
    cases = [(q, f) for q in queries(texts) for f in filters]
    fast = [ix.search(q, viewer=viewer, per_page=30, **f) for q, f in cases]
    assert sum(page.total for page in fast) > 100  # the queries do match
    monkeypatch.setattr(plain, "plain_words", lambda _q: None)
    for (q, f), page in zip(cases, fast, strict=True):
        same_page(page, ix.search(q, viewer=viewer, per_page=30, **f), (q, f))


def test_only_required_words_of_the_text_take_the_plain_path() -> None:
    body = [query.Term("body", "flood"), query.Term("body", "video")]
    assert plain.plain_words(query.Term("body", "flood")) == {"flood": 1}
    assert plain.plain_words(query.And([*body, body[0]])) == {"flood": 2, "video": 1}
    for other in (
        query.Or(body), query.Phrase("body", ["flood", "video"]), query.And([body[0], query.Not(body[1])]),
        query.Term("title", "flood"), query.Term("body", "flood", boost=2.0), query.Prefix("body", "flo"),
        query.And([body[0], query.Term("kind", "claim")]), None,
    ):
        assert plain.plain_words(other) is None, other


def test_a_second_page_continues_the_first(mixed) -> None:
    ix, _texts = mixed
    first, second = (ix.search("says", viewer=STAFF, per_page=10, page=n) for n in (1, 2))
    assert first.total > 20
    assert not {h.key for h in first.results} & {h.key for h in second.results}
    assert first.results[-1].score >= second.results[0].score


def test_deleted_and_rewritten_documents_are_counted_once(mixed) -> None:
    ix, texts = mixed
    everything = {h.key for h in ix.search("", viewer=STAFF, per_page=100, page=1).results}
    assert "claim:2" not in everything and "claim:13" not in everything
    word = texts[8].split()[0]  # claim 1 now holds text 8, as claim 8 does
    keys = [h.key for p in range(1, 5) for h in ix.search(word, viewer=STAFF, per_page=100, page=p).results]
    assert len(keys) == len(set(keys)) and "claim:1" in keys
