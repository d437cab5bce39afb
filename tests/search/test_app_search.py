"""Search in the app: kept current by jobs after every commit, the same visibility for every role
in the page and the API, similar claims at filing, recovery, and the commands."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factcheck.jobs import BackgroundWorker

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))
DEBUNKED = "सभी बैंक अगले 10 दिनों तक बंद रहेंगे, रिज़र्व बैंक ने आदेश जारी किया है। अपना पैसा आज ही निकाल लें"


@pytest.fixture
def world(make_user, make_claim, run_jobs):
    """Two volunteers' claims, a claim in review, and a published fact-check, all indexed."""
    alice, bob = make_user("volunteer", name="Alice"), make_user("volunteer", name="Bob")
    writer = make_user("reviewer")
    claims = {
        "alice": make_claim("Alice saw a post about the vaccine microchip rumour", by=alice),
        "bob": make_claim("Bob saw a post about the vaccine and the rumour of a microchip", by=bob),
        "review": make_claim("A rumour about vaccine trucks, now in review", status="in_review", draft_by=writer),
        "published": make_claim(DEBUNKED, status="published", draft_by=writer,
                                headline="बैंक 10 दिन बंद रहने का दावा झूठा है (vaccine rumour too)"),
    }
    run_jobs(scheduled=True)
    return {"alice": alice, "bob": bob, "writer": writer, **{f"claim_{k}": v for k, v in claims.items()}}


def keys(response) -> set[tuple[str, int]]:
    assert response.status_code == 200, response.json
    return {(r["kind"], r["claim_id"] or r["id"]) for r in response.json["results"]}


def test_a_filed_claim_is_found_once_its_job_has_run(api_client, make_user, run_jobs):
    reviewer = api_client(make_user("reviewer"))
    assert reviewer.get("/api/search?q=कांग्रेस").json["total"] == 0  # the index now exists, empty
    claim = reviewer.post("/api/claims", json={"text": "मजबूत कांग्रेस सरकार का दावा", "platform": "whatsapp"}).json
    assert reviewer.get("/api/search?q=कांग्रेस").json["total"] == 0
    run_jobs(scheduled=True)
    found = reviewer.get("/api/search?q=कांग्रेस").json
    assert [(r["kind"], r["id"]) for r in found["results"]] == [("claim", claim["id"])]
    assert "<mark>कांग्रेस</mark>" in found["results"][0]["snippet"]
    assert reviewer.get("/api/search?q=मजबूत").json["total"] == 1


def test_each_role_sees_what_it_may(world, api_client, client, make_user):
    published, review = world["claim_published"].id, world["claim_review"].id
    alice, bob = world["claim_alice"].id, world["claim_bob"].id
    staff = keys(api_client(make_user("staff")).get("/api/search?q=vaccine"))
    everything = {("claim", alice), ("claim", bob), ("claim", review), ("factcheck", review), ("factcheck", published)}
    assert everything <= staff
    assert keys(api_client(world["alice"]).get("/api/search?q=vaccine")) == {("claim", alice), ("factcheck", published)}
    assert keys(client.get("/api/search?q=vaccine")) == {("factcheck", published)}


QUERIES = ["vaccine", "rumour OR बैंक", "", "microchip", "kind:claim", "status:in_review", '"vaccine trucks"',
           "NOT nothing", "title:vaccine", "*", "owner_id:1", "visible_to:public", "visible_to:user:2"]
FILTERS = [{}, {"kind": "claim"}, {"kind": "factcheck"}, {"status": "in_review"}, {"status": "published"},
           {"platform": "whatsapp"}, {"sort": "date"}, {"language": "en"}]


def test_a_volunteer_never_sees_another_volunteers_claim_or_anything_unpublished(world, api_client):
    alice = api_client(world["alice"])
    own = world["claim_alice"].id
    published = world["claim_published"].id
    for q, filters in itertools.product(QUERIES, FILTERS):
        response = alice.get("/api/search", query_string={"q": q, **filters})
        found = response.json
        for hit in found["results"]:
            assert (hit["kind"], hit["claim_id"] or hit["id"]) in {("claim", own), ("factcheck", published)}, (q, hit)
        visible = sum(found["facets"].get("kind", {}).values())
        assert found["total"] <= 2 and visible == found["total"], (q, filters, found["facets"])


def test_the_search_page_has_filters_facets_and_escaped_snippets(world, browser, make_claim, run_jobs, make_user):
    make_claim("<script>alert('x')</script> vaccine rumour with markup")
    run_jobs(scheduled=True)
    page = browser(make_user("reviewer"))
    html = page.get("/search?q=vaccine").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert '<ul class="facet facet-kind">' in html and "<mark>vaccine</mark>" in html
    narrowed = page.get("/search?q=vaccine&kind=factcheck").get_data(as_text=True)
    assert "result-claim" not in narrowed and "result-factcheck" in narrowed


def test_anonymous_visitors_search_published_fact_checks_on_the_page(world, client):
    html = client.get("/search?q=बैंक").get_data(as_text=True)
    assert "result-factcheck" in html and "result-claim" not in html
    assert f"/fact-checks/claim-{world['claim_published'].id}" in html


