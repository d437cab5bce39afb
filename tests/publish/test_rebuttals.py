"""Drafting, the four-eyes review, publishing and corrections, through the API and the pages."""

from __future__ import annotations

import re

import lxml.html
import pytest

DRAFT = {"headline": "No, banks are not closed for ten days", "summary": "The message is false.",
         "body": "The RBI list shows **no** such closure.", "verdict": "False"}


@pytest.fixture
def in_research(site, desk, api_client, run_jobs):
    """A claim in research, assigned to the volunteer, its link archived; returns (claim id, snapshot id)."""
    from tests.httpserver import respond

    site.route("/post", respond(b"<html><head><title>Banks shut</title></head><body><p>Banks shut for 10 days</p>"
                                b"</body></html>"))
    claim = api_client(desk["volunteer"]).post("/api/claims", json={
        "text": "banks shut for 10 days", "urls": [site.url("/post")], "platform": "whatsapp"}).json
    run_jobs()
    api_client(desk["reviewer"]).post(f"/api/claims/{claim['id']}/transitions",
                                      json={"to": "researching", "assignee": desk["volunteer"].id})
    detail = api_client(desk["volunteer"]).get(f"/api/claims/{claim['id']}").json
    return claim["id"], detail["sources"][0]["snapshots"][0]["id"]


def save(client, claim_id, snapshot_id, **changes):
    return client.put(f"/api/claims/{claim_id}/rebuttal",
                      json={**DRAFT, "sources": [{"snapshot_id": snapshot_id}], **changes})


def test_every_save_is_a_revision_with_its_author(in_research, desk, api_client):
    claim_id, snapshot_id = in_research
    volunteer, writer = api_client(desk["volunteer"]), api_client(desk["writer"])
    first = save(volunteer, claim_id, snapshot_id)
    assert first.status_code == 200, first.json
    second = save(writer, claim_id, snapshot_id, body="The RBI list shows no such closure. See the list.")
    rebuttal = second.json
    assert [(r["number"], r["author"]) for r in rebuttal["revisions"]] == [(1, "Vani"), (2, "Wasim")]
    assert rebuttal["current"]["body"].endswith("See the list.")
    assert rebuttal["current"]["sources"][0]["id"] == snapshot_id
    events = volunteer.get(f"/api/claims/{claim_id}").json["events"]
    assert [e["kind"] for e in events].count("rebuttal_saved") == 2


def test_only_reviewers_and_the_assignee_draft(in_research, make_user, api_client, desk):
    claim_id, snapshot_id = in_research
    stranger = make_user("volunteer")
    assert save(api_client(stranger), claim_id, snapshot_id).status_code == 404  # cannot even see it
    assert save(api_client(desk["volunteer"]), claim_id, snapshot_id).status_code == 200


def test_a_draft_may_cite_only_the_claims_snapshots_or_new_links(in_research, desk, api_client, make_claim):
    claim_id, _snapshot_id = in_research
    other = make_claim("another claim", urls=("https://example.org/other",))
    foreign = api_client(desk["reviewer"]).get(f"/api/claims/{other.id}").json["sources"][0]["snapshots"][0]["id"]
    refused = save(api_client(desk["writer"]), claim_id, foreign)
    assert refused.status_code == 400 and "sources" in refused.json["fields"]
    bad_link = api_client(desk["writer"]).put(f"/api/claims/{claim_id}/rebuttal",
                                              json={**DRAFT, "sources": [{"url": "javascript:alert(1)"}]})
    assert bad_link.status_code == 400


@pytest.mark.parametrize(("changes", "field"), [({"verdict": "Pants on fire"}, "verdict"),
                                                 ({"headline": "x" * 201}, "headline"),
                                                 ({"correction_note": "early"}, "correction_note"),
                                                 ({"colour": "red"}, "colour")])
def test_bad_drafts_are_refused(in_research, desk, api_client, changes, field):
    claim_id, snapshot_id = in_research
    response = save(api_client(desk["writer"]), claim_id, snapshot_id, **changes)
    assert response.status_code == 400
    assert field in response.json["fields"]


