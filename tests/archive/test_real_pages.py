"""Real pages, served locally, archived end to end through the queue: every page of
``pages-indic`` (text, script and publication date against its ground truth) and a sample of
``pages-zyte`` (main text against its ground truth)."""

from __future__ import annotations

import json
import unicodedata

import pytest

from factcheck.archive.quality import word_f1
from tests.conftest import corpus_path

SCRIPTS = {"hi": "DEVANAGARI", "gu": "GUJARATI", "bn": "BENGALI", "ru": "CYRILLIC", "ko": "HANGUL",
           "ja": "CJK", "ar": "ARABIC", "en": "LATIN"}


def script_share(text: str, script: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    hits = sum(1 for ch in letters if unicodedata.name(ch, "").startswith(script)
               or (script == "CJK" and unicodedata.name(ch, "").startswith(("HIRAGANA", "KATAKANA"))))
    return hits / len(letters)


def archive_all(api, run_jobs, urls: list[str]) -> dict[str, dict]:
    """File the URLs as claims (ten links each), run the jobs, return each URL's snapshot."""
    claims = []
    for start in range(0, len(urls), 10):
        response = api.post("/api/claims", json={"urls": urls[start:start + 10], "platform": "web"})
        assert response.status_code == 201, response.json
        claims.append(response.json["id"])
    run_jobs(scheduled=True)
    snapshots = {}
    for claim_id in claims:
        for source in api.get(f"/api/claims/{claim_id}").json["sources"]:
            summary = source["snapshots"][-1]
            snapshots[source["url"]] = api.get(f"/api/snapshots/{summary['id']}").json
    return snapshots


@pytest.fixture
def api(api_client, make_user):
    return api_client(make_user("reviewer"))


def test_indic_pages_are_archived_with_their_text_and_dates(site, api, run_jobs):
    folder = corpus_path("pages-indic")
    truth = json.loads((folder / "dates.json").read_text(encoding="utf-8"))
    site.serve_directory("/indic/", folder / "html", content_type="text/html")
    url_of = {site.url(f"/indic/{item['file']}"): item for item in truth.values()}

    snapshots = archive_all(api, run_jobs, list(url_of))

    assert len(snapshots) == len(truth) == 20
    dates_right = 0
    for url, item in url_of.items():
        snapshot = snapshots[url]
        assert snapshot["state"] == "archived", (item["file"], snapshot["error_message"])
        body = (folder / "html" / item["file"]).read_bytes()
        assert snapshot["size"] == len(body)
        assert len(snapshot["main_text"]) > 200, item["file"]
        script = SCRIPTS.get(item["lang"])
        if script:
            assert script_share(snapshot["main_text"], script) > 0.5, (item["file"], item["lang"])
        assert snapshot["published_date"] in (None, item["date"]), (item["file"], snapshot["published_date"])
        dates_right += snapshot["published_date"] == item["date"]
    assert dates_right >= 17  # htmldate finds no original date on three pages; none is wrong


def test_a_sample_of_news_pages_keeps_its_main_text(site, api, run_jobs):
    folder = corpus_path("pages-zyte")
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    sample = sorted(truth)[::12]  # 16 pages spread over the set; bench/archive.py runs all 181
    site.serve_directory("/zyte/", folder / "html", content_type="text/html")
    urls = {site.url(f"/zyte/{page_id}.html"): page_id for page_id in sample}

    snapshots = archive_all(api, run_jobs, list(urls))

    scores = {page_id: word_f1(snapshots[url]["main_text"], truth[page_id]["articleBody"])
              for url, page_id in urls.items()}
    assert all(snapshots[url]["state"] == "archived" for url in urls)
    assert sum(scores.values()) / len(scores) >= 0.94, scores
