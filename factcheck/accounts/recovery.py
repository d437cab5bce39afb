"""Password reset by e-mail: ask with your address, get a single-use link that expires, choose a
new password. Only when an SMTP server is configured; without one, staff reset passwords.

Asking gets the same answer whatever the address, and costs the request the same: it only
queues a job (:data:`REQUEST_JOB`), which looks the account up. So neither the page nor its
timing tells whether an account exists. The link's token is made by the job that writes the
mail (:data:`SEND_JOB`): it is never stored, queued or logged in clear, only its SHA-256 is kept.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import logging
import re
import secrets
import uuid

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from factcheck import db
from factcheck.accounts.models import PasswordReset, User
from factcheck.accounts.operations import (
    check_password_rules,
    end_every_session,
    find_user_by_email,
    hash_password,
    normalise_email,
)
from factcheck.audit import record_event
from factcheck.errors import WorkbenchError
from factcheck.i18n import supported_locale
from factcheck.jobs import get_queue
from factcheck.mail import queue_mail

log = logging.getLogger(__name__)

LINK_LIFETIME = dt.timedelta(hours=1)
MAX_MAILS_PER_HOUR = 3  # reset mails one account gets in an hour, however many addresses ask
STALE_AFTER = dt.timedelta(days=1)  # a mail that could not be sent for a day is no longer wanted
TOKEN_BYTES = 32
TOKEN_FORM = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
REQUEST_JOB = "accounts.password_reset_requested"
SEND_JOB = "accounts.send_password_reset"


class LinkProblem(enum.StrEnum):
    """Why a reset link does not work."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class LinkRefused(WorkbenchError):
    """A reset link that does not work (any more); ``problem`` says why. Its page answers 404
    for a link that never existed, 410 (gone) for one that expired or was used."""

    status = 404

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(link_problem_message(problem))
        self.problem = problem
        self.status = 404 if problem is LinkProblem.UNKNOWN else 410


def link_problem_message(problem: LinkProblem) -> str:
    """What a person who opened a link that does not work is told, in their language."""
    return {
        LinkProblem.UNKNOWN: _("This link is not a valid password reset link. It may have been copied only in "
                               "part: open it from the e-mail again, or ask for a new one."),
        LinkProblem.EXPIRED: _("This link has expired: a password reset link works for one hour. "
                               "Ask for a new one."),
        LinkProblem.USED: _("This link has been used already: each link works once. If you did not "
                            "reset your password, ask for a new link now, and tell a staff member."),
    }[problem]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# -- asking -------------------------------------------------------------------------------------


def ask_for_reset(email: str, locale: str) -> None:
    """Someone asked for a reset link for ``email``: queue the job that looks the account up
    (after commit). Only the address's form is checked here, so the answer is the same for
    every well-formed address."""
    email = normalise_email(email)
    get_queue().enqueue_after_commit(REQUEST_JOB, email, supported_locale(locale))


def start_reset(email: str, locale: str) -> PasswordReset | None:
    """The job's part of asking: record a reset for the active account ``email`` names and
    queue its mail (after commit), unless that account had :data:`MAX_MAILS_PER_HOUR` already."""
    user = find_user_by_email(email)
    if user is None or not user.active or user.is_system:
        return None
    db.lock(user)  # one request at a time per account, so that the count below holds
    session = db.session()
    recent = session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.requested_at > db.utcnow() - dt.timedelta(hours=1)))
    if (recent or 0) >= MAX_MAILS_PER_HOUR:
        log.info("password reset for user %s not mailed: %d mails in the last hour", user.id, recent)
        return None
    mail = queue_mail(f"password_reset:{uuid.uuid4().hex}", user.email, SEND_JOB)
    reset = PasswordReset(user=user, mail=mail, locale=supported_locale(locale))
    session.add(reset)
    session.flush()
    record_event("password_reset_requested", actor=None, user_id=user.id)
    get_queue().enqueue_after_commit(SEND_JOB, mail.id)
    return reset


def issue_token(reset: PasswordReset) -> str | None:
    """Make the link's token for the mail about to be sent (flushes; only its hash is kept),
    replacing any token an earlier, failed attempt made; None when the mail is no longer wanted
    (the link was used, the account deactivated, or the request is a day old)."""
    now = db.utcnow()
    if reset.used_at is not None or not reset.user.active or now - reset.requested_at > STALE_AFTER:
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    reset.token_hash = token_hash(token)
    reset.expires_at = now + LINK_LIFETIME
    db.session().flush()
    return token


# -- using the link -----------------------------------------------------------------------------


def check_link(token: str) -> PasswordReset:
    """The reset a link's token belongs to, or :class:`LinkRefused` saying why it does not work."""
    if not TOKEN_FORM.match(token):
        raise LinkRefused(LinkProblem.UNKNOWN)
    reset = db.session().scalar(select(PasswordReset).where(PasswordReset.token_hash == token_hash(token)))
    if reset is None or not reset.user.active or reset.user.is_system:
        raise LinkRefused(LinkProblem.UNKNOWN)
    if reset.used_at is not None:
        raise LinkRefused(LinkProblem.USED)
    if reset.expires_at is None or reset.expires_at <= db.utcnow():
        raise LinkRefused(LinkProblem.EXPIRED)
    return reset


def reset_with_link(token: str, password: str) -> User:
    """Set a new password with a reset link: the link and every other one of the account stop
    working, and every session of the account ends. Returns the account."""
    reset = check_link(token)
    db.lock(reset)  # two tabs sending the form at once: the second finds it used
    reset = check_link(token)
    check_password_rules(password)
    user = reset.user
    now = db.utcnow()
    user.password_hash = hash_password(password)
    user.must_change_password = False
    db.session().execute(update(PasswordReset).where(PasswordReset.user_id == user.id,
                                                     PasswordReset.used_at.is_(None))
                         .values(used_at=now).execution_options(synchronize_session="fetch"))
    end_every_session(user)
    record_event("password_reset_by_link", actor=user, user_id=user.id)
    return user
