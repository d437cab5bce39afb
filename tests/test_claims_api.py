"""Filing and reading claims through the JSON API, and its error contract (SPEC §6)."""

from __future__ import annotations

import pytest

from tests.conftest import recorded_statements, tables_read
from tests.images import image_bytes, noisy_png


@pytest.fixture
def volunteer(make_user):
    return make_user("volunteer")


@pytest.fixture
def api(api_client, volunteer):
    return api_client(volunteer)


def test_filing_returns_the_claim_with_normalised_sources(api):
    response = api.post("/api/claims", json={
        "text": "मोदी सरकार ने नया कानून पास किया 🙏",
        "urls": ["HTTPS://Example.COM/News?id=7&utm_source=wa&fbclid=abc#top", "http://example.org"],
        "platform": "whatsapp",
    })
    assert response.status_code == 201, response.json
    claim = response.json
    assert claim["status"] == "submitted"
    assert claim["language"] == "hi"
    assert [s["url"] for s in claim["sources"]] == ["https://example.com/News?id=7", "http://example.org/"]
    assert [s["domain"] for s in claim["sources"]] == ["example.com", "example.org"]
    assert claim["similar"] == []


def test_a_second_filing_of_the_same_link_is_told_at_once(api, make_user, api_client):
    first = api.post("/api/claims", json={"text": "banks shut", "urls": ["https://example.com/hoax"],
                                          "platform": "whatsapp"}).json
    reviewer = api_client(make_user("reviewer"))  # sees every claim's match, with its id
    later = reviewer.post("/api/claims", json={"text": "something else entirely",
                                               "urls": ["https://example.com/hoax"], "platform": "web"}).json
    assert [(m["id"], m["reason"]) for m in later["similar"]] == [(first["id"], "url")]


def test_a_filed_claim_has_its_history(api):
    claim_id = api.post("/api/claims", json={"text": "claim", "platform": "x"}).json["id"]
    detail = api.get(f"/api/claims/{claim_id}").json
    assert [(e["kind"], e["to"]) for e in detail["events"]] == [("filed", "submitted")]
    assert detail["allowed_transitions"] == []


def test_duplicate_links_in_one_filing_are_stored_once(api):
    response = api.post("/api/claims", json={
        "urls": ["https://example.com/a?utm_medium=x", "https://EXAMPLE.com/a"], "platform": "web"})
    assert [s["url"] for s in response.json["sources"]] == ["https://example.com/a"]


@pytest.mark.parametrize(("body", "field"), [
    ({"platform": "whatsapp"}, "text"),
    ({"text": "x" * 10_001, "platform": "whatsapp"}, "text"),
    ({"text": "hi", "platform": "myspace"}, "platform"),
    ({"text": "hi"}, "platform"),
    ({"text": 42, "platform": "x"}, "text"),
    ({"text": "hi", "platform": "x", "urls": "https://example.com"}, "urls"),
    ({"text": "hi", "platform": "x", "urls": [f"https://example.com/{i}" for i in range(11)]}, "urls"),
    ({"text": "hi", "platform": "x", "urls": ["javascript:alert(1)"]}, "urls"),
    ({"text": "hi", "platform": "x", "urls": ["file:///etc/passwd"]}, "urls"),
    ({"text": "hi", "platform": "x", "urls": ["ftp://example.com/x"]}, "urls"),
    ({"text": "hi", "platform": "x", "urls": ["https://"]}, "urls"),
    ({"text": "hi", "platform": "x", "urls": [12]}, "urls"),
    ({"text": "hi", "platform": "x", "language": "not a language"}, "language"),
    ({"text": "hi", "platform": "x", "colour": "red"}, "colour"),
    ({"text": "nul\x00byte", "platform": "x"}, "text"),
    ({"text": "\ud800", "platform": "x"}, "text"),
])
def test_bad_filings_are_400_naming_the_field(api, body, field):
    response = api.post("/api/claims", json=body)
    assert response.status_code == 400, response.json
    assert response.json["error"] == "bad_request"
    assert field in response.json["fields"]


