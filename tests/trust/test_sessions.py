"""Sessions that end: a cookie copied before logout, a password change, a staff reset or a
deactivation stops working at once; a CSRF token from before login is refused after it."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.conftest import CSRF_META, PASSWORD, Browser


def copy_of(session: Browser, app) -> FlaskClient:
    """Another client carrying a copy of ``session``'s cookies, as a thief would."""
    thief = app.test_client()
    for cookie in session.client._cookies.values():
        thief.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def logged_in(client: FlaskClient) -> bool:
    return client.get("/claims/mine").status_code == 200


def test_a_copied_cookie_stops_working_after_logout(app, browser, make_user):
    session = browser(make_user("volunteer"))
    thief = copy_of(session, app)
    assert logged_in(thief)
    assert session.post("/logout").status_code == 302
    assert not logged_in(thief)
    assert not logged_in(session.client)


def test_logout_ends_the_sessions_on_every_device(app, browser, make_user):
    user = make_user("reviewer")
    phone, desktop = browser(user), browser(user)
    assert logged_in(phone.client) and logged_in(desktop.client)
    phone.post("/logout")
    assert not logged_in(desktop.client)


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(app, browser, make_user):
    user = make_user("volunteer")
    session, other = browser(user), browser(user)
    thief = copy_of(session, app)
    changed = session.post("/account/password", {"current_password": PASSWORD, "password": "another long secret",
                                                 "password_again": "another long secret"})
    assert changed.status_code == 302
    assert logged_in(session.client)
    assert not logged_in(thief)
    assert not logged_in(other.client)


def test_deactivation_ends_the_sessions(app, browser, make_user):
    user = make_user("volunteer")
    session = browser(user)
    thief = copy_of(session, app)
    staff = browser(make_user("staff"))
    assert staff.post(f"/users/{user.id}", {"active": "0"}).status_code == 302
    assert not logged_in(session.client) and not logged_in(thief)
    staff.post(f"/users/{user.id}", {"active": "1"})
    assert not logged_in(thief), "reactivating does not bring an old cookie back"


def test_a_staff_password_reset_ends_the_sessions_and_gives_a_one_time_password(app, browser, make_user):
    user = make_user("volunteer")
    session = browser(user)
    staff = browser(make_user("staff"))
    page = staff.post(f"/users/{user.id}/password").get_data(as_text=True)
    assert not logged_in(session.client)
    password = re.search(r'id="reset-password">[^<]*<code>([^<]+)</code>', page).group(1)
    fresh = Browser(app.test_client())
    assert fresh.login(user.email, PASSWORD).status_code == 401
    assert fresh.login(user.email, password).headers["Location"] == "/account/password"


def test_only_staff_reset_passwords(browser, make_user):
    user = make_user("volunteer")
    assert browser(make_user("reviewer")).post(f"/users/{user.id}/password").status_code == 403


@pytest.mark.parametrize("email", ["reader-reports@factcheck.invalid"])
def test_system_accounts_are_not_people(browser, make_user, app, email):
    from factcheck import db
    from factcheck.accounts.models import User

    with app.app_context():
        db.session().add(User(email=email, name="Reader report", role="volunteer", active=True, is_system=True,
                              password_hash="!x"))
        db.commit()
        system_id = db.session().query(User.id).filter_by(email=email).scalar()
    staff = browser(make_user("staff"))
    assert email not in staff.get("/users").get_data(as_text=True)
    assert staff.post(f"/users/{system_id}/password").status_code == 404


def test_a_csrf_token_from_before_login_is_refused_after_it(app, make_user):
    user = make_user("volunteer")
    session = Browser(app.test_client())
    before = CSRF_META.search(session.client.get("/login").get_data(as_text=True))
    old_token = before.group(1) or before.group(2)
    assert session.login(user.email).status_code == 302
    refused = session.client.post("/claims/new", data={"text": "hi", "platform": "x", "csrf_token": old_token})
    assert refused.status_code == 400
    fresh = session.csrf_token()
    assert fresh != old_token
    accepted = session.client.post("/claims/new", data={"text": "hi", "platform": "x", "csrf_token": fresh})
    assert accepted.status_code == 302
