"""Without an SMTP server configured, notifications stay in the app: no mail is queued."""

from __future__ import annotations

from sqlalchemy import func, select

from factcheck import db
from factcheck.mail import OutgoingMail
from factcheck.notify.models import Notification


def test_without_smtp_people_are_told_in_the_app_only(app, make_user, approved, move, run_jobs):
    filer = make_user("volunteer", notify_by_email=True)
    move(approved(by=filer).id, "published")
    run_jobs()
    with app.app_context():
        session = db.session()
        [row] = session.scalars(select(Notification)).all()
        assert row.user_id == filer.id and row.mail_id is None
        assert session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
