"""One input rule for every text field, whatever the path: NUL and other control characters get
a clear 400 naming the field (or a 404 in a path), never a 500, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from factcheck import db
from factcheck.backup import tables
from tests.conftest import PASSWORD, multipart

BAD = ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b"]


def row_counts(app) -> dict[str, int]:
    with app.app_context():
        session = db.session()
        return {t.name: session.scalar(select(func.count()).select_from(t)) for t in tables()}


@pytest.fixture
def desk(app, make_user, make_claim, browser):
    """A staff member's browser, a claim in research with a draft, and the pages' forms."""
    staff = make_user("staff")
    claim = make_claim("a claim", status="researching", draft_by=make_user("reviewer"))
    review = make_claim("a claim in review", status="in_review", draft_by=make_user("reviewer"))
    forms: list[tuple[str, dict[str, Any]]] = [
        ("/claims/new", {"text": "a post", "urls": "https://example.com/", "platform": "whatsapp", "language": "hi"}),
        (f"/claims/{claim.id}/transitions", {"to": "rejected", "note": "not check-worthy"}),
        (f"/claims/{claim.id}/rebuttal", {"headline": "No", "summary": "It is false.", "body": "Body",
                                         "verdict": "False", "new_urls": "https://example.org/",
                                         "snapshot": str(claim.sources[0].snapshots[0].id)}),
        (f"/claims/{review.id}/reviews", {"decision": "request_changes", "note": "more sources"}),
        ("/account/name", {"name": "Asha"}),
        ("/account/tokens", {"label": "my phone"}),
        ("/account/password", {"current_password": PASSWORD, "password": "a new password!",
                               "password_again": "a new password!"}),
        ("/users", {"email": "new@example.org", "role": "volunteer", "password": "one-time-pass-1", "name": "New"}),
        ("/desk/byline", {"byline": "The desk"}),
    ]
    return browser(staff), forms


def test_every_field_of_every_form_refuses_control_characters(app, desk):
    session, forms = desk
    before = row_counts(app)
    for path, fields in forms:
        for name in fields:
            for bad in BAD[:2]:
                data = {**fields, name: bad}
                response = session.post(path, data)
                assert response.status_code == 400, (path, name, bad, response.status_code)
                assert name in response.get_data(as_text=True), (path, name)
    assert row_counts(app) == before


def test_multipart_fields_refuse_control_characters(app, desk):
    session, _forms = desk
    before = row_counts(app)
    for name in ("text", "urls", "platform", "language"):
        fields = {"text": "a post", "urls": "https://example.com/", "platform": "whatsapp", "language": "",
                  "csrf_token": session.csrf_token()}
        fields[name] = "x\x00y"
        body, content_type = multipart(fields)
        response = session.client.post("/claims/new", data=body, content_type=content_type)
        assert response.status_code == 400, name
    body, content_type = multipart({"text\x00": "a", "platform": "x", "csrf_token": session.csrf_token()})
    assert session.client.post("/claims/new", data=body, content_type=content_type).status_code == 400
    assert row_counts(app) == before


@pytest.mark.parametrize("bad", BAD)
def test_the_login_form_refuses_control_characters(browser, make_user, bad):
    user = make_user("volunteer")
    session = browser(None)
    assert session.post("/login", {"email": user.email + bad, "password": PASSWORD}).status_code == 400
    assert session.post("/login", {"email": user.email, "password": PASSWORD + bad}).status_code == 400
    assert session.post("/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_the_report_form_refuses_control_characters(app, browser):
    session = browser(None)
    before = row_counts(app)
    for name in ("message", "url", "contact"):
        fields = {"message": "the fact-check is wrong", "url": "https://example.com/", "contact": "me"}
        fields[name] = "x\x00y"
        response = session.post("/report", fields)
        assert response.status_code == 400 and name in response.get_data(as_text=True)
    assert row_counts(app) == before


@pytest.mark.parametrize("path", ["/fact-checks/%00", "/fact-checks/a%00b/card.png", "/replay/%00",
                                  "/language/%00"])
def test_control_characters_in_a_path_are_not_found(client, path):
    assert client.get(path).status_code in (302, 404)


def test_the_api_refuses_control_characters_in_json_and_multipart(api_client, make_user, app):
    api = api_client(make_user("volunteer"))
    before = row_counts(app)
    response = api.post("/api/claims", json={"text": "a\x00b", "platform": "x"})
    assert response.status_code == 400 and "text" in response.json["fields"]
    response = api.post_multipart("/api/claims", {"text": "a\x01b", "platform": "x"})
    assert response.status_code == 400 and "text" in response.json["fields"]
    assert row_counts(app) == before


def test_the_command_line_refuses_control_characters(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "bad\x00@example.org", "--role", "volunteer"])
    # A refusal is a clean exit with a message naming the field, never an exception.
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0 and "email" in result.output
    result = runner.invoke(args=["create-user", "ok@example.org", "--role", "volunteer", "--name", "A\x00B"])
    assert isinstance(result.exception, SystemExit) and result.exit_code != 0 and "name" in result.output
