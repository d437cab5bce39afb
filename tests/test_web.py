"""The web pages: login, closed by default, CSRF, filing from the form, queue, claim page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.images import image_bytes


def test_everything_but_login_and_static_needs_a_login(client):
    for path in ("/claims/new", "/claims", "/claims/mine", "/claims/1", "/account", "/users"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    assert client.get("/login").status_code == 200
    with client.get("/static/app.css") as stylesheet:
        assert stylesheet.status_code == 200
    assert client.get("/healthz").status_code == 200


def test_login_and_logout(browser, make_user):
    user = make_user("volunteer")
    session = browser(user)
    assert session.get("/claims/mine").status_code == 200
    assert session.post("/logout").status_code == 302
    assert session.get("/claims/mine").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(browser, make_user):
    user = make_user("volunteer")
    session = browser(None)
    wrong = session.login(user.email, "not the password")
    unknown = session.login("nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong e-mail or password" in wrong.get_data(as_text=True)


def test_login_follows_only_local_next_paths(browser, make_user):
    user = make_user("volunteer")
    session = browser(None)
    token = session.csrf_token()
    response = session.client.post("/login?next=https://evil.example/", data={
        "email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_a_form_post_without_a_csrf_token_is_refused(browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {"text": "hi", "platform": "x"}, csrf=False)
    assert response.status_code == 400
    assert "The form has expired" in response.get_data(as_text=True)
    assert session.get("/claims/mine").get_data(as_text=True).count('class="claim-id"') == 0


def test_the_api_with_a_session_cookie_needs_csrf_too(browser, make_user):
    session = browser(make_user("volunteer"))
    refused = session.client.post("/api/claims", json={"text": "hi", "platform": "x"})
    assert refused.status_code == 400
    assert refused.json["error"] == "bad_request" and "form has expired" in refused.json["message"]
    accepted = session.client.post("/api/claims", json={"text": "hi", "platform": "x"},
                                   headers={"X-CSRFToken": session.csrf_token()})
    assert accepted.status_code == 201


def test_login_is_rate_limited(browser, make_user):
    user = make_user("volunteer")
    session = browser(None)
    statuses = [session.login(user.email, "wrong password!").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429


def test_filing_from_the_form_with_a_screenshot(browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {
        "text": "फॉरवर्ड किया गया: कल से बैंक बंद रहेंगे",
        "urls": "https://example.com/news?utm_campaign=x\nhttps://example.org/b",
        "platform": "whatsapp",
        "language": "",
        "screenshot": (image_bytes("JPEG"), "photo.jpg"),
    })
    assert response.status_code == 302
    page = session.get(response.headers["Location"]).get_data(as_text=True)
    assert "कल से बैंक बंद रहेंगे" in page
    assert "https://example.com/news" in page and "utm_campaign" not in page
    assert "/screenshot" in page
    assert "filed the claim" in page


def test_form_errors_are_shown_beside_the_fields_and_keep_the_input(browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {"text": "keep this text", "urls": "javascript:alert(1)",
                                            "platform": "whatsapp"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="urls-error"' in page
    assert "keep this text" in page


def test_form_refuses_a_fake_png(browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {"text": "x", "platform": "x",
                                            "screenshot": (b"GIF89a not really", "shot.png")})
    assert response.status_code == 400
    assert 'id="screenshot-error"' in response.get_data(as_text=True)


def test_reviewer_triages_from_the_claim_page_and_history_shows_it(browser, make_user, make_claim):
    claim = make_claim("a claim to triage")
    researcher = make_user("volunteer", name="Vani Volunteer")
    session = browser(make_user("reviewer", name="Ravi Reviewer"))
    page = session.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Start the research" in page
    response = session.post(f"/claims/{claim.id}/transitions", {"to": "researching", "assignee": researcher.id,
                                                                "note": "looks viral"})
    assert response.status_code == 302
    page = session.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "moved it from submitted to researching" in page
    assert "looks viral" in page
    assert "assigned to Vani Volunteer" in page


def test_a_refused_move_from_the_page_says_why(browser, make_user, make_claim):
    claim = make_claim()
    session = browser(make_user("reviewer"))
    response = session.post(f"/claims/{claim.id}/transitions", {"to": "rejected", "note": ""})
    page = session.get(response.headers["Location"]).get_data(as_text=True)
    assert "a note is required" in page
    assert "status-submitted" in page


def test_volunteers_get_no_queue_and_no_moves(browser, make_user, make_claim):
    volunteer = make_user("volunteer")
    claim = make_claim(by=volunteer)
    session = browser(volunteer)
    assert session.get("/claims").status_code == 403
    page = session.get(f"/claims/{claim.id}").get_data(as_text=True)
    assert "Next steps" not in page
    other = make_claim()
    assert session.get(f"/claims/{other.id}").status_code == 404


def test_queue_is_oldest_first_filtered_and_paginated(browser, make_user, make_claim):
    claims = [make_claim(f"queue item {i}") for i in range(27)]
    make_claim("rejected one", status="rejected")
    session = browser(make_user("reviewer"))
    first = session.get("/claims?status=submitted").get_data(as_text=True)
    ids = [int(x) for x in re.findall(r'class="claim-id">#(\d+)<', first)]
    assert ids == [c.id for c in claims[:25]]
    assert "Page 1 of 2" in first
    second = session.get("/claims?status=submitted&page=2").get_data(as_text=True)
    assert [int(x) for x in re.findall(r'class="claim-id">#(\d+)<', second)] == [c.id for c in claims[25:]]
    rejected = session.get("/claims?status=rejected").get_data(as_text=True)
    assert "rejected one" in rejected and "queue item" not in rejected


def test_my_claims_lists_only_mine(browser, make_user, make_claim):
    me = make_user("volunteer")
    make_claim("mine", by=me)
    make_claim("someone else's")
    page = browser(me).get("/claims/mine").get_data(as_text=True)
    assert "mine" in page and "someone else" not in page


def test_one_time_password_must_be_changed_first(browser, make_user, client):
    user = make_user("volunteer", must_change_password=True)
    session = browser(None)
    response = session.login(user.email)
    assert response.headers["Location"] == "/account/password"
    assert session.get("/claims/mine").headers["Location"] == "/account/password"
    changed = session.post("/account/password", {"current_password": PASSWORD, "password": "a brand new secret",
                                                 "password_again": "a brand new secret"})
    assert changed.status_code == 302
    assert session.get("/claims/mine").status_code == 200


def test_staff_manage_users_and_others_cannot(browser, make_user):
    staff = browser(make_user("staff"))
    response = staff.post("/users", {"email": "New.Person@Example.org", "role": "reviewer",
                                     "password": "temporary-pass-1"})
    assert response.status_code == 302
    assert "new.person@example.org" in staff.get("/users").get_data(as_text=True)
    assert browser(make_user("reviewer")).get("/users").status_code == 403


def test_the_dashboard_is_for_staff(browser, make_user, make_claim):
    make_claim("one", status="in_review", draft_by=make_user("reviewer"))
    make_claim("two")
    page = browser(make_user("staff")).get("/dashboard").get_data(as_text=True)
    assert re.search(r'<strong id="filed-this-week">2</strong>', page)
    assert re.search(r"in review</a></td><td>1</td>", page)
    assert browser(make_user("reviewer")).get("/dashboard").status_code == 403


def test_api_tokens_from_the_account_page(browser, make_user, client):
    session = browser(make_user("volunteer"))
    page = session.post("/account/tokens", {"label": "phone"}).get_data(as_text=True)
    token = re.search(r'<pre class="token" id="new-token">([^<]+)</pre>', page).group(1)
    assert client.get("/api/claims", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("path", ["/login", "/api/openapi.json"])
def test_security_headers(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_public_pages_set_no_cookie(client, make_claim, make_user):
    for path in ("/fact-checks", "/corrections", "/fact-checks/feed.atom", "/sitemap.xml"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path


def test_pages_fit_a_phone(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "http://" not in page.split("<body>")[0].replace('"http://www.w3.org', "")


def test_a_public_url_other_than_where_the_app_serves_is_warned_about_once(client, caplog):
    caplog.set_level("WARNING", logger="factcheck.web")
    client.get("/login")
    client.get("/fact-checks")
    warnings = [r for r in caplog.records if "FACTCHECK_PUBLIC_URL is https://factcheck.example.org" in r.message]
    assert len(warnings) == 1
    assert "http://localhost" in warnings[0].message


def test_no_warning_when_the_public_url_is_where_the_app_serves(app, caplog):
    caplog.set_level("WARNING", logger="factcheck.web")
    app.test_client().get("/login", base_url="https://factcheck.example.org")
    assert not [r for r in caplog.records if "FACTCHECK_PUBLIC_URL" in r.message]
