"""The accounts' jobs: look up who asked for a password reset, and mail them their link once."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from factcheck import db, mail
from factcheck.accounts import recovery
from factcheck.accounts.models import PasswordReset
from factcheck.config import config_of, current_config
from factcheck.jobs import JobQueue
from factcheck.mail import Message, OutgoingMail
from factcheck.urls import absolute_url


def register(queue: JobQueue) -> None:
    """Register the accounts' jobs on ``queue`` (and the mail sweeper, when mail is sent)."""

    # Retried when the database is busy: it writes nothing until it succeeds.
    @queue.task(recovery.REQUEST_JOB, retries=3, retry_delay=10)
    def password_reset_requested(email: str, locale: str) -> None:
        recovery.start_reset(email, locale)

    @queue.task(recovery.SEND_JOB, **mail.JOB_RETRIES)
    def send_password_reset(mail_id: int) -> None:
        mail.deliver(mail_id, compose_password_reset)

    if mail.mail_enabled(config_of(queue.app)):
        mail.register_sweeper(queue)


def compose_password_reset(outgoing: OutgoingMail) -> Message | None:
    """The reset mail, in its recipient's language, with a fresh link (None: no longer wanted)."""
    reset = db.session().scalar(select(PasswordReset).where(PasswordReset.mail_id == outgoing.id))
    if reset is None:
        return None
    token = recovery.issue_token(reset)
    if token is None:
        return None
    config = current_config()
    language = reset.user.locale or reset.locale
    with force_locale(language):
        values = {
            "link": absolute_url("accounts.reset_by_link", token=token),
            "site": config.site_name,
            "name": reset.user.name,
            "hours": int(recovery.LINK_LIFETIME.total_seconds() // 3600),
        }
        return Message(
            subject=_("Reset your password for %(site)s", site=config.site_name),
            text=render_template("accounts/mail/password_reset.txt", **values),
            html=render_template("accounts/mail/password_reset.html", **values),
            language=language,
        )
