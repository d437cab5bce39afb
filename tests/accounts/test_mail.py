"""Mail through a real SMTP server on loopback: sent as configured, each message once, retried
with backoff when the server fails, queued again by the sweeper when its job was lost."""

from __future__ import annotations

import datetime as dt
import ssl
from typing import Any

import pytest
from sqlalchemy import select

from factcheck import db
from factcheck.config import Config, ConfigError, parse_smtp_url
from factcheck.mail import (
    JOB_RETRIES,
    LEASE,
    MAX_ATTEMPTS,
    MailError,
    Message,
    OutgoingMail,
    deliver,
    mail_enabled,
    queue_mail,
    requeue_unsent,
    send_mail,
)
from tests.conftest import free_port, running_smtp_server
from tests.httpserver import self_signed_certificate

TEST_JOB = "tests.send_mail"


@pytest.fixture
def config(config: Config, smtp_server: Any) -> Config:
    return config.replace(smtp_url=smtp_server.url)


@pytest.fixture
def outbox(app: Any) -> Any:
    """Queue a message (committed) whose job composes it from a counter; returns its id."""
    composed: list[int] = []

    def compose(row: OutgoingMail) -> Message:
        composed.append(row.id)
        return Message(subject=f"Hello {row.id}", text="The answer is ready.", html="<p>The answer is ready.</p>")

    queue = app.extensions["factcheck.queue"]
    if TEST_JOB not in queue.tasks:
        queue.task(TEST_JOB, **JOB_RETRIES)(lambda mail_id: deliver(mail_id, compose))

    def add(key: str = "test:1", recipient: str = "reader@example.org") -> int:
        with app.app_context():
            row = queue_mail(key, recipient, TEST_JOB)
            db.commit()
            return row.id

    add.composed = composed  # type: ignore[attr-defined]
    add.compose = compose  # type: ignore[attr-defined]
    return add


def row_of(app: Any, mail_id: int) -> OutgoingMail:
    with app.app_context():
        row = db.session().get(OutgoingMail, mail_id)
        assert row is not None
        return row


