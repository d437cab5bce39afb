"""SearchIndex: Hindi and English search, visibility, malformed queries, filters and facets,
rebuilding aside, recovery, and concurrent writers (threads and processes)."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.util.filelock import FileLock

from factcheck.search.analysis import tokens
from factcheck.search.engine import IndexBusy, SearchIndex, SearchPage, Viewer
from tests.conftest import corpus_path

ROOT = Path(__file__).resolve().parents[2]
STAFF = Viewer("staff", 1000)
REVIEWER = Viewer("reviewer", 1001)
ANONYMOUS = Viewer(None, None)


def claim(doc_id: int, text: str, *, owner: int = 1, assignee: int | None = None,
          status: str = "submitted", **extra: object) -> dict:
    return {"kind": "claim", "id": doc_id, "body": text, "owner_id": owner, "assignee_id": assignee,
            "status": status, "platform": "whatsapp", "language": "hi",
            "date": dt.date(2024, 1, 1) + dt.timedelta(days=doc_id), **extra}


def factcheck(doc_id: int, headline: str, *, claim_id: int = 1, status: str = "published",
              verdict: str = "false", **extra: object) -> dict:
    return {"kind": "factcheck", "id": doc_id, "claim_id": claim_id, "title": headline,
            "summary": extra.pop("summary", ""), "body": extra.pop("body", "The body."),
            "status": status, "verdict": verdict, "language": "en",
            "date": dt.date(2024, 3, 1) + dt.timedelta(days=doc_id), **extra}


def snapshot(doc_id: int, title: str, text: str, url: str, **extra: object) -> dict:
    domain = url.split("/")[2]
    return {"kind": "snapshot", "id": doc_id, "claim_id": 1, "title": title, "body": text,
            "url": url, "domain": domain, "date": dt.date(2024, 2, 1) + dt.timedelta(days=doc_id),
            **extra}


def keys(page: SearchPage) -> list[str]:
    return [hit.key for hit in page.results]


@pytest.fixture
def index(tmp_path: Path) -> Iterator[SearchIndex]:
    ix = SearchIndex(tmp_path / "index")
    yield ix
    ix.close()


def error_records(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# -- Hindi and English -----------------------------------------------------------------------


def corpus_posts(count: int) -> list[str]:
    path = corpus_path("posts-hindi", "constraint_hindi_train.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    wanted = [r["Post"] for r in rows if "कांग्रेस" in r["Post"]][:10]
    wanted += [r["Post"] for r in rows if "मजबूत" in r["Post"]][:10]
    return wanted + [r["Post"] for r in rows[:count] if r["Post"] not in wanted]


def devanagari_words(text: str) -> list[str]:
    """Words as a reader sees them (between spaces and punctuation), when all Devanagari."""
    return [w for w in regex.split(r"[\s\p{P}\p{S}]+", text) if regex.fullmatch(r"\p{Devanagari}+", w)]


@pytest.fixture(scope="module")
def hindi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, list[str]]]:
    posts = corpus_posts(400)
    ix = SearchIndex(tmp_path_factory.mktemp("hindi") / "index")
    ix.rebuild(claim(i, post) for i, post in enumerate(posts, 1))
    yield ix, posts
    ix.close()


def test_every_hindi_word_of_corpus_posts_finds_exactly_the_posts_holding_it(hindi) -> None:
    ix, posts = hindi
    holding: dict[str, set[str]] = {}
    for i, post in enumerate(posts, 1):
        for token in tokens(post):
            holding.setdefault(token, set()).add(f"claim:{i}")
    checked = 0
    for i, post in enumerate(posts[:30], 1):
        for word in set(devanagari_words(post)):
            normal = tokens(word)
            if not normal:
                continue  # a stop word
            assert len(normal) == 1, word
            expected = holding[normal[0]]
            page = ix.search(word, viewer=STAFF, per_page=100)
            assert page.total == len(expected), word
            if page.total <= 100:
                assert set(keys(page)) == expected, word
            assert f"claim:{i}" in expected
            checked += 1
    assert checked > 300
    for word in ("कांग्रेस", "मजबूत"):
        page = ix.search(word, viewer=STAFF, per_page=100)
        assert page.total == len(holding[word]) > 0
        assert all(word in hit.snippet for hit in page.results)


def test_a_hindi_phrase_finds_its_post(hindi) -> None:
    ix, posts = hindi
    found = 0
    for i, post in enumerate(posts[:40], 1):
        words = [w for w in devanagari_words(post) if tokens(w)]
        if len(words) < 4:
            continue
        phrase = f'"{words[1]} {words[2]}"'
        page = ix.search(phrase, viewer=STAFF, per_page=100)
        assert f"claim:{i}" in keys(page), phrase
        found += 1
    assert found > 20


def test_a_phrase_matches_words_in_order_only(index: SearchIndex) -> None:
    index.update([claim(1, "भारत सरकार ने घोषणा की"), claim(2, "सरकार भारत की घोषणा")])
    assert keys(index.search('"भारत सरकार"', viewer=STAFF)) == ["claim:1"]
    assert set(keys(index.search("भारत सरकार", viewer=STAFF))) == {"claim:1", "claim:2"}


def test_a_mixed_hindi_english_document_is_found_by_words_of_both(index: SearchIndex) -> None:
    index.update([claim(1, "Modi government ने farmers के लिए नई scheme लॉन्च की"),
                  claim(2, "Unrelated English text about weather"), claim(3, "मौसम की खबर")])
    for q in ("farmers", "लॉन्च", "scheme AND लॉन्च", '"नई scheme"', "FARMER", "government नई"):
        assert keys(index.search(q, viewer=STAFF)) == ["claim:1"], q


def test_english_is_stemmed_and_devanagari_is_not(index: SearchIndex) -> None:
    index.update([claim(1, "Police were running after the thieves"),
                  claim(2, "कांग्रेसी नेता"), claim(3, "कांग्रेस पार्टी")])
    for q in ("run", "runs", "running", "RUNNING", "thieves police"):
        assert keys(index.search(q, viewer=STAFF)) == ["claim:1"], q
    assert keys(index.search("कांग्रेस", viewer=STAFF)) == ["claim:3"]
    assert keys(index.search("कांग्रेसी", viewer=STAFF)) == ["claim:2"]


def test_snippets_escape_html_and_mark_the_matched_words(index: SearchIndex) -> None:
    index.update([claim(1, 'Beware <script>alert("x")</script> & the running <b>man</b>')])
    [hit] = index.search("run", viewer=STAFF).results
    assert "<script" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in hit.snippet
    assert "<mark>running</mark>" in hit.snippet
    [listed] = index.search("", viewer=STAFF).results
    assert "&lt;script&gt;" in listed.snippet and "<mark>" not in listed.snippet


def test_long_bodies_get_a_window_around_the_match(index: SearchIndex) -> None:
    text = "filler words here " * 40 + "the hoax about vaccines " + "more filler " * 40
    index.update([snapshot(1, "Page", text, "https://example.org/a")])
    [hit] = index.search("vaccine", viewer=STAFF).results
    assert "<mark>vaccines</mark>" in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) < 300


# -- visibility ------------------------------------------------------------------------------

WORDS = ["hoax", "vaccine", "मोदी", "कांग्रेस", "flood", "video"]
STATUSES = ["submitted", "researching", "in_review", "approved", "published", "rejected"]


def visibility_docs() -> list[dict]:
    docs = []
    for i in range(48):
        text = f"{WORDS[i % 6]} {WORDS[(i // 6) % 6]} claim number {i}"
        docs.append(claim(i + 1, text, owner=1 + i % 4, assignee=(2 + i % 3) if i % 5 == 0 else None,
                          status=STATUSES[i % 6], platform=["whatsapp", "x", "telegram"][i % 3]))
    for i in range(18):
        docs.append(factcheck(100 + i, f"Fact check: {WORDS[i % 6]} {WORDS[(i + 1) % 6]}",
                              claim_id=1 + i, status="published" if i % 3 else "approved",
                              verdict=["false", "misleading"][i % 2], platform="whatsapp"))
    for i in range(8):
        docs.append(snapshot(200 + i, f"Page {WORDS[i % 6]}", f"archived {WORDS[i % 6]} page",
                             f"https://site{i % 2}.example/{i}"))
    return docs


def may_see(viewer: Viewer, doc: dict) -> bool:
    if viewer.role in ("reviewer", "staff"):
        return True
    if doc["kind"] == "factcheck" and doc["status"] == "published":
        return True
    return (viewer.role == "volunteer" and doc["kind"] == "claim"
            and viewer.user_id in (doc.get("owner_id"), doc.get("assignee_id")))


@pytest.fixture(scope="module")
def visibility(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SearchIndex, dict[str, dict]]]:
    docs = visibility_docs()
    ix = SearchIndex(tmp_path_factory.mktemp("visibility") / "index")
    ix.rebuild(docs)
    yield ix, {f"{d['kind']}:{d['id']}": d for d in docs}
    ix.close()


queries = st.one_of(
    st.just(""),
    st.lists(st.sampled_from([*WORDS, "AND", "OR", "NOT", "claim", "*", "number", "fact",
                              "status:submitted", "kind:claim", "kind:snapshot", "visible_to:user:2",
                              "visible_to:public", "platform:telegram", "(", ")", '"', "title:",
                              "domain:site0.example", "verdict:false", "status:approved"]),
             max_size=5).map(" ".join),
    st.text(max_size=30),
)
viewers = st.one_of(st.builds(Viewer, st.just("volunteer"), st.integers(1, 5)), st.just(ANONYMOUS),
                    st.builds(Viewer, st.sampled_from(["volunteer", "guest", None]), st.none()))


def maybe(values: list) -> st.SearchStrategy:
    return st.one_of(st.none(), st.sampled_from(values))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries, viewer=viewers, kind=maybe(["claim", "factcheck", "snapshot"]),
       status=maybe([*STATUSES, ["submitted", "published"]]), verdict=maybe(["false", "misleading"]),
       platform=maybe(["whatsapp", "x", "telegram"]), domain=maybe(["site0.example"]),
       sort=st.sampled_from(["relevance", "date"]), page=st.integers(1, 3), per_page=st.integers(1, 7))
def test_a_volunteer_or_anonymous_search_only_ever_counts_what_they_may_see(
    visibility, q, viewer, kind, status, verdict, platform, domain, sort, page, per_page
) -> None:
    ix, docs = visibility
    filters = {"kind": kind, "status": status, "verdict": verdict, "platform": platform, "domain": domain}
    found = ix.search(q, viewer=viewer, sort=sort, page=page, per_page=per_page, **filters)
    allowed = {key: doc for key, doc in docs.items() if may_see(viewer, doc)}
    assert all(key in allowed for key in keys(found)), (q, viewer)
    assert found.total <= len(allowed)
    assert sum(found.facets["kind"].values()) == found.total
    for facet in ("kind", "status", "verdict", "platform"):
        for value, count in found.facets[facet].items():
            assert count <= sum(1 for d in allowed.values() if d.get(facet) == value), (facet, value)
    assert len(found.results) == max(0, min(per_page, found.total - (page - 1) * per_page))


def test_facets_and_totals_do_not_reveal_other_peoples_claims(visibility) -> None:
    ix, docs = visibility
    volunteer = Viewer("volunteer", 1)
    mine = [d for d in docs.values() if may_see(volunteer, d)]
    found = ix.search("", viewer=volunteer, per_page=100)
    assert found.total == len(mine)
    assert sorted(keys(found)) == sorted(f"{d['kind']}:{d['id']}" for d in mine)
    assert found.facets["platform"] == Counter(d["platform"] for d in mine if d.get("platform"))
    everyone = ix.search("", viewer=REVIEWER, per_page=1)
    assert everyone.total == len(docs) > found.total
    assert ix.search("", viewer=ANONYMOUS, kind="claim").total == 0
    shared = {f"claim:{d['id']}" for d in mine if d["kind"] == "claim" and d.get("assignee_id") == 2}
    assert set(keys(ix.search("visible_to:user:2", viewer=volunteer))) == shared
    assert ix.search("kind:snapshot", viewer=volunteer).facets["kind"] == {}


# -- malformed queries -----------------------------------------------------------------------

MALFORMED = [
    '"unbalanced', "(unbalanced", "unbalanced)", "((((", "))))", "AND", "OR", "NOT", "AND OR NOT",
    "title:", "body:", "url:", "domain:", "title:(", "foo:bar", "nosuchfield:hoax", ":", "::::",
    "*", "?", "hoax~", "hoax^", "^2", "[a TO", "{a TO b", "date:[2020", "\x00\x01\x02", "\u200d",
    '"', "''", "\\", "hoax\x00vaccine", "a" * 10_000, "hoax " * 2_000, "(" * 5_000 + "hoax",
    "NOT hoax", "hoax AND", "OR hoax", "\ud800", "%s%s%n", "<script>", "url:https://x.org/a?b=*",
]


@pytest.mark.parametrize("q", MALFORMED)
def test_malformed_queries_return_a_normal_page(visibility, q: str, caplog) -> None:
    ix, _docs = visibility
    caplog.set_level(logging.INFO, logger="factcheck.search")
    for viewer in (STAFF, Viewer("volunteer", 1), ANONYMOUS):
        found = ix.search(q, viewer=viewer, status="submitted" if viewer is STAFF else None)
        assert isinstance(found, SearchPage) and found.total >= 0
    assert error_records(caplog) == []


@pytest.mark.parametrize("q", ['"hoax', "(hoax", "hoax)", "hoax AND", "title: hoax", "(hoax OR",
                               "foo:hoax", "hoax\x00", '"hoax"' * 3, "hoax ((", "hoax" + ")" * 50])
def test_malformed_queries_still_search_their_words(visibility, q: str) -> None:
    ix, docs = visibility
    expected = {k for k, d in docs.items() if "hoax" in tokens(f"{d.get('title', '')} {d['body']}")}
    assert set(keys(ix.search(q, viewer=STAFF, per_page=100))) == expected, q


@settings(max_examples=200, deadline=None)
@given(q=st.text(max_size=300))
def test_any_text_is_a_query(visibility, q: str) -> None:
    ix, _docs = visibility
    found = ix.search(q, viewer=STAFF)
    assert isinstance(found, SearchPage)
    assert len(found.results) == min(found.total, 20)


def test_wildcards_too_broad_to_run_fast_search_their_plain_words(index: SearchIndex) -> None:
    index.update([claim(i, f"word{i} rumour") for i in range(1, 301)] + [claim(999, "a word alone")])
    assert index.search("word1*", viewer=STAFF).total == 111  # word1, word10-19, word100-199
    assert keys(index.search("word*", viewer=STAFF)) == ["claim:999"]  # 301 words: too many
    assert keys(index.search("*word", viewer=STAFF)) == ["claim:999"]  # a leading wildcard
    assert index.search("[word1 TO word2]", viewer=STAFF).total == 112
    everything = index.search("*", viewer=STAFF, per_page=3)
    assert everything.total == 301 and keys(everything) == ["claim:999", "claim:300", "claim:299"]


def test_field_prefixes_urls_and_domains(index: SearchIndex) -> None:
    url = "https://example.org/news?id=5&utm=x"
    index.update([claim(1, "a hoax", urls=[url], domain="example.org"),
                  snapshot(2, "Hoax page", "archived text", "https://other.net/p"),
                  factcheck(3, "Hoax debunked", body="nothing else")])
    assert keys(index.search(f"url:{url}", viewer=STAFF)) == ["claim:1"]
    assert keys(index.search("url:https://example.org/news", viewer=STAFF)) == []
    assert keys(index.search("domain:other.net", viewer=STAFF)) == ["snapshot:2"]
    assert keys(index.search("domain:OTHER.NET OR domain:example.org", viewer=STAFF, sort="date")) == [
        "snapshot:2", "claim:1"]
    assert keys(index.search("title:hoax", viewer=STAFF, sort="date")) == ["factcheck:3", "snapshot:2"]
    assert keys(index.search("hoax NOT kind:claim", viewer=STAFF, sort="date")) == [
        "factcheck:3", "snapshot:2"]
    assert keys(index.search("kind:factcheck AND verdict:false", viewer=STAFF)) == ["factcheck:3"]


# -- filters, facets, sorting, pages ---------------------------------------------------------


@pytest.fixture
def filled(index: SearchIndex) -> SearchIndex:
    index.update([
        claim(1, "flood video hoax", status="submitted", platform="whatsapp", language="hi"),
        claim(2, "flood rumour", status="researching", platform="x", language="en"),
        claim(3, "flood photo", status="researching", platform="x", language="hi"),
        factcheck(4, "Flood video is old", verdict="false", claim_id=1),
        factcheck(5, "Flood photo is misleading", verdict="misleading", claim_id=3),
        snapshot(6, "Flood news", "flood water everywhere", "https://news.example/flood"),
        snapshot(7, "Other news", "cricket", "https://news.example/cricket"),
    ])
    return index


def test_filters_narrow_results_and_facets_count_all_matches(filled: SearchIndex) -> None:
    everything = filled.search("flood", viewer=STAFF)
    assert everything.total == 6
    assert everything.facets["kind"] == {"claim": 3, "factcheck": 2, "snapshot": 1}
    assert everything.facets["status"] == {"researching": 2, "published": 2, "submitted": 1}
    assert everything.facets["verdict"] == {"false": 1, "misleading": 1}
    assert everything.facets["platform"] == {"x": 2, "whatsapp": 1}
    assert everything.facets["language"] == {"hi": 2, "en": 3}
    assert everything.facets["domain"] == {"news.example": 1}
    checks = {
        "kind": ("claim", {"claim:1", "claim:2", "claim:3"}),
        "status": ("researching", {"claim:2", "claim:3"}),
        "verdict": ("misleading", {"factcheck:5"}),
        "language": ("hi", {"claim:1", "claim:3"}),
        "platform": ("x", {"claim:2", "claim:3"}),
        "domain": ("news.example", {"snapshot:6"}),
    }
    for name, (value, expected) in checks.items():
        found = filled.search("flood", viewer=STAFF, **{name: value})
        assert set(keys(found)) == expected, name
        assert found.total == len(expected)
    assert set(keys(filled.search("flood", viewer=STAFF, kind=["claim", "snapshot"], language="hi"))) == {
        "claim:1", "claim:3"}


def test_date_range_filter_is_inclusive(filled: SearchIndex) -> None:
    found = filled.search("", viewer=STAFF, date_from=dt.date(2024, 1, 3), date_to=dt.date(2024, 2, 7))
    assert keys(found) == ["snapshot:6", "claim:3", "claim:2"]
    assert filled.search("", viewer=STAFF, date_from=dt.date(2024, 3, 5)).total == 2
    assert filled.search("", viewer=STAFF, date_to=dt.date(2024, 1, 1)).total == 0


def test_sort_by_date_and_empty_query_lists_newest_first(filled: SearchIndex) -> None:
    by_date = filled.search("flood", viewer=STAFF, sort="date")
    dates = [hit.date for hit in by_date.results]
    assert dates == sorted(dates, reverse=True) and len(dates) == 6
    assert keys(filled.search("", viewer=STAFF, kind="claim")) == ["claim:3", "claim:2", "claim:1"]
    assert all(hit.score is None for hit in by_date.results)
    relevance = filled.search("flood video", viewer=STAFF)
    scores = [hit.score for hit in relevance.results]
    assert scores == sorted(scores, reverse=True) and set(keys(relevance)) == {"claim:1", "factcheck:4"}


def test_facets_and_dates_stay_right_across_segments_and_updates(
    index: SearchIndex, caplog: pytest.LogCaptureFixture
) -> None:
    # One commit per document leaves several segments; their cached columns are read together,
    # and a searcher refreshed after each commit shares the unchanged segments' readers.
    caplog.set_level(logging.INFO, logger="factcheck.search.engine")
    for n, platform in enumerate(["whatsapp", "x", "x", "telegram"], start=1):
        index.update([claim(n, f"flood report {n}", platform=platform)])
        assert index.search("flood", viewer=STAFF).total == n
    assert index.search("flood", viewer=STAFF).facets["platform"] == {"x": 2, "whatsapp": 1, "telegram": 1}
    index.update([claim(2, "flood report 2", platform="telegram", date=dt.date(2030, 1, 1))])
    found = index.search("flood", viewer=STAFF, sort="date")
    assert found.facets["platform"] == {"telegram": 2, "x": 1, "whatsapp": 1}
    assert keys(found)[0] == "claim:2"
    assert [r.getMessage() for r in caplog.records if r.name == "factcheck.search.engine"] == []


def test_pages_do_not_overlap_and_cover_every_match(filled: SearchIndex) -> None:
    for sort in ("relevance", "date"):
        seen = []
        for page in (1, 2, 3):
            found = filled.search("flood", viewer=STAFF, sort=sort, page=page, per_page=2)
            assert (found.total, found.page, found.per_page, found.pages) == (6, page, 2, 3)
            seen += keys(found)
        assert len(seen) == len(set(seen)) == 6
        assert filled.search("flood", viewer=STAFF, sort=sort, page=4, per_page=2).results == []


def test_hits_carry_what_a_result_list_shows(filled: SearchIndex) -> None:
    [hit] = filled.search("old", viewer=ANONYMOUS).results
    assert (hit.kind, hit.id, hit.claim_id, hit.title, hit.status, hit.verdict) == (
        "factcheck", 4, 1, "Flood video is old", "published", "false")
    assert hit.date == dt.datetime(2024, 3, 5)
    [page] = filled.search("cricket", viewer=STAFF).results
    assert page.url == "https://news.example/cricket" and page.claim_id == 1


# -- updates ---------------------------------------------------------------------------------


def test_update_replaces_by_key_and_delete_removes(index: SearchIndex) -> None:
    index.update([claim(1, "first version"), claim(2, "other")])
    index.update([claim(1, "second version", status="rejected")])
    assert keys(index.search("first", viewer=STAFF)) == []
    [hit] = index.search("second", viewer=STAFF).results
    assert hit.status == "rejected"
    index.update([claim(1, "third"), claim(1, "fourth")])  # the last of a batch wins
    assert index.search("", viewer=STAFF).total == 2
    assert keys(index.search("fourth", viewer=STAFF)) == ["claim:1"]
    index.delete(["claim:1", "claim:404"])
    assert keys(index.search("", viewer=STAFF)) == ["claim:2"]
    assert index.doc_count() == 1


def test_changing_owner_changes_who_sees_a_claim(index: SearchIndex) -> None:
    index.update([claim(1, "hoax", owner=1)])
    assert index.search("hoax", viewer=Viewer("volunteer", 1)).total == 1
    index.update([claim(1, "hoax", owner=1, assignee=2)])
    assert index.search("hoax", viewer=Viewer("volunteer", 2)).total == 1
    index.update([factcheck(2, "hoax debunked", status="approved")])
    assert index.search("debunked", viewer=ANONYMOUS).total == 0
    index.update([factcheck(2, "hoax debunked", status="published")])
    assert index.search("debunked", viewer=ANONYMOUS).total == 1


# -- rebuild, swap and recovery --------------------------------------------------------------


def generations(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.name.startswith("gen-"))


def test_rebuild_builds_aside_and_swaps_while_searching_goes_on(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger="factcheck.search")
    ix = SearchIndex(tmp_path / "index")
    ix.rebuild(claim(i, f"alpha old {i}") for i in range(1, 11))
    before = generations(tmp_path / "index")
    totals: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def search_forever() -> None:
        while not stop.is_set():
            try:
                totals.append(ix.search("alpha", viewer=STAFF).total)
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                failures.append(exc)

    reader = threading.Thread(target=search_forever)
    reader.start()
    progress: list[int] = []

    def slow_docs() -> Iterator[dict]:
        for i in range(1, 2501):
            yield claim(i, f"alpha new {i}" if i <= 30 else f"beta {i}")
            if i % 500 == 0:
                time.sleep(0.05)

    try:
        while len(totals) < 5:
            time.sleep(0.01)
        count = ix.rebuild(slow_docs(), progress.append)
        time.sleep(0.2)
    finally:
        stop.set()
        reader.join()
    assert failures == [] and error_records(caplog) == []
    assert count == 2500 and progress[-1] == 2500 and progress[0] == 1000
    assert set(totals) == {10, 30}  # never 0: the old generation served until the swap
    assert totals.index(30) > 0 and 10 not in totals[totals.index(30):]
    assert len(generations(tmp_path / "index")) == 1 and generations(tmp_path / "index") != before
    assert ix.search("", viewer=STAFF).total == 2500
    ix.close()


def test_changes_made_during_a_rebuild_are_not_lost(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index")
    ix.update([claim(1, "stale text"), claim(2, "to be deleted")])

    def source() -> Iterator[dict]:
        yield claim(1, "stale text")  # the rebuild read this before the change below
        yield claim(2, "to be deleted")
        # Meanwhile a job indexes a change, a new claim and a deletion (another thread).
        worker = threading.Thread(target=lambda: (
            ix.update([claim(1, "fresh text"), claim(3, "brand new")]), ix.delete(["claim:2"])))
        worker.start()
        worker.join()
        yield claim(4, "also rebuilt")

    ix.rebuild(source())
    assert keys(ix.search("fresh", viewer=STAFF)) == ["claim:1"]
    assert keys(ix.search("stale", viewer=STAFF)) == []
    assert sorted(keys(ix.search("", viewer=STAFF))) == ["claim:1", "claim:3", "claim:4"]
    assert not (tmp_path / "index" / "rebuild.journal").exists()
    ix.close()


def test_a_failing_rebuild_leaves_the_live_index_alone(index: SearchIndex) -> None:
    index.update([claim(1, "survivor")])

    def broken() -> Iterator[dict]:
        yield claim(2, "half")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        index.rebuild(broken())
    assert keys(index.search("survivor", viewer=STAFF)) == ["claim:1"]
    assert len(generations(index.path)) == 1 and not (index.path / "rebuild.journal").exists()
    index.update([claim(3, "after")])  # and writing still works
    assert index.search("", viewer=STAFF).total == 2


def source_docs() -> list[dict]:
    return [claim(1, "recovered hoax"), factcheck(2, "recovered debunk")]


@pytest.mark.parametrize("damage", ["delete folder", "garbage pointer", "delete generation",
                                    "garbage files", "truncate files", "old schema"])
def test_a_damaged_index_is_rebuilt_from_its_source_on_open(tmp_path: Path, damage: str, caplog) -> None:
    path = tmp_path / "index"
    first = SearchIndex(path)
    first.update([claim(9, "only in the damaged index")])
    first.close()
    [gen] = generations(path)
    if damage == "delete folder":
        shutil.rmtree(path)
    elif damage == "garbage pointer":
        (path / "CURRENT").write_text("../../etc")
    elif damage == "delete generation":
        shutil.rmtree(path / gen)
    elif damage == "old schema":
        (path / gen / "factcheck-schema").write_text("0")
    for file in (path / gen).glob("*") if damage.endswith("files") else ():
        if file.name != "factcheck-schema":
            data = file.read_bytes()
            file.write_bytes(os.urandom(len(data)) if damage == "garbage files" else data[: len(data) // 3])
    caplog.set_level(logging.INFO, logger="factcheck.search")
    ix = SearchIndex(path, rebuild_source=source_docs)
    assert sorted(keys(ix.search("recovered", viewer=STAFF))) == ["claim:1", "factcheck:2"]
    assert ix.search("damaged", viewer=STAFF).total == 0
    assert generations(path) != [gen]
    message = "creating" if damage == "delete folder" else "rebuilding"
    assert any(message in r.getMessage() for r in caplog.records)
    ix.close()


def test_an_index_removed_under_a_running_instance_recovers_on_next_use(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index", rebuild_source=source_docs)
    assert ix.search("recovered", viewer=STAFF).total == 2
    shutil.rmtree(tmp_path / "index")
    assert ix.search("recovered", viewer=STAFF).notice == "rebuilding"  # answered at once
    assert ix.wait_for_rebuild(timeout=30)
    found = ix.search("recovered", viewer=STAFF)
    assert (found.total, found.notice) == (2, None)
    shutil.rmtree(tmp_path / "index")
    ix.update([claim(3, "recovered too")])
    assert ix.search("recovered", viewer=STAFF).total == 3
    assert [m.key for m in ix.similar("recovered hoax", [])][:1] == ["claim:1"]
    ix.close()


def test_searches_during_a_background_rebuild_answer_with_a_notice_and_health_says_so(tmp_path: Path) -> None:
    release = threading.Event()
    reading = threading.Event()

    def slow_source() -> Iterator[dict]:
        reading.set()
        assert release.wait(30)
        yield from source_docs()

    ix = SearchIndex(tmp_path / "index", rebuild_source=source_docs)
    ix._source = slow_source  # noqa: SLF001 - the next rebuild reads slowly
    shutil.rmtree(tmp_path / "index")
    for _ in range(3):  # every search meanwhile answers at once; one rebuild runs
        page = ix.search("recovered", viewer=ANONYMOUS)
        assert (page.total, page.results, page.notice) == (0, [], "rebuilding")
        assert ix.similar("recovered hoax") == []
    assert reading.wait(10) and ix.rebuilding
    health = ix.health()
    assert (health.ok, health.rebuilding) == (False, True)
    release.set()
    assert ix.wait_for_rebuild(timeout=30)
    assert ix.search("recovered", viewer=STAFF).total == 2
    assert ix.health().ok
    ix.close()


def test_a_source_that_fails_leaves_an_empty_working_index(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def failing() -> list[dict]:
        raise ConnectionError("no database")

    ix = SearchIndex(tmp_path / "index", rebuild_source=failing)  # does not raise
    caplog.clear()
    for sort in ("relevance", "date"):
        assert ix.search("anything", viewer=STAFF, sort=sort).total == 0
        assert ix.search("", viewer=STAFF, sort=sort).results == []
    assert ix.similar("anything at all", ["https://example.org/"]) == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == []
    ix.update([claim(1, "works")])
    assert ix.search("works", viewer=STAFF).total == 1
    ix.close()


# -- concurrent writers ----------------------------------------------------------------------


def test_concurrent_updates_from_threads_lose_nothing(index: SearchIndex) -> None:
    def write(worker: int) -> None:
        for n in range(12):
            index.update([claim(worker * 100 + n, f"thread {worker} item {n}")])
            index.update([claim(9999, f"shared last writer {worker} {n}")])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert index.search("", viewer=STAFF, per_page=100).total == 4 * 12 + 1
    assert index.search("shared", viewer=STAFF).total == 1


WRITER = textwrap.dedent("""
    import sys, datetime
    from pathlib import Path
    from factcheck.search.engine import SearchIndex
    ix = SearchIndex(Path(sys.argv[1]))
    for n in range(15):
        ix.update([{"kind": "claim", "id": int(sys.argv[2]) + n, "body": f"process item {n}",
                    "owner_id": 1, "date": datetime.date(2024, 1, 1)}])
""")


def test_concurrent_updates_from_processes_and_threads_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "index"
    ix = SearchIndex(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(base)], cwd=ROOT, env=env)
             for base in (1000, 2000)]
    for n in range(15):
        ix.update([claim(3000 + n, "main process item")])
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    assert ix.search("", viewer=STAFF, per_page=100).total == 45
    assert ix.search("process", viewer=STAFF, per_page=100).total == 45
    ix.close()


def test_a_writer_waits_for_the_lock_and_times_out_if_held_too_long(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "index", lock_timeout=1.0)
    held = FileLock(str(tmp_path / "index" / "write.lock"))
    assert held.acquire()
    threading.Timer(0.1, held.release).start()
    ix.update([claim(1, "waited")])  # the lock came free within the timeout
    assert ix.search("waited", viewer=STAFF).total == 1
    assert held.acquire()
    try:
        with pytest.raises(IndexBusy):
            ix.update([claim(2, "never")])
    finally:
        held.release()
    ix.close()
