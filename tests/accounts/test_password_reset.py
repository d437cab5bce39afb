"""Password reset by e-mail, end to end with a real SMTP server on loopback: the same answer for
every address, one mail in the person's language, a link that works once and expires, sessions
that end, limits per address and per account, and a failed delivery retried then sent once."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select, text

from factcheck import db
from factcheck.accounts.models import PasswordReset, User
from factcheck.config import Config
from factcheck.mail import OutgoingMail
from tests.accounts.conftest import from_address
from tests.conftest import PASSWORD

LINK = re.compile(r"https://factcheck\.example\.org/password/reset/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account with this e-mail address exists"


@pytest.fixture
def config(config: Config, smtp_server: Any) -> Config:
    return config.replace(smtp_url=smtp_server.url)


def ask(app: Any, email: str, address: str = "203.0.113.5", lang: str | None = None) -> Any:
    session = from_address(app, address)
    if lang:
        session.client.set_cookie("lang", lang)
    return session.post("/password/forgot", {"email": email})


def link_in(message: Any) -> str:
    text_link = LINK.findall(message.get_body(("plain",)).get_content())
    html_link = LINK.findall(message.get_body(("html",)).get_content())
    assert len(text_link) == 1 and text_link == html_link
    return text_link[0]


def logged_in(session: Any) -> bool:
    return session.get("/claims/mine").status_code == 200


def reset_rows(app: Any) -> list[PasswordReset]:
    with app.app_context():
        return list(db.session().scalars(select(PasswordReset).order_by(PasswordReset.id)))


def test_the_login_page_offers_a_reset_link(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page
    assert 'name="email"' in client.get("/password/forgot").get_data(as_text=True)


def test_a_forgotten_password_is_reset_by_e_mail_once(app, make_user, browser, smtp_server, run_jobs):
    user = make_user("reviewer")
    elsewhere = browser(user)
    asked = ask(app, user.email.upper())
    assert asked.status_code == 200 and SENT in asked.get_data(as_text=True)
    assert smtp_server.messages == []  # nothing is sent inside the request
    run_jobs()
    [message] = smtp_server.to(user.email)
    assert "Reset your password" in message["Subject"] and message["Content-Language"] == "en"
    token = link_in(message)
    assert token not in message["Message-ID"]

    # Only the token's hash is stored, nowhere the token itself.
    [reset] = reset_rows(app)
    assert reset.token_hash and reset.token_hash != token and reset.used_at is None
    assert dt.timedelta(minutes=59) < reset.expires_at - db.utcnow() <= dt.timedelta(hours=1)
    with app.app_context():
        for table in ("password_resets", "outgoing_mail", "events"):
            rows = db.session().execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
            assert token not in repr(rows)

    visitor = from_address(app, "198.51.100.20")
    page = visitor.get(f"/password/reset/{token}")
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    assert (page.headers["Cache-Control"], page.headers["Referrer-Policy"]) == ("no-store", "no-referrer")
    short = visitor.post(f"/password/reset/{token}", {"password": "short", "password_again": "short"})
    assert short.status_code == 400 and "10" in short.get_data(as_text=True)
    differ = visitor.post(f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_again": "other words!"})
    assert differ.status_code == 400
    done = visitor.post(f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/login"

    assert not logged_in(elsewhere)  # every session of the account ended
    assert from_address(app, "198.51.100.21").login(user.email, PASSWORD).status_code == 401
    assert from_address(app, "198.51.100.22").login(user.email, NEW_PASSWORD).status_code == 302

    again = visitor.get(f"/password/reset/{token}")
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    reuse = visitor.post(f"/password/reset/{token}", {"password": "yet another phrase", "password_again":
                                                      "yet another phrase"})
    assert reuse.status_code == 410
    assert from_address(app, "198.51.100.23").login(user.email, NEW_PASSWORD).status_code == 302
    run_jobs(scheduled=True)
    assert len(smtp_server.messages) == 1
    with app.app_context():
        kinds = db.session().scalars(
            text("SELECT kind FROM events WHERE kind LIKE 'password_reset%' ORDER BY id")).all()
    assert kinds == ["password_reset_requested", "password_reset_by_link"]


def test_every_address_gets_the_same_answer_and_only_accounts_get_mail(app, make_user, smtp_server, run_jobs):
    person = make_user("volunteer")
    gone = make_user("volunteer", active=False)
    system = make_user("volunteer", email="reader-reports@factcheck.invalid", is_system=True)
    answers = [ask(app, email, address=f"203.0.113.{n}") for n, email in
               enumerate((person.email, "nobody@example.org", gone.email, system.email), start=10)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1  # byte for byte the same page
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == [person.email]
    assert len(reset_rows(app)) == 1
    malformed = ask(app, "not an address")
    assert malformed.status_code == 400 and SENT not in malformed.get_data(as_text=True)


@pytest.mark.parametrize(("own", "page", "expected"), [("hi", "en", "hi"), (None, "hi", "hi"), (None, None, "en")])
def test_the_mail_is_in_the_persons_language(app, make_user, smtp_server, run_jobs, own, page, expected):
    user = make_user("volunteer", locale=own)
    ask(app, user.email, lang=page)
    run_jobs()
    [message] = smtp_server.messages
    assert message["Content-Language"] == expected
    assert f'<html lang="{expected}">' in message.get_body(("html",)).get_content()


def test_an_expired_link_is_refused_and_changes_nothing(app, make_user, smtp_server, run_jobs):
    user = make_user("volunteer")
    ask(app, user.email)
    run_jobs()
    token = link_in(smtp_server.messages[0])
    with app.app_context():
        reset = db.session().scalars(select(PasswordReset)).one()
        reset.expires_at = db.utcnow() - dt.timedelta(seconds=1)
        db.commit()
    visitor = from_address(app, "198.51.100.30")
    page = visitor.get(f"/password/reset/{token}")
    assert page.status_code == 410 and "expired" in page.get_data(as_text=True)
    assert 'href="/password/forgot"' in page.get_data(as_text=True)
    sent = visitor.post(f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert sent.status_code == 410
    assert from_address(app, "198.51.100.31").login(user.email, PASSWORD).status_code == 302


@pytest.mark.parametrize("token", ["x" * 43, "short", "A" * 200, "not%20a%20token"])
def test_an_unknown_link_gets_a_clear_page(client, token):
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 404
    assert "not a valid password reset link" in page.get_data(as_text=True)


def test_asking_is_limited_per_account_and_per_address(app, make_user, smtp_server, run_jobs):
    user = make_user("volunteer")
    for n in range(5):  # from five addresses: the account gets three mails an hour, not more
        assert ask(app, user.email, address=f"192.0.2.{n + 1}").status_code == 200
    run_jobs()
    assert len(smtp_server.to(user.email)) == 3
    # One address may ask five times in 15 minutes, whatever it asks about.
    answers = [ask(app, f"someone{n}@example.org", address="192.0.2.99").status_code for n in range(6)]
    assert answers == [200] * 5 + [429]
    assert ask(app, user.email, address="192.0.2.99").status_code == 429


def test_a_failed_delivery_is_retried_and_the_link_that_arrives_works(app, make_user, smtp_server, run_jobs):
    user = make_user("volunteer")
    smtp_server.refuse(1)
    ask(app, user.email)
    run_jobs()
    assert smtp_server.messages == []
    with app.app_context():
        outgoing = db.session().scalars(select(OutgoingMail)).one()
        assert outgoing.attempts == 1 and "451" in outgoing.last_error and outgoing.sent_at is None
    run_jobs(scheduled=True)
    [message] = smtp_server.messages
    token = link_in(message)
    assert from_address(app, "198.51.100.40").get(f"/password/reset/{token}").status_code == 200
    run_jobs(scheduled=True)
    assert len(smtp_server.messages) == 1


def test_someone_with_a_one_time_password_can_reset_it(app, make_user, smtp_server, run_jobs):
    user = make_user("volunteer", must_change_password=True)
    ask(app, user.email)
    run_jobs()
    token = link_in(smtp_server.messages[0])
    visitor = from_address(app, "198.51.100.50")
    visitor.post(f"/password/reset/{token}", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    with app.app_context():
        assert db.session().get(User, user.id).must_change_password is False
    session = from_address(app, "198.51.100.51")
    assert session.login(user.email, NEW_PASSWORD).headers["Location"] == "/"


def test_a_new_password_ends_the_other_links_of_the_account(app, make_user, smtp_server, run_jobs):
    user = make_user("volunteer")
    ask(app, user.email, address="192.0.2.61")
    ask(app, user.email, address="192.0.2.62")
    run_jobs()
    first, second = (link_in(m) for m in smtp_server.messages)
    visitor = from_address(app, "198.51.100.60")
    assert visitor.post(f"/password/reset/{second}", {"password": NEW_PASSWORD,
                                                      "password_again": NEW_PASSWORD}).status_code == 302
    assert visitor.get(f"/password/reset/{first}").status_code == 410
