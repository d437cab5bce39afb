"""Account operations: users, passwords and API tokens. They flush; the caller commits."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from factcheck import db
from factcheck.accounts.models import ApiToken, Role, User
from factcheck.audit import record_event
from factcheck.errors import NotFound, ValidationError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
TOKEN_PREFIX = "fcw_"  # noqa: S105 - a public prefix, not a secret
# Checked against when no such user exists, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


def hash_password(password: str) -> str:
    """Hash with scrypt (Werkzeug's current default, named so a future default cannot weaken it)."""
    return generate_password_hash(password, method="scrypt")


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError({"password": f"use at least {MIN_PASSWORD_LENGTH} characters"})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError({"password": f"use at most {MAX_PASSWORD_LENGTH} characters"})


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ValidationError({"email": "not an e-mail address"})
    return email


def find_user_by_email(email: str) -> User | None:
    return db.session().scalar(select(User).where(User.email == email.strip().lower()))


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
    if role not in {r.value for r in Role}:
        raise ValidationError({"role": "one of: " + ", ".join(r.value for r in Role)})
    check_password_rules(password)
    if find_user_by_email(email) is not None:
        raise ValidationError({"email": "an account with this e-mail exists"})
    user = User(
        email=email,
        role=role,
        name=name.strip()[:120],
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
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_login_at = db.utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current):
        raise ValidationError({"current_password": "this is not your current password"})
    check_password_rules(new)
    if current == new:
        raise ValidationError({"password": "choose a password different from the current one"})
    user.password_hash = hash_password(new)
    user.must_change_password = False
    db.session().flush()
    record_event("password_changed", actor=user, user_id=user.id)


def set_role(actor: User, user: User, role: str) -> None:
    if role not in {r.value for r in Role}:
        raise ValidationError({"role": "one of: " + ", ".join(r.value for r in Role)})
    before, user.role = user.role, role
    db.session().flush()
    record_event("role_changed", actor=actor, user_id=user.id, before=before, after=role)


def set_active(actor: User, user: User, active: bool) -> None:
    if user.id == actor.id and not active:
        raise ValidationError({"active": "you cannot deactivate your own account"})
    user.active = active
    db.session().flush()
    record_event("user_activated" if active else "user_deactivated", actor=actor, user_id=user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, label: str = "") -> tuple[ApiToken, str]:
    """Create an API token; return the row and the token itself, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token), prefix=token[:12], label=label.strip()[:120])
    session = db.session()
    session.add(row)
    session.flush()
    record_event("token_created", actor=user, user_id=user.id, token_id=row.id)
    return row, token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or ``None``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session().scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


def revoke_token(user: User, token_id: int) -> None:
    row = db.session().get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("no such token")
    if row.revoked_at is None:
        row.revoked_at = db.utcnow()
        db.session().flush()
        record_event("token_revoked", actor=user, user_id=user.id, token_id=row.id)
