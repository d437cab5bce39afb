"""Notifications by e-mail through a real SMTP server on loopback: each arrives once, to the
people who asked for e-mail, in their language, also when the job fails or dies and runs again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from factcheck import db
from factcheck.config import Config
from factcheck.mail import LEASE, OutgoingMail, requeue_unsent
from factcheck.notify.models import Notification
from factcheck.notify.operations import SEND_JOB


@pytest.fixture
def _on_loopback() -> None:
    """Not the tripwire here: smtplib asks the system resolver for this machine's own name
    (``socket.getfqdn``) to greet the server, which it counts as a lookup. The SMTP server and
    the linked site are on loopback all the same."""


@pytest.fixture
def config(config: Config, smtp_server: Any) -> Config:
    return config.replace(smtp_url=smtp_server.url)


def body_of(message: Any) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def published_with_duplicates(make_user, make_claim, approved, move):
    """A claim filed by a Hindi reader, duplicated by three others, published: the four filers."""

    def run() -> tuple[list[Any], Any]:
        filers = [make_user("volunteer", locale="hi", notify_by_email=True),
                  make_user("volunteer", locale="en", notify_by_email=True),
                  make_user("volunteer", notify_by_email=True),
                  make_user("volunteer", locale="hi")]  # did not ask for e-mail
        original = approved(by=filers[0])
        for n in (1, 2, 3):
            make_claim(f"सभी बैंक 10 दिन बंद रहेंगे {n}", by=filers[n], status="duplicate", duplicate_of=original.id)
        move(original.id, "published")
        return filers, original

    return run


def test_each_filer_who_asked_gets_one_mail_in_their_language(published_with_duplicates, smtp_server, run_jobs,
                                                               told):
    filers, original = published_with_duplicates()
    assert smtp_server.messages == []  # nothing leaves inside the request
    run_jobs()
    assert len(told()) == 4  # all four are told in the app
    hindi, english, default, silent = filers
    assert smtp_server.to(silent.email) == []
    assert sorted(rcpt for _sender, rcpts in smtp_server.envelopes for rcpt in rcpts) == sorted(
        [hindi.email, english.email, default.email])
    [in_hindi] = smtp_server.to(hindi.email)
    assert in_hindi["Content-Language"] == "hi"
    assert in_hindi["Subject"].endswith(": गलत")
    text = body_of(in_hindi)
    assert f"नमस्ते {hindi.name}," in text
    assert "बैंक 10 दिन बंद नहीं रहेंगे" in text and "https://factcheck.example.org/fact-checks/" in text
    assert "https://wa.me/?text=%E0%A4%AB%E0%A4%BC%E0%A5%88%E0%A4%95%E0%A5%8D%E0%A4%9F" in text  # फ़ैक्ट-चेक
    [in_english] = smtp_server.to(english.email)
    assert in_english["Content-Language"] == "en"
    assert in_english["Subject"] == f"Claim #{original.id} has been fact-checked: False"
    assert "Hello " in body_of(in_english) and "https://wa.me/?text=Fact%20check%3A%20False" in body_of(in_english)
    assert smtp_server.to(default.email)[0]["Content-Language"] == "en"
    run_jobs(scheduled=True)
    assert len(smtp_server.messages) == 3


def test_a_failed_delivery_is_retried_and_each_mail_arrives_once(published_with_duplicates, smtp_server, run_jobs,
                                                                   app):
    smtp_server.refuse(2)
    filers, _original = published_with_duplicates()
    run_jobs()  # two refused (451), one sent
    assert len(smtp_server.messages) == 1
    with app.app_context():
        failed = db.session().scalars(select(OutgoingMail).where(OutgoingMail.sent_at.is_(None))).all()
        assert len(failed) == 2 and all("451" in row.last_error and row.attempts == 1 for row in failed)
    run_jobs(scheduled=True)
    assert sorted(rcpts[0] for _sender, rcpts in smtp_server.envelopes) == sorted(f.email for f in filers[:3])
    run_jobs(scheduled=True)
    assert len(smtp_server.messages) == 3


def test_a_job_killed_mid_send_is_run_again_and_sends_once(published_with_duplicates, smtp_server, run_jobs, app):
    filers, _original = published_with_duplicates()
    queue = app.extensions["factcheck.queue"]
    with app.app_context():
        # The worker took every job and claimed every message, then died before sending any.
        queue.huey.flush()
        db.session().execute(update(OutgoingMail).values(claimed_at=db.utcnow() - LEASE - dt.timedelta(seconds=1),
                                                         attempts=1))
        db.commit()
        # The sweeper (every minute, and when a worker starts) queues the lost jobs again.
        assert requeue_unsent(queue, grace=dt.timedelta(0)) == 3
        db.commit()
        mail_ids = list(db.session().scalars(select(Notification.mail_id).where(Notification.mail_id.is_not(None))))
    run_jobs()
    assert len(smtp_server.messages) == 3
    # The same jobs run once more (a duplicate in the queue, a second sweep): nothing is sent twice.
    for mail_id in mail_ids:
        queue.enqueue(SEND_JOB, mail_id)
    with app.app_context():
        assert requeue_unsent(queue, grace=dt.timedelta(0)) == 0
        db.commit()
    run_jobs(scheduled=True)
    assert sorted(rcpts[0] for _sender, rcpts in smtp_server.envelopes) == sorted(f.email for f in filers[:3])


def test_who_stopped_wanting_mail_gets_none(published_with_duplicates, smtp_server, run_jobs, app):
    filers, _original = published_with_duplicates()
    with app.app_context():
        db.session().execute(update(type(filers[0])).where(type(filers[0]).id == filers[1].id)
                             .values(notify_by_email=False))
        db.commit()
    run_jobs()
    assert smtp_server.to(filers[1].email) == []
    assert len(smtp_server.messages) == 2
