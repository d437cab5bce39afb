"""Notify's jobs: send a notification's e-mail once, in its recipient's language, and keep the
matches a new claim was filed with."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select

from factcheck import db, mail
from factcheck.config import config_of, current_config
from factcheck.i18n import supported_locale
from factcheck.jobs import JobQueue
from factcheck.mail import Message, OutgoingMail
from factcheck.notify import seen_before
from factcheck.notify.models import Notification
from factcheck.notify.operations import SEND_BATCH_JOB, SEND_JOB
from factcheck.notify.present import told
from factcheck.urls import absolute_url


def register(queue: JobQueue) -> None:
    """Register notify's jobs on ``queue`` (and the mail sweeper, when mail is sent)."""

    @queue.task(SEND_JOB, **mail.JOB_RETRIES)
    def send_notification(mail_id: int) -> None:
        mail.deliver(mail_id, compose_notification)

    @queue.task(SEND_BATCH_JOB, **mail.JOB_RETRIES)
    def send_notifications(mail_ids: list[int]) -> None:
        deliver_all(mail_ids)

    # Retried when the index or the database is busy; a second run keeps nothing more.
    @queue.task(seen_before.RECORD_JOB, retries=3, retry_delay=10)
    def record_matches(claim_id: int) -> None:
        seen_before.record_matches(claim_id)

    if mail.mail_enabled(config_of(queue.app)):
        mail.register_sweeper(queue)


def deliver_all(mail_ids: list[int]) -> int:
    """Send each of these messages unless it was sent already; return how many were sent now.
    One that fails does not stop the others; the first failure is raised at the end, for the job
    to run again (those sent by then are not sent twice)."""
    sent = 0
    failure: mail.MailError | None = None
    for mail_id in mail_ids:
        try:
            sent += mail.deliver(mail_id, compose_notification)
        except mail.MailError as exc:
            failure = failure or exc
    if failure is not None:
        raise failure
    return sent


def compose_notification(outgoing: OutgoingMail) -> Message | None:
    """The notification's e-mail in its recipient's language (None: they no longer want mail)."""
    row = db.session().scalar(select(Notification).where(Notification.mail_id == outgoing.id))
    if row is None or not row.user.active or not row.user.notify_by_email:
        return None
    config = current_config()
    language = supported_locale(row.user.locale)
    with force_locale(language):
        said = told(row)
        subject = f"{said.title}: {said.verdict}" if said.verdict else said.title
        values = {"told": said, "site": config.site_name, "name": row.user.name,
                  "inbox": absolute_url("notify.inbox")}
        return Message(
            subject=subject,
            text=render_template("notify/mail/notification.txt", **values),
            html=render_template("notify/mail/notification.html", **values),
            language=language,
        )