@pytest.mark.parametrize("raw", [b"{", b"[1, 2", b"\xff\xfe", b"", b"null", b"[]", b'"text"', b"1e999999",
                                 b"[" * 100_000])
def test_malformed_json_is_a_400(api, raw):
    response = api.post("/api/claims", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_a_body_that_is_not_json_is_a_400(api):
    response = api.post("/api/claims", data="text=hi", content_type="text/plain")
    assert response.status_code == 400
    assert "JSON" in response.json["message"]


@pytest.mark.parametrize("path", ["/api/claims/0", "/api/claims/-1", "/api/claims/abc",
                                  "/api/claims/99999999999999999999999", "/api/claims/9223372036854775808",
                                  "/api/claims/9223372036854775807", "/api/claims/2147483648", "/api/claims/2147483647",
                                  "/api/claims/1.5", "/api/nothing"])
def test_invalid_or_unknown_ids_are_404(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


@pytest.mark.parametrize("body", [
    {"to": "researching", "assignee": 2**64},
    {"to": "researching", "assignee": -5},
    {"to": "researching", "assignee": True},
    {"to": "duplicate", "duplicate_of": "7"},
    {"to": "duplicate", "duplicate_of": 1.5},
    {"to": 3},
    {"to": "flying"},
    {"to": "rejected", "note": ["a"]},
])
def test_wrong_types_and_huge_numbers_in_transitions_are_400(api_client, make_user, make_claim, body):
    claim = make_claim()
    response = api_client(make_user("reviewer")).post(f"/api/claims/{claim.id}/transitions", json=body)
    assert response.status_code == 400, response.json
    assert response.json["fields"]


def test_list_query_parameters_are_validated(api):
    for query in ("page=0", "page=abc", "per_page=101", "status=lost", "assignee=99999999999999999999999"):
        response = api.get(f"/api/claims?{query}")
        assert response.status_code == 400, query


def test_volunteers_see_only_their_own_claims(api_client, make_user, make_claim):
    alice, bob = make_user("volunteer"), make_user("volunteer")
    mine = make_claim("alice's claim", by=alice)
    theirs = make_claim("bob's claim", by=bob)
    alice_api = api_client(alice)
    listed = alice_api.get("/api/claims").json
    assert [c["id"] for c in listed["items"]] == [mine.id]
    assert listed["total"] == 1
    assert alice_api.get(f"/api/claims/{theirs.id}").status_code == 404
    assert alice_api.post(f"/api/claims/{theirs.id}/transitions", json={"to": "researching"}).status_code == 404


def test_reviewers_list_oldest_first_with_pagination(api_client, make_user, make_claim):
    claims = [make_claim(f"claim {i}") for i in range(5)]
    reviewer = api_client(make_user("reviewer"))
    first = reviewer.get("/api/claims?status=submitted&per_page=2&page=1").json
    second = reviewer.get("/api/claims?status=submitted&per_page=2&page=3").json
    assert first["total"] == 5 and first["per_page"] == 2
    assert [c["id"] for c in first["items"]] == [claims[0].id, claims[1].id]
    assert [c["id"] for c in second["items"]] == [claims[4].id]


def test_no_token_is_401_and_a_bad_or_revoked_token_is_401(app, api_client, make_user, client):
    assert client.get("/api/claims").status_code == 401
    bad = client.get("/api/claims", headers={"Authorization": "Bearer fcw_not-a-token"})
    assert bad.status_code == 401
    assert bad.json["error"] == "unauthorized"
    user = make_user("volunteer")
    api = api_client(user)
    assert api.get("/api/claims").status_code == 200
    from factcheck import db
    from factcheck.accounts.models import ApiToken

    with app.app_context():
        for row in db.session().query(ApiToken).all():
            row.revoked_at = db.utcnow()
        db.commit()
    assert api.get("/api/claims").status_code == 401


def test_a_token_request_sets_no_session_cookie(api):
    response = api.get("/api/claims")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_filing_with_a_screenshot_over_multipart(api):
    response = api.post_multipart("/api/claims", {
        "text": "see the picture", "platform": "instagram", "screenshot": (image_bytes("PNG", (120, 80)), "post.png"),
    })
    assert response.status_code == 201, response.json
    shot = response.json["screenshot"]
    assert (shot["content_type"], shot["width"], shot["height"]) == ("image/png", 120, 80)
    with api.get(shot["url"]) as image:
        assert image.status_code == 200
        assert image.mimetype == "image/png"
        assert image.data == image_bytes("PNG", (120, 80))
        assert "sandbox" in image.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("kind", "ctype"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_screenshots_are_accepted(api, kind, ctype):
    response = api.post_multipart("/api/claims", {"platform": "facebook", "screenshot": (image_bytes(kind), "x.img")})
    assert response.status_code == 201
    assert response.json["screenshot"]["content_type"] == ctype


@pytest.mark.parametrize("payload", [
    b"<html><script>alert(1)</script></html>",
    b"%PDF-1.4 not an image",
    image_bytes("GIF"),
    image_bytes("BMP"),
    image_bytes("PNG")[:60],
])
def test_a_non_image_or_unsupported_image_named_png_is_refused(api, payload):
    response = api.post_multipart("/api/claims", {"text": "hi", "platform": "x",
                                                  "screenshot": (payload, "innocent.png")})
    assert response.status_code == 400
    assert "screenshot" in response.json["fields"]


def test_an_oversized_screenshot_is_413(api):
    big = noisy_png(5 * 1024 * 1024 + 1)
    response = api.post_multipart("/api/claims", {"text": "hi", "platform": "x", "screenshot": (big, "big.png")})
    assert response.status_code == 413
    assert response.json["error"] == "too_large"


def test_a_request_far_over_the_limit_is_413_before_it_is_read(api):
    response = api.post("/api/claims", data=b"x" * (7 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    huge_upload = api.post_multipart("/api/claims", {"platform": "x", "screenshot": (b"\0" * (8 << 20), "a.png")})
    assert huge_upload.status_code == 413


def test_unknown_multipart_fields_are_refused(api):
    response = api.post_multipart("/api/claims", {"text": "hi", "platform": "x", "mood": "angry"})
    assert response.status_code == 400
    assert response.json["fields"] == {"mood": "unknown field"}


def test_several_urls_fields_in_multipart(api):
    response = api.post_multipart("/api/claims", {"platform": "web",
                                                  "urls": ["https://a.example/1", "https://b.example/2"]})
    assert [s["domain"] for s in response.json["sources"]] == ["a.example", "b.example"]


def test_the_openapi_document_describes_the_claims_api(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/claims"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["properties"]["urls"]["maxItems"] == 10
    assert schema["additionalProperties"] is False
    assert "/api/claims/{claim_id}/transitions" in document["paths"]


def test_method_not_allowed_is_json(api):
    response = api.request("DELETE", "/api/claims")
    assert response.status_code == 405
    assert response.json["error"] == "method_not_allowed"


def test_a_multipart_part_without_a_name_is_refused_clearly(api):
    boundary = "nameless"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"platform\"\r\n\r\nx\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data\r\n\r\nwho am I\r\n--{boundary}--\r\n").encode()
    response = api.post("/api/claims", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert response.json["fields"] == {"(unnamed part)": "unknown field"}


def test_filing_asks_the_database_only_what_it_needs(app, api):
    """Each statement is a round trip to PostgreSQL, where a busy desk waits on every one: the
    token's person comes with the token, and a new claim's tags and screenshot are known to be
    none without asking."""
    api.get("/api/claims?per_page=1")  # whatever runs once per process is done
    with recorded_statements(app) as statements:
        response = api.post("/api/claims", json={"text": "the bridge fell down", "urls": ["https://example.com/a"],
                                                 "platform": "whatsapp"})
    assert response.status_code == 201, response.json
    reads = tables_read(statements)
    assert reads.count("api_tokens") == 1
    assert "users" not in reads  # loaded with the token
    assert "claim_tags" not in reads and "screenshots" not in reads
    assert len(statements) <= 14, statements
