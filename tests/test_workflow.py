"""The lifecycle of SPEC §2, table-driven: every (role × from × to) through the API."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from factcheck import db
from factcheck.audit import Event
from factcheck.claims.models import Claim

STATES = ["submitted", "researching", "in_review", "approved", "published", "rejected", "duplicate"]
ROLES = ["volunteer", "reviewer", "staff"]

# SPEC §2 written out independently of factcheck.claims.workflow: (from, to) -> least role.
ALLOWED = {
    ("submitted", "researching"): "reviewer",
    ("submitted", "rejected"): "reviewer",
    ("researching", "rejected"): "reviewer",
    ("submitted", "duplicate"): "reviewer",
    ("researching", "duplicate"): "reviewer",
    ("researching", "in_review"): "reviewer",
    ("in_review", "researching"): "reviewer",
    ("in_review", "approved"): "reviewer",
    ("approved", "published"): "reviewer",
    ("rejected", "submitted"): "staff",
    ("duplicate", "submitted"): "staff",
}
# States in which a claim carries a rebuttal draft, written by someone other than the actors.
WITH_DRAFT = {"researching", "in_review", "approved", "published"}


def _events(app, claim_id: int) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Event).where(Event.claim_id == claim_id))


@pytest.mark.parametrize(("source", "target"), list(itertools.product(STATES, STATES)))
def test_every_role_and_transition(app, make_user, make_claim, api_client, source, target):
    volunteer = make_user("volunteer")
    writer = make_user("reviewer")
    original = make_claim("the original hoax", by=volunteer)
    for role in ROLES:
        actor = volunteer if role == "volunteer" else make_user(role)
        claim = make_claim(f"a {source} claim", by=volunteer, status=source,
                           duplicate_of=original.id if source == "duplicate" else None,
                           draft_by=writer if source in WITH_DRAFT else None)
        body = {"to": target, "note": "checked against the archive"}
        if target == "duplicate":
            body["duplicate_of"] = original.id
        before = _events(app, claim.id)

        response = api_client(actor).post(f"/api/claims/{claim.id}/transitions", json=body)

        least_role = ALLOWED.get((source, target))
        may = least_role is not None and ROLES.index(role) >= ROLES.index(least_role)
        case = f"{role}: {source} -> {target}"
        if least_role is None:
            assert response.status_code == 409, case
            allowed = sorted(t for (s, t) in ALLOWED if s == source)
            assert sorted(response.json["allowed"]) == allowed, case
            assert response.json["error"] == "conflict"
        elif not may:
            assert response.status_code == 403, case
        else:
            assert response.status_code == 200, (case, response.json)
            assert response.json["status"] == target, case
            assert _events(app, claim.id) == before + 1, case
            continue
        assert _events(app, claim.id) == before, case
        with app.app_context():
            assert db.session().get(Claim, claim.id).status == source, case


@pytest.mark.parametrize(("target", "field"), [("rejected", "note"), ("duplicate", "duplicate_of")])
def test_missing_requirement_is_a_400_naming_the_field(make_user, make_claim, api_client, target, field):
    reviewer = make_user("reviewer")
    claim = make_claim()
    response = api_client(reviewer).post(f"/api/claims/{claim.id}/transitions", json={"to": target})
    assert response.status_code == 400
    assert field in response.json["fields"]


def test_review_needs_a_complete_draft(make_user, make_claim, api_client):
    reviewer = api_client(make_user("reviewer"))
    bare = make_claim(status="researching")
    response = reviewer.post(f"/api/claims/{bare.id}/transitions", json={"to": "in_review"})
    assert response.status_code == 400
    assert "rebuttal" in response.json["fields"]
    headless = make_claim(status="researching", draft_by=make_user("reviewer"), headline="")
    response = reviewer.post(f"/api/claims/{headless.id}/transitions", json={"to": "in_review"})
    assert response.status_code == 400
    assert "headline" in response.json["fields"]["rebuttal"]


def test_reopen_needs_a_note(make_user, make_claim, api_client):
    staff = make_user("staff")
    claim = make_claim(status="rejected")
    response = api_client(staff).post(f"/api/claims/{claim.id}/transitions", json={"to": "submitted"})
    assert response.status_code == 400
    assert response.json["fields"] == {"note": "a note is required for this step"}


def test_duplicate_points_at_the_root_of_a_chain(app, make_user, make_claim, api_client):
    reviewer = api_client(make_user("reviewer"))
    root = make_claim("root")
    middle = make_claim("middle", status="duplicate", duplicate_of=root.id)
    newest = make_claim("newest")
    response = reviewer.post(f"/api/claims/{newest.id}/transitions",
                             json={"to": "duplicate", "duplicate_of": middle.id})
    assert response.status_code == 200
    assert response.json["duplicate_of"] == root.id


def test_a_claim_cannot_duplicate_itself_even_through_a_chain(make_user, make_claim, api_client):
    reviewer = api_client(make_user("reviewer"))
    claim = make_claim("itself")
    response = reviewer.post(f"/api/claims/{claim.id}/transitions",
                             json={"to": "duplicate", "duplicate_of": claim.id})
    assert response.status_code == 400
    assert "duplicate_of" in response.json["fields"]
    missing = reviewer.post(f"/api/claims/{claim.id}/transitions",
                            json={"to": "duplicate", "duplicate_of": 999_999})
    assert missing.status_code == 400


def test_reopening_a_duplicate_clears_its_original(make_user, make_claim, api_client):
    root = make_claim("root")
    claim = make_claim("copy", status="duplicate", duplicate_of=root.id)
    response = api_client(make_user("staff")).post(
        f"/api/claims/{claim.id}/transitions", json={"to": "submitted", "note": "not the same claim after all"}
    )
    assert response.status_code == 200
    assert response.json["duplicate_of"] is None


def test_triage_can_assign_a_volunteer_who_then_sees_the_claim(make_user, make_claim, api_client):
    researcher = make_user("volunteer")
    claim = make_claim("assign me")
    response = api_client(make_user("reviewer")).post(
        f"/api/claims/{claim.id}/transitions", json={"to": "researching", "assignee": researcher.id}
    )
    assert response.status_code == 200
    assert response.json["assignee"] == researcher.id
    assert api_client(researcher).get(f"/api/claims/{claim.id}").status_code == 200


def test_transition_event_records_who_when_from_to_and_note(make_user, make_claim, api_client):
    reviewer = make_user("reviewer", name="Rita Reviewer")
    claim = make_claim()
    api_client(reviewer).post(f"/api/claims/{claim.id}/transitions",
                              json={"to": "rejected", "note": "satire site"})
    events = api_client(reviewer).get(f"/api/claims/{claim.id}").json["events"]
    assert [e["kind"] for e in events] == ["filed", "transition"]
    last = events[-1]
    assert (last["actor"], last["from"], last["to"], last["note"]) == ("Rita Reviewer", "submitted", "rejected",
                                                                       "satire site")
    assert last["at"]
