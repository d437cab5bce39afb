"""Outgoing e-mail: SMTP (``FACTCHECK_SMTP_URL``), and messages sent once, from jobs.

Mail never leaves inside a request. An operation records the message to send with
:func:`queue_mail` (a row of ``outgoing_mail``, under a key naming what it is, so one message is
never queued twice) and queues its feature's job with the row's id after commit. The job calls
:func:`deliver`, which sends the message unless it was sent already, and records the outcome.

How "once" is kept, and where SMTP stops it:

* Before sending, the job claims the row in a committed write (a conditional UPDATE: not sent,
  not given up, not claimed by another worker in the last :data:`LEASE`). Two workers, or a job
  and the sweeper's copy of it, never both hold one message.
* Once the server has accepted the message (its answer to DATA), the row is marked sent in the
  next commit, and no later run sends it again. A failure when saying goodbye (QUIT) after the
  acceptance is not a failed delivery.
* The one window left: the worker dies, or the database refuses that last commit, between the
  server's acceptance and the mark (or the server's answer to DATA is lost on the way back). SMTP
  has no idempotent submission, so nothing on our side can close it; once the lease has passed
  the sweeper sends the message again, with the same Message-ID (mail clients show messages
  with one Message-ID as one). We choose "at least once" in that window over "at most once": a
  missing reset link or debunk is worse than a second copy.

A failed delivery raises :class:`MailError` from the job, which huey retries with exponential
backoff (:data:`JOB_RETRIES`); after :data:`MAX_ATTEMPTS` the message is given up and logged.
A sweeper (every minute, and when a worker starts) queues again messages whose job was lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

from sqlalchemy import Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from factcheck import db
from factcheck.config import Config, SmtpServer, current_config
from factcheck.db import Base, utcnow

if TYPE_CHECKING:  # the queue is plumbing beside this module; it is handed in, never imported
    from factcheck.jobs import JobQueue

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30.0  # seconds for connecting and for each SMTP command
LEASE = dt.timedelta(minutes=10)  # a claim older than this belongs to a worker that died
SWEEP_GRACE = dt.timedelta(minutes=2)  # how late a job may be before the sweeper queues it again
MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = 30  # seconds; doubled after each failure (30 s, 1 min, 2 min, … about 4 h in all)
# The retry options of every job that calls deliver(): huey's own exponential backoff.
JOB_RETRIES: dict[str, Any] = {"retries": MAX_ATTEMPTS - 1, "retry_delay": FIRST_RETRY_DELAY, "retry_backoff": 2}
SWEEP_JOB = "mail.sweep"


class MailError(Exception):
    """A message could not be handed to the SMTP server; the text says why (never a password)."""


@dataclass(frozen=True)
class Message:
    """What a job composes: the subject, the plain text, optionally an HTML alternative, and
    the language it is written in."""

    subject: str
    text: str
    html: str | None = None
    language: str | None = None


class OutgoingMail(Base):
    """One message to send: what it is (``key``), to whom, the job that composes and sends it,
    and what happened to it so far."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (Index("ix_outgoing_mail_due_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    job: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # When the sweeper should look at it, if no job has by then; None once sent or given up.
    due_at: Mapped[dt.datetime | None] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    @property
    def message_id(self) -> str:
        """The same Message-ID on every copy of this message (see the module's docstring)."""
        digest = hashlib.sha256(f"{self.key}|{self.created_at.isoformat()}".encode()).hexdigest()[:20]
        return f"<factcheck.{self.id}.{digest}@{_domain(current_config().sender)}>"


# -- sending ------------------------------------------------------------------------------------


def mail_enabled(config: Config | None = None) -> bool:
    """Whether an SMTP server is configured (without one, nothing is ever sent)."""
    return (config or current_config()).smtp_url is not None


def send_mail(to: str, subject: str, text: str, html: str | None = None, *, message_id: str | None = None,
              language: str | None = None) -> None:
    """Hand one message to the configured SMTP server, or raise :class:`MailError`.

    ``smtps://`` speaks TLS from the start; ``smtp://`` upgrades with STARTTLS when the server
    offers it. A password is sent only over TLS, or to a server on this machine.
    """
    config = current_config()
    server = config.smtp_server
    if server is None:
        raise MailError("no SMTP server is configured (FACTCHECK_SMTP_URL)")
    message = _build(config.sender, to, subject, text, html, message_id)
    if language:
        message["Content-Language"] = language
    where = f"{server.host}:{server.port}"
    try:
        client = _connect(server)
    except OSError as exc:  # smtplib's and ssl's errors are OSErrors too
        raise MailError(f"could not connect to the SMTP server {where}: {_describe(exc)}") from exc
    try:
        _secure_and_log_in(client, server)
        client.send_message(message)
    except OSError as exc:
        raise MailError(f"the SMTP server {where} did not take the message: {_describe(exc)}") from exc
    finally:
        _close(client)


def _build(sender: str, to: str, subject: str, text: str, html: str | None, message_id: str | None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid("factcheck", domain=_domain(sender))
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to the workbench
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _connect(server: SmtpServer) -> smtplib.SMTP:
    if server.implicit_tls:
        return smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context())
    return smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT)