def test_four_eyes_through_the_api(in_research, desk, api_client, make_user):
    """The author, a co-author who revised, and a reviewer who requested changes then edited
    cannot approve; another reviewer can."""
    claim_id, snapshot_id = in_research
    author, coauthor, critic = desk["volunteer"], desk["writer"], desk["reviewer"]
    other = make_user("reviewer", name="Olga")
    save(api_client(author), claim_id, snapshot_id)
    save(api_client(coauthor), claim_id, snapshot_id, summary="The message is false, says the RBI.")
    assert api_client(author).post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"}).status_code == 200

    changes = api_client(critic).post(f"/api/claims/{claim_id}/reviews",
                                      json={"decision": "request_changes", "note": "cite the RBI list"})
    assert changes.status_code == 200 and changes.json["status"] == "researching"
    save(api_client(critic), claim_id, snapshot_id, body="The RBI holiday list shows no such closure.")
    assert api_client(author).post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"}).status_code == 200

    for writer in (author, coauthor, critic):
        refused = api_client(writer).post(f"/api/claims/{claim_id}/reviews", json={"decision": "approve"})
        assert refused.status_code == 403, writer.name
        assert "four-eyes" in refused.json["message"].lower() or writer is author
        direct = api_client(writer).post(f"/api/claims/{claim_id}/transitions", json={"to": "approved"})
        assert direct.status_code == 403
    approved = api_client(other).post(f"/api/claims/{claim_id}/reviews", json={"decision": "approve"})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    reviews = approved.json["rebuttal"]["reviews"]
    assert [(r["reviewer"], r["decision"], r["revision"]) for r in reviews] == [
        ("Rita", "request_changes", 2), ("Olga", "approve", 3)]


def test_four_eyes_through_the_pages(in_research, desk, browser, api_client, make_user):
    claim_id, snapshot_id = in_research
    save(api_client(desk["writer"]), claim_id, snapshot_id)
    api_client(desk["writer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"})

    writer_page = browser(desk["writer"])
    assert "Approve" not in writer_page.get(f"/claims/{claim_id}").get_data(as_text=True)
    forced = writer_page.post(f"/claims/{claim_id}/reviews", {"decision": "approve"})
    assert forced.status_code == 403 and "four-eyes rule" in forced.get_data(as_text=True).lower()
    assert "status-in_review" in writer_page.get(f"/claims/{claim_id}").get_data(as_text=True)

    reviewer_page = browser(make_user("reviewer"))
    assert 'value="approve"' in reviewer_page.get(f"/claims/{claim_id}").get_data(as_text=True)
    reviewer_page.post(f"/claims/{claim_id}/reviews", {"decision": "approve"})
    assert "status-approved" in reviewer_page.get(f"/claims/{claim_id}").get_data(as_text=True)


def test_request_changes_needs_a_note(in_research, desk, api_client):
    claim_id, snapshot_id = in_research
    save(api_client(desk["writer"]), claim_id, snapshot_id)
    api_client(desk["writer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"})
    response = api_client(desk["reviewer"]).post(f"/api/claims/{claim_id}/reviews",
                                                 json={"decision": "request_changes"})
    assert response.status_code == 400 and "note" in response.json["fields"]


def test_drafts_cannot_change_while_in_review(in_research, desk, api_client):
    claim_id, snapshot_id = in_research
    save(api_client(desk["writer"]), claim_id, snapshot_id)
    api_client(desk["writer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"})
    response = save(api_client(desk["writer"]), claim_id, snapshot_id, headline="sneaky edit")
    assert response.status_code == 409


def test_the_editor_page_saves_revisions_and_shows_the_diff(in_research, desk, browser, api_client):
    claim_id, snapshot_id = in_research
    page = browser(desk["volunteer"])
    form = page.get(f"/claims/{claim_id}/rebuttal").get_data(as_text=True)
    assert f'name="snapshot" value="{snapshot_id}"' in form
    saved = page.post(f"/claims/{claim_id}/rebuttal", {**DRAFT, "snapshot": str(snapshot_id),
                                                        "new_urls": ""})
    assert saved.status_code == 302
    page.post(f"/claims/{claim_id}/rebuttal", {**DRAFT, "body": "Second version of the body.",
                                                "snapshot": str(snapshot_id)})
    diff = page.get(f"/claims/{claim_id}/rebuttal/revisions?from=1&to=2").get_data(as_text=True)
    assert re.search(r'<span class="del">- The RBI list shows \*\*no\*\* such closure.', diff)
    assert '<span class="add">+ Second version of the body.' in diff
    bad = page.post(f"/claims/{claim_id}/rebuttal", {**DRAFT, "verdict": "Nonsense"})
    assert bad.status_code == 400 and 'id="verdict-error"' in bad.get_data(as_text=True)


def editor_values(page: str) -> dict[str, list[str]]:
    """What the rebuttal form sends as it stands (ticked boxes, chosen options), without its CSRF token."""
    values: dict[str, list[str]] = {}
    for name, value in lxml.html.fromstring(page).get_element_by_id("rebuttal-form").form_values():
        if name != "csrf_token":
            values.setdefault(name, []).append(value)
    return values


