"""The request edge: the API's first answer is 401 with how to authenticate; one error code per
status, described in the OpenAPI document."""

from __future__ import annotations

import pytest

from factcheck.errors import ERROR_CODES


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
