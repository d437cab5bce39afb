"""People's privacy: nothing public carries an e-mail address; public credit is a display name
(or the desk's byline), required before publishing; a claim's filer sees its status and outcome,
not the desk's internal notes or unpublished drafts."""

from __future__ import annotations

import re

from factcheck import db
from factcheck.claims.models import Claim
from tests.httpserver import respond
from tests.publish.conftest import HOAX

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def public_output(client, slug: str) -> dict[str, str]:
    return {path: client.get(path).get_data(as_text=True) for path in (
        f"/fact-checks/{slug}", "/fact-checks", "/fact-checks/feed.atom", "/api/fact-checks", "/sitemap.xml",
        "/api/search?q=bank", f"/search?q={slug.split('-')[0]}")}


def ready_to_publish(site, api_client, run_jobs, people) -> int:
    """File, archive, draft, submit and approve; return the claim id (approved)."""
    site.route("/hoax", respond(HOAX.encode()))
    volunteer, writer, reviewer = (api_client(people[k]) for k in ("volunteer", "writer", "reviewer"))
    claim = volunteer.post("/api/claims", json={"text": "सभी बैंक 10 दिन बंद", "urls": [site.url("/hoax")],
                                                "platform": "whatsapp"}).json
    run_jobs()
    snapshot_id = volunteer.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]["id"]
    triaged = reviewer.post(f"/api/claims/{claim['id']}/transitions",
                            json={"to": "researching", "note": "internal: call the bank"})
    assert triaged.status_code == 200
    assert writer.put(f"/api/claims/{claim['id']}/rebuttal", json={
        "headline": "Banks are not closing", "summary": "False.", "body": "Banks stay open.",
        "verdict": "False", "sources": [{"snapshot_id": snapshot_id}]}).status_code == 200
    assert writer.post(f"/api/claims/{claim['id']}/transitions", json={"to": "in_review"}).status_code == 200
    assert reviewer.post(f"/api/claims/{claim['id']}/reviews", json={"decision": "approve"}).status_code == 200
    return claim["id"]


def status_of(app, claim_id: int) -> str:
    with app.app_context():
        return db.session().get(Claim, claim_id).status


def test_publishing_needs_display_names_and_nothing_public_shows_an_email(app, site, make_user, api_client,
                                                                           run_jobs, client, browser):
    people = {"volunteer": make_user("volunteer", name=""), "writer": make_user("reviewer", name=""),
              "reviewer": make_user("reviewer", name="")}
    claim_id = ready_to_publish(site, api_client, run_jobs, people)
    refused = api_client(people["reviewer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "published"})
    assert refused.status_code == 400 and "display_name" in refused.json["fields"]
    assert status_of(app, claim_id) == "approved"

    # The same refusal from the claim page: the page redirects with the reason, and the move that
    # the operation had already made is not committed (the edge rolls back, not the view).
    page = browser(people["reviewer"])
    moved = page.post(f"/claims/{claim_id}/transitions", {"to": "published"})
    assert moved.status_code == 302
    assert "display name" in page.get(moved.headers["Location"]).get_data(as_text=True)
    assert status_of(app, claim_id) == "approved"

    for key in ("writer", "reviewer"):
        named = browser(people[key]).post("/account/name", {"name": f"{key.title()} Person"})
        assert named.status_code == 302, named.get_data(as_text=True)
    published = api_client(people["reviewer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "published"})
    assert published.status_code == 200, published.json
    run_jobs()
    outputs = public_output(client, published.json["rebuttal"]["slug"])
    for path, text in outputs.items():
        assert not EMAIL.findall(text), (path, EMAIL.findall(text))
    page_text = outputs[f"/fact-checks/{published.json['rebuttal']['slug']}"]
    assert "Writer Person" in page_text and "Reviewer Person" in page_text


def test_a_desk_byline_stands_for_everyone(app, site, make_user, api_client, run_jobs, client, browser):
    people = {"volunteer": make_user("volunteer", name=""), "writer": make_user("reviewer", name="Wasim W"),
              "reviewer": make_user("reviewer", name="")}
    claim_id = ready_to_publish(site, api_client, run_jobs, people)
    staff = browser(make_user("staff"))
    assert staff.post("/desk/byline", {"byline": "The Fact-Check Desk"}).status_code == 302
    assert browser(make_user("reviewer")).post("/desk/byline", {"byline": "Me"}).status_code == 403
    published = api_client(people["reviewer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "published"})
    assert published.status_code == 200, published.json
    page = client.get(f"/fact-checks/{published.json['rebuttal']['slug']}").get_data(as_text=True)
    assert "The Fact-Check Desk" in page and "Wasim W" not in page
    assert not EMAIL.findall(page)


def test_the_filer_sees_status_and_outcome_but_not_the_desk_work(app, site, make_user, api_client, run_jobs,
                                                                  browser, make_claim):
    people = {"volunteer": make_user("volunteer"), "writer": make_user("reviewer"),
              "reviewer": make_user("reviewer")}
    claim_id = ready_to_publish(site, api_client, run_jobs, people)
    filer = browser(people["volunteer"])
    page = filer.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "internal: call the bank" not in page
    assert "Banks are not closing" not in page  # the approved draft is not published yet
    assert filer.get(f"/claims/{claim_id}/rebuttal/revisions").status_code == 404
    detail = api_client(people["volunteer"]).get(f"/api/claims/{claim_id}").json
    assert detail["rebuttal"] is None
    assert all(not event["note"] for event in detail["events"])
    assert detail["status"] == "approved"

    rejected = make_claim("not check-worthy", by=people["volunteer"])
    api_client(people["reviewer"]).post(f"/api/claims/{rejected.id}/transitions",
                                        json={"to": "rejected", "note": "an opinion, not a claim of fact"})
    assert "an opinion, not a claim of fact" in filer.get(f"/claims/{rejected.id}").get_data(as_text=True)

    published = api_client(people["reviewer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "published"})
    assert published.status_code == 200
    page = filer.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "Banks are not closing" in page and "public page" in page
    assert "internal: call the bank" not in page
    detail = api_client(people["volunteer"]).get(f"/api/claims/{claim_id}").json
    assert detail["rebuttal"]["url"].startswith("https://") and "reviews" not in detail["rebuttal"]

    writer_view = api_client(people["writer"]).get(f"/api/claims/{claim_id}").json
    assert any(event["note"] == "internal: call the bank" for event in writer_view["events"])
