"""Without FACTCHECK_SMTP_URL nothing is ever sent: no reset by e-mail (staff reset passwords),
no notification choice, no mail rows, no sweeper."""

from __future__ import annotations

from sqlalchemy import func, select

from factcheck import db
from factcheck.mail import SWEEP_JOB, MailError, OutgoingMail, mail_enabled, send_mail
from tests.accounts.conftest import from_address


def test_the_login_page_offers_no_reset_by_e_mail(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/password/forgot" not in page and "Forgot" not in page


def test_asking_for_a_reset_is_not_found_and_sends_nothing(app, make_user, run_jobs):
    user = make_user("volunteer")
    visitor = from_address(app, "203.0.113.7")
    assert visitor.get("/password/forgot").status_code == 404
    assert visitor.post("/password/forgot", {"email": user.email}).status_code == 404
    run_jobs(scheduled=True)
    with app.app_context():
        assert not mail_enabled()
        assert db.session().scalar(select(func.count()).select_from(OutgoingMail)) == 0
        try:
            send_mail(user.email, "s", "t")
        except MailError as exc:
            assert "FACTCHECK_SMTP_URL" in str(exc)
        else:
            raise AssertionError("sent without an SMTP server")
    assert SWEEP_JOB not in app.extensions["factcheck.queue"].tasks


def test_staff_still_reset_passwords(browser, make_user):
    user = make_user("volunteer")
    staff = browser(make_user("staff"))
    page = staff.post(f"/users/{user.id}/password")
    assert page.status_code == 200 and "one-time" in page.get_data(as_text=True).lower()


def test_the_account_page_offers_no_e_mail_notifications(browser, make_user):
    page = browser(make_user("volunteer")).get("/account").get_data(as_text=True)
    assert 'name="notify_by_email"' not in page
    assert 'name="timezone"' in page and 'name="locale"' in page