def _secure_and_log_in(client: smtplib.SMTP, server: SmtpServer) -> None:
    encrypted = server.implicit_tls
    if not encrypted:
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
            encrypted = True
    if server.username is None:
        return
    if not encrypted and not _is_local(server.host):
        raise MailError(f"the SMTP server {server.host}:{server.port} offers no STARTTLS: the password "
                        "is not sent in clear (use smtps://, or a server that offers STARTTLS)")
    # One attempt with one mechanism: PLAIN (over TLS) when offered. smtplib's login() would try
    # each mechanism in turn, counting a wrong password several times against the account.
    mechanisms = str(client.esmtp_features.get("auth", "")).upper().split()
    if "PLAIN" not in mechanisms:
        client.login(server.username, server.password or "")
        return
    client.user, client.password = server.username, server.password or ""
    client.auth("PLAIN", client.auth_plain)


def _close(client: smtplib.SMTP) -> None:
    """Say goodbye. Once the message is accepted, a failure here changes nothing."""
    try:
        client.quit()
    except OSError:
        client.close()


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _domain(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2] or "localhost"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        detail = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"{exc.smtp_code} {detail}"[:300]
    return (str(exc) or type(exc).__name__)[:300]


# -- sending once -------------------------------------------------------------------------------


def queue_mail(key: str, recipient: str, job: str) -> OutgoingMail:
    """Record a message to send (flushes). The caller then queues ``job`` with the row's id
    after commit (``JobQueue.enqueue_after_commit``); the job composes it and calls :func:`deliver`."""
    row = OutgoingMail(key=key, recipient=recipient, job=job)
    session = db.session()
    session.add(row)
    session.flush()
    return row


def deliver(mail_id: int, compose: Callable[[OutgoingMail], Message | None]) -> bool:
    """Send message ``mail_id`` unless it was sent already or is being sent; return whether it
    was sent now. ``compose`` writes it (it may change rows: they are committed with the claim,
    before the message leaves); returning None drops the message (nothing to say any more).

    Call it only from a job: it commits (the claim, then the outcome). A failed delivery is
    recorded and raised as :class:`MailError` for the job to be retried, until the last attempt.
    """
    session = db.session()
    now = utcnow()
    claimed = session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None),
               or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < now - LEASE))
        .values(claimed_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False))
    if getattr(claimed, "rowcount", 0) != 1:
        db.rollback()  # sent already, given up, or another worker holds it now
        return False
    row = session.get(OutgoingMail, mail_id, populate_existing=True)
    assert row is not None  # noqa: S101 - it was claimed just now
    message = compose(row)
    if message is None:
        _finish(row, failed_at=now, error="nothing to send any more")
        db.commit()
        return False
    row.due_at = now + _retry_delay(row.attempts)
    db.commit()
    try:
        send_mail(row.recipient, message.subject, message.text, message.html, message_id=row.message_id,
                  language=message.language)
    except MailError as exc:
        last = row.attempts >= MAX_ATTEMPTS
        row.claimed_at = None
        row.last_error = str(exc)[:1000]
        if last:
            _finish(row, failed_at=utcnow(), error=row.last_error)
        db.commit()
        if last:
            log.error("mail %s (%s) given up after %d attempts: %s", row.id, row.key, row.attempts, exc)
            return False
        log.warning("mail %s (%s), attempt %d, failed: %s", row.id, row.key, row.attempts, exc)
        raise
    _finish(row, sent_at=utcnow())
    db.commit()
    return True


def _finish(row: OutgoingMail, *, sent_at: dt.datetime | None = None, failed_at: dt.datetime | None = None,
            error: str = "") -> None:
    row.sent_at, row.failed_at, row.last_error = sent_at, failed_at, error
    row.due_at = row.claimed_at = None
    db.session().flush()


def _retry_delay(attempts: int) -> dt.timedelta:
    """How long after failed attempt number ``attempts`` the job runs again (huey's backoff)."""
    return dt.timedelta(seconds=FIRST_RETRY_DELAY * 2 ** max(0, attempts - 1))


# -- the sweeper --------------------------------------------------------------------------------


def requeue_unsent(queue: JobQueue, grace: dt.timedelta = SWEEP_GRACE, limit: int = 500) -> int:
    """Queue again the job of every message that is due and that no job has taken (its job was
    lost, or a worker died while sending); return how many were queued. Flushes."""
    now = utcnow()
    session = db.session()
    rows = session.execute(
        select(OutgoingMail.id, OutgoingMail.job)
        .where(OutgoingMail.due_at <= now - grace,
               or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < now - LEASE))
        .order_by(OutgoingMail.due_at).limit(limit)).all()
    queued = [(mail_id, job) for mail_id, job in rows if job in queue.tasks]
    if queued:
        # Not again before the job has had its chance (the queue may be long).
        session.execute(update(OutgoingMail).where(OutgoingMail.id.in_([mail_id for mail_id, _job in queued]))
                        .values(due_at=now + SWEEP_GRACE).execution_options(synchronize_session=False))
        session.flush()
        log.info("queued %d unsent messages again", len(queued))
    for mail_id, job in queued:
        queue.enqueue(job, mail_id)
    return len(queued)


def register_sweeper(queue: JobQueue) -> None:
    """Sweep for unsent mail every minute and when a worker starts (once per queue, whichever
    feature sending mail asks first)."""
    from huey import crontab

    if SWEEP_JOB in queue.tasks:
        return

    @queue.periodic(SWEEP_JOB, crontab(minute="*"))
    def sweep() -> None:
        requeue_unsent(queue)

    queue.add_recovery(lambda q: requeue_unsent(q, grace=dt.timedelta(0)))
