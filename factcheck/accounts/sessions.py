"""Who is asking: the browser session (Flask-Login) or a bearer token, and sessions that end.

A session cookie holds the user's id and the session version it was made under. Logging out,
changing or resetting a password and deactivation raise the version, so every session of that
user ends at once, on every device, including cookies copied before.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from factcheck import db
from factcheck.accounts.models import User
from factcheck.accounts.operations import user_for_token
from factcheck.errors import Forbidden
from factcheck.extensions import login_manager
from factcheck.web import bearer_token, is_api_request, parse_id

# Pages a user with a one-time password may still open.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"accounts.change_password", "accounts.reset_by_link", "accounts.logout",
                                       "static"})


def init_app(app: Flask) -> None:
    """Load users from the session cookie or a bearer token, and send users with a one-time
    password to choose their own first."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_user_from_session)
    login_manager.request_loader(_user_from_token)
    app.before_request(_require_own_password)


def start_session(user: User) -> None:
    """Log ``user`` in on this browser with a fresh session: nothing from before the login
    (a CSRF token included) is carried over."""
    session.clear()
    login_user(user)


def end_session() -> None:
    """Log this browser out (the caller has already ended the user's other sessions)."""
    logout_user()
    session.clear()


def _user_from_session(value: str) -> User | None:
    # A request that carries a bearer token is authenticated by the token alone.
    if bearer_token() is not None:
        return None
    user_id, _sep, version = value.partition(":")
    number = parse_id(user_id)
    if number is None or not version.isdigit():
        return None
    user = db.session().get(User, number)
    if user is None or not user.active or user.is_system or user.session_version != int(version):
        return None
    return user


def _user_from_token(_request: Any) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    user = user_for_token(token)
    g.authenticated_by_token = user is not None
    g.bad_token = user is None
    return user


def _require_own_password() -> Any:
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    if is_api_request():
        raise Forbidden(_("Change your one-time password first."))
    return redirect(url_for("accounts.change_password"))