def change_row(app: Any, mail_id: int, **values: Any) -> None:
    with app.app_context():
        row = db.session().get(OutgoingMail, mail_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.commit()


# -- sending ------------------------------------------------------------------------------------


def test_a_message_goes_out_with_text_html_and_the_desk_as_sender(app, smtp_server):
    with app.app_context():
        assert mail_enabled()
        send_mail("reader@example.org", "Fact-check ready ✓", "Plain words.", "<p>HTML words.</p>",
                  message_id="<fixed.1@factcheck.example.org>")
    [message] = smtp_server.messages
    assert smtp_server.envelopes == [("factcheck@factcheck.example.org", ["reader@example.org"])]
    assert message["From"] == "factcheck@factcheck.example.org"
    assert message["Subject"] == "Fact-check ready ✓"
    assert message["Message-ID"] == "<fixed.1@factcheck.example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content().strip() == "Plain words."
    assert "<p>HTML words.</p>" in message.get_body(("html",)).get_content()


def test_the_sender_address_can_be_set(app, smtp_server):
    app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(mail_from="Fact desk <desk@example.org>")
    with app.app_context():
        send_mail("reader@example.org", "s", "t")
    assert smtp_server.messages[0]["From"] == "Fact desk <desk@example.org>"
    assert smtp_server.envelopes[0][0] == "desk@example.org"


def test_a_server_that_is_down_or_refuses_is_a_mail_error(app, smtp_server):
    smtp_server.refuse(1)
    with app.app_context(), pytest.raises(MailError, match="451"):
        send_mail("reader@example.org", "s", "t")
    app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    with app.app_context(), pytest.raises(MailError, match="could not connect"):
        send_mail("reader@example.org", "s", "t")
    assert smtp_server.messages == []


def authenticator(server, session, envelope, mechanism, data):
    """aiosmtpd's check of a login: user "desk", password "s3cret:/"."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    good = isinstance(data, LoginPassword) and (data.login, data.password) == (b"desk", b"s3cret:/")
    return AuthResult(success=good, handled=False)  # not handled: the server answers 535 itself


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_credentials_are_used_to_log_in(app):
    # A relay on this machine may take the password without TLS; see the next test for others.
    with running_smtp_server(authenticator=authenticator, auth_required=True, auth_require_tls=False) as inbox:
        port = inbox.url.rsplit(":", 1)[1]
        app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(smtp_url=f"smtp://desk:s3cret%3A%2F@127.0.0.1:{port}")
        with app.app_context():
            send_mail("reader@example.org", "s", "t")
        assert len(inbox.messages) == 1
        app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(smtp_url=f"smtp://desk:wrong@127.0.0.1:{port}")
        with app.app_context(), pytest.raises(MailError, match="535"):
            send_mail("reader@example.org", "s", "t")
        assert len(inbox.messages) == 1


def test_a_password_is_never_sent_in_clear_to_another_host(app):
    with running_smtp_server(auth_require_tls=False) as inbox:
        port = inbox.url.rsplit(":", 1)[1]
        # "127.1" reaches this machine but is not spelled as loopback: it stands for any other host.
        app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(smtp_url=f"smtp://desk:secret@127.1:{port}")
        with app.app_context(), pytest.raises(MailError, match="STARTTLS"):
            send_mail("reader@example.org", "s", "t")
        assert inbox.messages == []


def test_starttls_when_the_server_offers_it(app, tmp_path, monkeypatch):
    cert, key = self_signed_certificate(tmp_path, "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with running_smtp_server(host="localhost", tls_context=context, require_starttls=True,
                             authenticator=authenticator, auth_required=True) as inbox:
        app.config["FACTCHECK"] = app.config["FACTCHECK"].replace(
            smtp_url=inbox.url.replace("smtp://", "smtp://desk:s3cret%3A%2F@"))
        with app.app_context(), pytest.raises(MailError, match="(?i)certificate"):
            send_mail("reader@example.org", "s", "t")  # a certificate nobody vouches for
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now trusted, as a real one would be
        with app.app_context():
            send_mail("reader@example.org", "over TLS", "t")
        assert [m["Subject"] for m in inbox.messages] == ["over TLS"]
        assert inbox.encrypted == [True]


# -- once ---------------------------------------------------------------------------------------


def test_a_message_is_sent_once_however_often_its_job_runs(app, smtp_server, outbox):
    mail_id = outbox()
    with app.app_context():
        assert deliver(mail_id, outbox.compose) is True
        assert deliver(mail_id, outbox.compose) is False
    [message] = smtp_server.messages
    row = row_of(app, mail_id)
    assert row.sent_at is not None and row.due_at is None and row.attempts == 1
    with app.app_context():
        assert message["Message-ID"] == db.session().get(OutgoingMail, mail_id).message_id  # the same on a resend
    assert outbox.composed == [mail_id]


def test_a_message_another_worker_is_sending_is_left_to_it_until_its_lease_ends(app, smtp_server, outbox):
    mail_id = outbox()
    change_row(app, mail_id, claimed_at=db.utcnow() - dt.timedelta(minutes=1))
    with app.app_context():
        assert deliver(mail_id, outbox.compose) is False
    assert smtp_server.messages == []
    change_row(app, mail_id, claimed_at=db.utcnow() - LEASE - dt.timedelta(seconds=1))  # that worker died
    with app.app_context():
        assert deliver(mail_id, outbox.compose) is True
    assert len(smtp_server.messages) == 1


def test_a_failed_delivery_is_recorded_and_retried_with_backoff_then_sent_once(app, smtp_server, outbox):
    queue = app.extensions["factcheck.queue"]
    mail_id = outbox()
    smtp_server.refuse(2)
    queue.enqueue(TEST_JOB, mail_id)
    queue.run_pending()  # the first attempt fails; the retry waits
    row = row_of(app, mail_id)
    assert (row.attempts, row.sent_at, row.claimed_at) == (1, None, None)
    assert "451" in row.last_error
    assert dt.timedelta(seconds=25) < row.due_at - db.utcnow() <= dt.timedelta(seconds=30)
    scheduled = list(queue.huey.scheduled())
    assert len(scheduled) == 1 and scheduled[0].retries == MAX_ATTEMPTS - 2
    queue.run_pending(scheduled=True)  # the second fails too (then waits twice as long), the third goes
    row = row_of(app, mail_id)
    assert row.attempts == 3 and row.sent_at is not None and row.last_error == ""
    assert len(smtp_server.messages) == 1
    assert requeue_unsent_now(app) == 0
    assert len(smtp_server.messages) == 1


def test_after_the_last_attempt_the_message_is_given_up(app, smtp_server, outbox):
    mail_id = outbox()
    change_row(app, mail_id, attempts=MAX_ATTEMPTS - 1)
    smtp_server.refuse(1)
    with app.app_context():
        assert deliver(mail_id, outbox.compose) is False  # no MailError: no retry is wanted
        assert deliver(mail_id, outbox.compose) is False
    row = row_of(app, mail_id)
    assert row.failed_at is not None and row.due_at is None and "451" in row.last_error
    assert smtp_server.messages == []


def test_a_message_composed_as_nothing_is_dropped(app, smtp_server, outbox):
    mail_id = outbox()
    with app.app_context():
        assert deliver(mail_id, lambda row: None) is False
        assert deliver(mail_id, outbox.compose) is False
    assert row_of(app, mail_id).failed_at is not None
    assert smtp_server.messages == []


def requeue_unsent_now(app: Any) -> int:
    queue = app.extensions["factcheck.queue"]
    with app.app_context():
        count = requeue_unsent(queue, grace=dt.timedelta(0))
        db.commit()
    queue.run_pending()
    return count


def test_the_sweeper_sends_what_a_lost_job_or_a_dead_worker_left(app, smtp_server, outbox):
    outbox("test:lost")  # committed, but its job never queued
    died = outbox("test:died", "other@example.org")
    change_row(app, died, claimed_at=db.utcnow() - LEASE - dt.timedelta(minutes=1), attempts=1)
    with app.app_context():
        assert requeue_unsent(app.extensions["factcheck.queue"]) == 0  # not late yet: their jobs may still come
    assert requeue_unsent_now(app) == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["other@example.org", "reader@example.org"]
    assert requeue_unsent_now(app) == 0
    assert len(smtp_server.messages) == 2
    with app.app_context():
        rows = db.session().scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(r.key, r.attempts, r.sent_at is not None) for r in rows] == [
        ("test:lost", 1, True), ("test:died", 2, True)]


def test_one_message_is_queued_once(app, outbox):
    outbox("test:same")
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        outbox("test:same")


# -- configuration ------------------------------------------------------------------------------


def test_smtp_urls_are_read_and_checked_without_repeating_the_password(tmp_path):
    server = parse_smtp_url("smtps://desk%40example.org:p%40ss@mail.example.org")
    assert (server.scheme, server.host, server.port, server.username, server.password) == (
        "smtps", "mail.example.org", 465, "desk@example.org", "p@ss")
    assert parse_smtp_url("smtp://relay").port == 25 and parse_smtp_url("smtp://relay").username is None
    assert "p@ss" not in repr(server)
    for bad in ("http://mail.example.org", "smtp://", "smtp://u:secretword@h:99999", "smtp://h/path", "smtp://:pw@h"):
        with pytest.raises(ConfigError, match="FACTCHECK_SMTP_URL") as refused:
            Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_SMTP_URL": bad})
        assert "secretword" not in str(refused.value)
    config = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_SMTP_URL": "smtp://u:secretword@h:2525"})
    assert config.smtp_server is not None and config.smtp_server.port == 2525
    assert "secretword" not in repr(config)


def test_without_smtp_url_mail_is_off_and_the_sender_follows_the_public_url(tmp_path):
    config = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_PUBLIC_URL": "https://desk.example.in/x"})
    assert config.smtp_url is None and config.smtp_server is None and not mail_enabled(config)
    assert config.sender == "factcheck@desk.example.in"
    given = Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_MAIL_FROM": "Desk <desk@example.in>"})
    assert given.sender == "Desk <desk@example.in>"
    for bad in ("not an address", "desk@", "a@b\nBcc: x@y"):
        with pytest.raises(ConfigError, match="FACTCHECK_MAIL_FROM"):
            Config.from_env({"FACTCHECK_INSTANCE_DIR": str(tmp_path), "FACTCHECK_MAIL_FROM": bad})
