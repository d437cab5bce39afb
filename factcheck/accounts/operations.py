"""Account operations: users, passwords and API tokens. They flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from factcheck import db
from factcheck.accounts.models import ApiToken, Role, User
from factcheck.audit import record_event
from factcheck.errors import NotFound, ValidationError
from factcheck.inputs import text_problem

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
MAX_NAME_LENGTH = 120
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
TOKEN_PREFIX = "fcw_"  # noqa: S105 - a public prefix, not a secret
# Checked against when no such user exists, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


def hash_password(password: str) -> str:
    """Hash with scrypt (Werkzeug's current default, named so a future default cannot weaken it)."""
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str) -> None:
    if text_problem(password):
        raise ValidationError({"password": text_problem(password) or ""})
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({"password": _("use at least %(count)s characters", count=MIN_PASSWORD_LENGTH)})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError({"password": _("use at most %(count)s characters", count=MAX_PASSWORD_LENGTH)})


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if text_problem(email) or not EMAIL.match(email) or len(email) > 254:
        raise ValidationError({"email": _("not an e-mail address")})
    return email


def find_user_by_email(email: str) -> User | None:
    email = email.strip().lower()
    if text_problem(email) or len(email) > 254:
        return None
    return db.session().scalar(select(User).where(User.email == email))


def clean_name(name: str) -> str:
    """A display name as shown to others: one line, at most 120 characters, plain text."""
    if text_problem(name):
        raise ValidationError({"name": text_problem(name) or ""})
    name = " ".join(name.split())
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": _("at most %(count)s characters", count=MAX_NAME_LENGTH)})
    return name


def create_user(
    email: str,
    role: str,
    password: str,
    *,
    name: str = "",
    actor: User | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an account with one role of SPEC §1."""
    email = normalise_email(email)
    _check_role(role)
    check_password_rules(password)
    if find_user_by_email(email) is not None:
        raise ValidationError({"email": _("an account with this e-mail exists")})
    user = User(
        email=email,
        role=role,
        name=clean_name(name),
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session = db.session()
    session.add(user)
    session.flush()
    record_event("user_created", actor=actor, user_id=user.id, role=role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or ``None``."""
    user = find_user_by_email(email)
    if user is None or not user.active or user.is_system or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = db.utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise ValidationError({"current_password": _("this is not your current password")})
    check_password_rules(new)
    if current == new:
        raise ValidationError({"password": _("choose a password different from the current one")})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    end_every_session(user)
    record_event("password_changed", actor=user, user_id=user.id)


def reset_password(actor: User, user: User) -> str:
    """Give ``user`` a new one-time password (staff), ending their sessions; return it."""
    if user.is_system:
        raise NotFound(_("No such user."))
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    user.must_change_password = True
    end_every_session(user)
    record_event("password_reset", actor=actor, user_id=user.id)
    return password


def end_every_session(user: User) -> None:
    """End every browser session of ``user`` at once (their cookies stop working)."""
    user.session_version += 1
    db.session().flush()


def set_name(actor: User, user: User, name: str) -> None:
    """Set the display name others see (and public credit uses); a person sets their own."""
    if actor.id != user.id and not actor.has_role(Role.STAFF):
        raise NotFound(_("No such user."))
    user.name = clean_name(name)
    db.session().flush()
    record_event("name_changed", actor=actor, user_id=user.id)


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:  # the API's names for the roles, as clients send them
        raise ValidationError({"role": _("one of: %(roles)s", roles=", ".join(r.value for r in Role))})


def set_role(actor: User, user: User, role: str) -> None:
    _check_role(role)
    before, user.role = user.role, role
    db.session().flush()
    record_event("role_changed", actor=actor, user_id=user.id, before=before, after=role)


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationError({"active": _("you cannot deactivate your own account")})
    user.active = active
    if not active:
        end_every_session(user)
    db.session().flush()
    record_event("user_activated" if active else "user_deactivated", actor=actor, user_id=user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, label: str = "") -> tuple[ApiToken, str]:
    """Create an API token; return the row and the token itself, which is never stored."""
    if text_problem(label):
        raise ValidationError({"label": text_problem(label) or ""})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:12], label=" ".join(label.split())[:120])
    session = db.session()
    session.add(row)
    session.flush()
    record_event("token_created", actor=user, user_id=user.id, token_id=row.id)
    return row, token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or ``None``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    # Its user in the same query: every API request asks, and each query is a round trip.
    row = db.session().scalar(select(ApiToken).options(joinedload(ApiToken.user))
                              .where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


def revoke_token(user: User, token_id: int) -> None:
    row = db.session().get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such token."))
    if row.revoked_at is None:
        row.revoked_at = db.utcnow()
        db.session().flush()
        record_event("token_revoked", actor=user, user_id=user.id, token_id=row.id)
