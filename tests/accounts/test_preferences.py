"""Each person's own settings on /account: the language of the pages (which wins over the cookie
and the browser), a time zone checked against the IANA list, and e-mail notifications."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from factcheck import db
from factcheck.accounts.models import User
from factcheck.accounts.preferences import COMMON_TIME_ZONES, Preferences, set_preferences, time_zone_names
from factcheck.audit import Event
from factcheck.errors import NotFound
from factcheck.i18n import select_locale

OPTION = re.compile(r'<option value="([^"]*)"')


def saved(app: Any, user: User) -> User:
    with app.app_context():
        row = db.session().get(User, user.id)
        assert row is not None
        return row


def save(session: Any, **form: str) -> Any:
    return session.post("/account/preferences", {"locale": "", "timezone": "", **form})


def test_a_person_saves_their_language_and_time_zone(app, browser, make_user):
    user = make_user("volunteer")
    session = browser(user)
    answer = save(session, locale="hi", timezone="Asia/Kolkata")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    row = saved(app, user)
    assert (row.locale, row.timezone, row.notify_by_email) == ("hi", "Asia/Kolkata", False)
    page = session.get("/account").get_data(as_text=True)
    assert '<option value="hi" lang="hi" selected>' in page and '<option value="Asia/Kolkata" selected>' in page
    with app.app_context():
        event = db.session().scalars(select(Event).where(Event.kind == "preferences_changed")).one()
    assert event.data == {"user_id": user.id, "locale": "hi", "timezone": "Asia/Kolkata"}
    assert save(session).status_code == 302  # back to the browser's language and the desk's zone
    assert (saved(app, user).locale, saved(app, user).timezone) == (None, None)


@pytest.mark.parametrize(("field", "value"), [
    ("locale", "fr"), ("locale", "hi-IN"), ("timezone", "Mars/Olympus_Mons"), ("timezone", "localtime"),
    ("timezone", "../../etc/passwd"), ("timezone", "asia/kolkata"), ("timezone", "Factory"),
])
def test_settings_outside_the_lists_are_refused_beside_the_field(app, browser, make_user, field, value):
    user = make_user("volunteer")
    answer = save(browser(user), **{field: value})
    assert answer.status_code == 400
    assert 'class="field-error"' in answer.get_data(as_text=True)
    assert (saved(app, user).locale, saved(app, user).timezone) == (None, None)


def test_the_time_zones_offered_start_with_the_common_ones(browser, make_user, config):
    page = browser(make_user("volunteer")).get("/account").get_data(as_text=True)
    select = page[page.index('id="timezone"'):]
    zones = OPTION.findall(select[:select.index("</select>")])
    assert zones[0] == "" and "The desk's time zone (UTC)" in page
    assert tuple(zones[1:1 + len(COMMON_TIME_ZONES)]) == COMMON_TIME_ZONES
    assert zones[1] == "Asia/Kolkata"
    rest = zones[1 + len(COMMON_TIME_ZONES):]
    assert rest == sorted(rest) and "America/Sao_Paulo" in rest and "Asia/Kolkata" not in rest
    assert not {"localtime", "Factory", "Etc/GMT+5", "posixrules"} & set(zones)
    assert set(zones[1:]) == set(time_zone_names()) | {"UTC"}


def test_the_persons_language_wins_over_the_cookie_and_the_browser(app, browser, make_user):
    user = make_user("volunteer", locale="hi")
    session = browser(user)
    session.client.set_cookie("lang", "en")
    page = session.get("/claims/mine", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="hi">' in page
    logged_out = app.test_client()
    logged_out.set_cookie("lang", "en")
    assert '<html lang="en">' in logged_out.get("/login").get_data(as_text=True)
    # Without a choice of their own, the links at the bottom of the page decide, then the browser.
    other = browser(make_user("volunteer"))
    assert '<html lang="hi">' in other.get("/claims/mine", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    other.client.set_cookie("lang", "en")
    assert '<html lang="en">' in other.get("/claims/mine", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    with app.test_request_context("/", headers={"Accept-Language": "hi"}):
        assert select_locale() == "hi"


def test_the_page_after_saving_is_in_the_new_language(browser, make_user):
    session = browser(make_user("volunteer"))
    session.client.set_cookie("lang", "en")
    page = save(session, locale="hi")
    assert page.status_code == 302
    assert '<html lang="hi">' in session.get("/account").get_data(as_text=True)


def test_only_staff_change_someone_elses_settings(app, make_user):
    volunteer, other, staff = make_user("volunteer"), make_user("volunteer"), make_user("staff")
    with app.test_request_context():
        session = db.session()
        with pytest.raises(NotFound):
            set_preferences(session.get(User, volunteer.id), session.get(User, other.id), Preferences(locale="hi"))
        set_preferences(session.get(User, staff.id), session.get(User, other.id), Preferences(timezone="Asia/Dhaka"))
        db.commit()
    assert saved(app, other).timezone == "Asia/Dhaka"


class TestWithMail:
    @pytest.fixture
    def config(self, config, smtp_server):
        return config.replace(smtp_url=smtp_server.url)

    def test_e_mail_notifications_are_off_until_chosen(self, app, browser, make_user):
        user = make_user("volunteer")
        session = browser(user)
        page = session.get("/account").get_data(as_text=True)
        assert 'name="notify_by_email" value="1" >' in page  # offered, not ticked
        assert saved(app, user).notify_by_email is False
        save(session, notify_by_email="1")
        assert saved(app, user).notify_by_email is True
        assert 'name="notify_by_email" value="1" checked>' in session.get("/account").get_data(as_text=True)
        save(session)  # unticked
        assert saved(app, user).notify_by_email is False