@pytest.mark.parametrize("q", ['"unbalanced', "(open", "AND", "OR NOT", "title:", "x" * 10_000, "\x00\x07 bell",
                               "date:[2020 TO", "*?*", "text:(a", "🙏🙏"])
def test_malformed_queries_answer_normally(world, api_client, q):
    response = api_client(world["alice"]).get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    assert isinstance(response.json["results"], list)


def test_bad_filters_are_400(api_client, make_user):
    api = api_client(make_user("reviewer"))
    assert api.get("/api/search?from=yesterday").status_code == 400
    assert api.get("/api/search?kind=gossip").status_code == 400
    assert api.get("/api/search?per_page=1000").status_code == 400


def test_a_forwarded_copy_of_a_debunked_hoax_gets_the_debunk_at_filing(world, api_client, make_user):
    forwarded = "*Forwarded as received* 🙏🙏\n" + DEBUNKED.replace("आज ही", "तुरंत") + " 😱 https://bit.ly/3xYz"
    filed = api_client(make_user("volunteer")).post("/api/claims", json={"text": forwarded, "platform": "whatsapp"})
    assert filed.status_code == 201
    similar = filed.json["similar"]
    assert similar and similar[0]["id"] == world["claim_published"].id
    assert similar[0]["fact_check"].endswith(f"/fact-checks/claim-{world['claim_published'].id}")
    assert similar[0]["verdict"] == "False"
    assert "text" not in similar[0]  # another volunteer's claim: id, status and the debunk only


def test_the_same_link_matches_at_once_without_the_index(api_client, make_user):
    volunteer = api_client(make_user("volunteer"))
    first = volunteer.post("/api/claims", json={"urls": ["https://hoax.example/story?utm_source=wa"],
                                                "platform": "web"}).json
    second = volunteer.post("/api/claims", json={"urls": ["https://HOAX.example/story#top"], "platform": "x"}).json
    assert [(m["id"], m["reason"]) for m in second["similar"]] == [(first["id"], "url")]
    assert second["similar"][0]["text"] == ""  # their own claim: readable


def test_reviewers_mark_a_duplicate_from_the_similar_list(world, browser, make_user, make_claim, run_jobs):
    copy = make_claim(DEBUNKED + " 🙏")
    page = browser(make_user("reviewer"))
    html = page.get(f"/claims/{copy.id}").get_data(as_text=True)
    assert f"Mark as a duplicate of #{world['claim_published'].id}" in html
    page.post(f"/claims/{copy.id}/transitions", {"to": "duplicate", "duplicate_of": world["claim_published"].id})
    assert "status-duplicate" in page.get(f"/claims/{copy.id}").get_data(as_text=True)


def test_the_index_is_rebuilt_when_missing_or_corrupt(world, app, api_client, make_user, config):
    staff = api_client(make_user("staff"))
    before = staff.get("/api/search?q=vaccine").json["total"]
    app.extensions["factcheck.search"]["index"].close()
    app.extensions["factcheck.search"]["index"] = None
    shutil.rmtree(config.index_dir)
    assert staff.get("/api/search?q=vaccine").json["total"] == before
    app.extensions["factcheck.search"]["index"].close()
    app.extensions["factcheck.search"]["index"] = None
    for path in config.index_dir.rglob("*"):
        if path.is_file() and path.suffix in (".toc", ".seg", ".pst", ".trm"):
            path.write_bytes(b"garbage")
    assert staff.get("/api/search?q=vaccine").json["total"] == before
    health = staff.get("/healthz")
    assert health.status_code == 200, health.json
    assert health.json["checks"]["index"]["ok"] is True
    assert health.json["checks"]["index"]["documents"] == 6  # 4 claims, 2 rebuttals


def test_many_changes_at_once_lose_nothing(app, api_client, make_user):
    volunteer = api_client(make_user("volunteer"))
    ids = [volunteer.post("/api/claims", json={"text": f"concurrent rumour number {n}", "platform": "x"}).json["id"]
           for n in range(40)]
    worker = BackgroundWorker(app.extensions["factcheck.queue"], workers=4)
    worker.start()
    try:
        reviewer = api_client(make_user("reviewer"))
        deadline = time.monotonic() + 60
        while reviewer.get("/api/search?q=concurrent&per_page=100").json["total"] < len(ids):
            assert time.monotonic() < deadline, "not everything was indexed"
            time.sleep(0.2)
    finally:
        worker.stop()
    found = reviewer.get("/api/search?q=concurrent&per_page=100").json
    assert sorted(r["id"] for r in found["results"]) == sorted(ids)


def test_reindex_and_search_commands(world, config):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_INDEX_DIR": str(config.index_dir)}
    rebuilt = subprocess.run([FACTCHECK, "reindex", "--procs", "2"], env=env, capture_output=True, text=True,
                             timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Indexed 6 documents" in rebuilt.stdout  # 4 claims, 2 rebuttals (snapshots were never archived)
    found = subprocess.run([FACTCHECK, "search", "microchip"], env=env, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("2 results")
    assert "*microchip*" in found.stdout