def test_the_editor_keeps_what_was_entered_after_a_failed_save(in_research, desk, browser, site):
    """After an error the form shows what was sent, not the saved revision: ticked and unticked
    sources, the verdict, the language, the new links and every text field."""
    claim_id, snapshot_id = in_research
    page = browser(desk["volunteer"])
    entered = {"headline": "x" * 201, "summary": "Banks stay open.", "body": "The *RBI* list shows none.",
               "verdict": "Misleading", "language": "hi", "snapshot": str(snapshot_id),
               "new_urls": site.url("/rbi-list")}
    refused = page.post(f"/claims/{claim_id}/rebuttal", entered)
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="headline-error"' in shown
    assert editor_values(shown) == {name: [value] for name, value in entered.items()}
    assert "<em>RBI</em>" in lxml.html.tostring(lxml.html.fromstring(shown).get_element_by_id("preview"),
                                                encoding="unicode")

    fixed = {name: value[0] for name, value in editor_values(shown).items()} | {"headline": "Banks stay open"}
    assert page.post(f"/claims/{claim_id}/rebuttal", fixed).status_code == 302
    saved = page.get(f"/claims/{claim_id}/rebuttal").get_data(as_text=True)
    assert editor_values(saved)["snapshot"][0] == str(snapshot_id)  # the revision cites what was ticked

    unticked = {"headline": "Banks open", "summary": "y" * 301, "body": "Changed.", "verdict": "True",
                "language": "en", "new_urls": ""}
    refused = page.post(f"/claims/{claim_id}/rebuttal", unticked)
    shown = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="summary-error"' in shown
    assert editor_values(shown) == {name: [value] for name, value in unticked.items()}  # no source ticked


def test_reviewers_see_what_changed_since_their_last_review(in_research, desk, api_client, browser):
    claim_id, snapshot_id = in_research
    writer, reviewer = api_client(desk["writer"]), api_client(desk["reviewer"])
    save(writer, claim_id, snapshot_id)
    writer.post(f"/api/claims/{claim_id}/transitions", json={"to": "in_review"})
    reviewer.post(f"/api/claims/{claim_id}/reviews", json={"decision": "request_changes", "note": "add a source"})
    save(writer, claim_id, snapshot_id, body="Now citing the RBI holiday list.")
    page = browser(desk["reviewer"])
    claim_page = page.get(f"/claims/{claim_id}").get_data(as_text=True)
    assert "what changed since your last review" in claim_page
    diff = page.get(f"/claims/{claim_id}/rebuttal/revisions").get_data(as_text=True)
    assert "Your last review was of revision 1." in diff
    assert '<span class="add">+ Now citing the RBI holiday list.' in diff


def test_a_correction_goes_live_at_once_and_is_audited(publish_claim, desk, api_client, client):
    claim = publish_claim(language="en")  # an English fact-check page names its verdict in English
    slug_url = claim["rebuttal"]["url"]
    path = slug_url.replace("https://factcheck.example.org", "")
    reviewer = api_client(desk["reviewer"])
    current = claim["rebuttal"]["current"]
    sources = [{"snapshot_id": s["id"]} for s in current["sources"]]
    without_note = reviewer.put(f"/api/claims/{claim['id']}/rebuttal", json={
        "headline": current["headline"], "summary": current["summary"], "body": "Corrected body.",
        "verdict": "Misleading", "sources": sources})
    assert without_note.status_code == 400 and "correction_note" in without_note.json["fields"]
    volunteer_try = api_client(desk["volunteer"]).put(f"/api/claims/{claim['id']}/rebuttal", json={
        "headline": "x", "verdict": "True", "sources": sources, "correction_note": "mine"})
    assert volunteer_try.status_code == 403

    corrected = reviewer.put(f"/api/claims/{claim['id']}/rebuttal", json={
        "headline": current["headline"], "summary": current["summary"], "body": "Corrected body.",
        "verdict": "Misleading", "sources": sources, "correction_note": "The closure was 4 days, not 0."})
    assert corrected.status_code == 200, corrected.json
    page = client.get(path).get_data(as_text=True)
    assert "Corrected body." in page
    assert "The closure was 4 days, not 0." in page
    assert ">Misleading<" in page
    events = reviewer.get(f"/api/claims/{claim['id']}").json["events"]
    correction = [e for e in events if e["kind"] == "correction"]
    assert len(correction) == 1 and correction[0]["note"] == "The closure was 4 days, not 0."
    assert corrected.json["slug"] == claim["rebuttal"]["slug"]
