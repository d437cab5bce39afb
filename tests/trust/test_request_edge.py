"""The request edge: the API's first answer is 401 with how to authenticate; one error code per
status, described in the OpenAPI document; a request commits only when no operation in it failed,
even when its page turns the failure into a redirect."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from factcheck import db
from factcheck.claims.models import Claim
from factcheck.db import Base
from factcheck.errors import ERROR_CODES
from factcheck.publish.models import Rebuttal
from tests.archive.conftest import app, site  # noqa: F401 - fixtures (the trap's test archives a link)
from tests.publish.test_privacy import ready_to_publish


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/claims", {"text": "hi", "platform": "x"}),
    ("PUT", "/api/claims/1/rebuttal", {"headline": "x"}),
    ("POST", "/api/claims/1/transitions", {"to": "researching"}),
    ("POST", "/api/markdown", {"body": "x"}),
    ("GET", "/api/claims", None),
])
def test_the_api_without_session_or_token_answers_401_with_how_to_authenticate(client, method, path, body):
    response = client.open(path, method=method, json=body)
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert "Bearer" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_401_too(client):
    response = client.post("/api/claims", json={"text": "hi", "platform": "x"},
                           headers={"Authorization": "Bearer fcw_not-a-token"})
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_each_status_has_one_code_everywhere(api_client, make_user, make_claim, client):
    assert len(set(ERROR_CODES.values())) == len(ERROR_CODES)
    api = api_client(make_user("volunteer"))
    oversized = api.post("/api/claims", data=b"x" * (6 * 1024 * 1024), content_type="application/json")
    assert (oversized.status_code, oversized.json["error"]) == (413, "too_large")
    bad = api.post("/api/claims", json={"platform": "nowhere"})
    assert (bad.status_code, bad.json["error"]) == (400, "bad_request")
    claim = make_claim()
    reviewer = api_client(make_user("reviewer"))
    conflict = reviewer.post(f"/api/claims/{claim.id}/transitions", json={"to": "published"})
    assert (conflict.status_code, conflict.json["error"]) == (409, "conflict")
    assert reviewer.get("/api/claims/999999").json["error"] == "not_found"
    wrong_method = api.request("DELETE", "/api/claims")
    assert (wrong_method.status_code, wrong_method.json["error"]) == (405, "method_not_allowed")


def test_the_openapi_document_names_each_status_code(client):
    document = client.get("/api/openapi.json").json
    responses = document["components"]["responses"]
    for status, code in ERROR_CODES.items():
        schema = responses[f"Error{status}"]["content"]["application/json"]["schema"]
        assert schema["allOf"][1]["properties"]["error"]["const"] == code
    operation = document["paths"]["/api/claims"]["post"]
    assert operation["responses"]["413"] == {"$ref": "#/components/responses/Error413"}
    assert set(document["components"]["schemas"]["Error"]["properties"]["error"]["enum"]) == set(ERROR_CODES.values())


# -- the redirect trap ------------------------------------------------------------------------------


def row_counts(application) -> dict[str, int]:
    """The number of rows of every table."""
    with application.app_context():
        session = db.session()
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def queue_of(application):
    return application.extensions["factcheck.queue"]


def published_state(application, claim_id: int) -> tuple[str, str | None, bool]:
    with application.app_context():
        claim = db.session().get(Claim, claim_id)
        rebuttal = db.session().scalar(select(Rebuttal).where(Rebuttal.claim_id == claim_id))
        return claim.status, rebuttal.slug, rebuttal.published_at is not None


def test_a_refusal_a_page_turns_into_a_redirect_writes_nothing(app, site, make_user, api_client, run_jobs,  # noqa: F811
                                                              browser):
    """Publishing from the claim page when a credited person has no display name: the operation has
    already moved the claim, recorded the move and told the followers when the credit check
    refuses; the page catches the refusal and redirects (302) with the reason. The edge commits
    only a request in which no operation failed, so none of that is written, and nothing is queued
    to run after a commit. The same form, once the names are given, publishes."""
    people = {"volunteer": make_user("volunteer", name=""), "writer": make_user("reviewer", name=""),
              "reviewer": make_user("reviewer", name="")}
    claim_id = ready_to_publish(site, api_client, run_jobs, people)
    run_jobs()
    page = browser(people["reviewer"])
    counts, queued = row_counts(app), len(queue_of(app).huey.pending())

    refused = page.post(f"/claims/{claim_id}/transitions", {"to": "published"})

    assert refused.status_code == 302
    assert "display name" in page.get(refused.headers["Location"]).get_data(as_text=True)
    assert published_state(app, claim_id) == ("approved", None, False)
    assert row_counts(app) == counts
    assert len(queue_of(app).huey.pending()) == queued
    for key in ("writer", "reviewer"):
        assert browser(people[key]).post("/account/name", {"name": f"{key.title()} Person"}).status_code == 302
    counts = row_counts(app)
    published = page.post(f"/claims/{claim_id}/transitions", {"to": "published"})
    assert published.status_code == 302
    status, slug, live = published_state(app, claim_id)
    assert status == "published" and slug and live
    assert row_counts(app)["events"] == counts["events"] + 1
