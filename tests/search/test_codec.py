"""Our posting format (factcheck.search.generations.Codec) against Whoosh's own (W3Codec)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.codec.whoosh3 import W3Codec

from factcheck.search import engine
from factcheck.search.engine import SearchIndex, SearchPage
from tests.search.test_engine import STAFF, claim, keys
from tests.search.test_plain import corpus_texts

QUERIES = [
    "common", "common says", "says", '"alpha beta"', '"beta alpha"', "alpha beta", "alpha OR beta",
    "alpha NOT beta", "comm*", "मोदी", "सरकार common", "nosuchword", "title:nothing", "rare0 rare1",
]


def documents() -> list[dict]:
    """600 documents: each holds "common" one to five times (several posting blocks, varied
    weights) and "alpha beta" in one order or the other; a few hold rare words."""
    docs = []
    for n, text in enumerate(corpus_texts(), start=1):
        pair = "alpha beta" if n % 3 == 0 else "beta alpha" if n % 3 == 1 else "alpha gamma beta"
        rare = f" rare{n % 2}" if n % 97 == 0 else ""
        docs.append(claim(n, f"{text} {'common ' * (n % 5 + 1)}{pair}{rare}",
                          date=dt.date(2024, 1, 1) + dt.timedelta(days=n % 50)))
    return docs


def build(path: Path, docs: list[dict], monkeypatch: pytest.MonkeyPatch, codec: type) -> SearchIndex:
    with monkeypatch.context() as patch:
        patch.setattr(engine, "Codec", codec)
        ix = SearchIndex(path)
        ix.rebuild(docs)
        ix.update([claim(n, f"updated common alpha beta {n}") for n in (5, 50, 500)])
        ix.delete(["claim:7", "claim:70"])
    return ix


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, SearchIndex]]:
    docs = documents()
    monkeypatch = pytest.MonkeyPatch()
    whoosh_format = build(tmp_path_factory.mktemp("w3") / "index", docs, monkeypatch, W3Codec)
    array_format = build(tmp_path_factory.mktemp("arrays") / "index", docs, monkeypatch, engine.Codec)
    yield whoosh_format, array_format
    whoosh_format.close()
    array_format.close()


def pages(ix: SearchIndex, q: str) -> list[SearchPage]:
    return [ix.search(q, viewer=STAFF, per_page=100, page=p) for p in range(1, 8)]


@pytest.mark.parametrize("q", QUERIES)
def test_our_blocks_answer_as_whooshs_blocks_do(both, q: str) -> None:
    whoosh_format, array_format = both
    expected, found = pages(whoosh_format, q), pages(array_format, q)
    assert [(p.total, p.facets, keys(p), [h.score for h in p.results]) for p in found] == [
        (p.total, p.facets, keys(p), [h.score for h in p.results]) for p in expected]


def test_postings_span_many_blocks_with_their_weights_and_positions(both) -> None:
    _whoosh_format, ix = both
    common = pages(ix, "common")
    assert common[0].total == 598  # 600, two deleted
    assert len({k for p in common for k in keys(p)}) == 598
    in_order = {k for p in pages(ix, '"alpha beta"') for k in keys(p)}
    assert in_order == {f"claim:{n}" for n in range(1, 601) if n % 3 == 0 and n not in (7, 70)} | {
        "claim:5", "claim:50", "claim:500"}
