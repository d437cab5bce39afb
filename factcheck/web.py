"""The request edge: one commit per request, closed by default, CSRF, security headers.

Views and API handlers call operations and return; :class:`WorkbenchApp` commits once when the
response is a success and rolls back otherwise, so an error halfway leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as RoutingValidationError

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.accounts.operations import user_for_token
from factcheck.db import MAX_ID
from factcheck.errors import Forbidden
from factcheck.extensions import csrf, login_manager

F = TypeVar("F", bound=Callable[..., Any])

APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'{frames}"
)


def parse_id(raw: str | None) -> int | None:
    """``raw`` as a database id, or ``None`` when it is not one (not digits, zero, too large)."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 12:
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def page_arg(name: str = "page") -> int:
    """A page number from the query string; anything odd is page 1."""
    raw = request.args.get(name, "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) <= 100_000 else 1


class IdConverter(BaseConverter):
    """``<id:name>``: a positive database id; anything else is simply not found (404)."""

    regex = r"[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise RoutingValidationError()
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


class WorkbenchApp(Flask):
    """Flask with the one-commit-per-request rule built into dispatching."""

    def dispatch_request(self) -> Response:  # type: ignore[override]
        response = self.make_response(super().dispatch_request())
        if response.status_code < 400:
            db.commit()
        else:
            db.rollback()
        return response


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (everything else needs a login)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _user_from_session(user_id: str) -> User | None:
    # A request that carries a bearer token is authenticated by the token alone.
    number = parse_id(user_id)
    if bearer_token() is not None or number is None:
        return None
    user = db.session().get(User, number)
    return user if user is not None and user.active else None


def _user_from_token(_request: Any) -> User | None:
    token = bearer_token()
    if token is None:
        return None
    user = user_for_token(token)
    g.authenticated_by_token = user is not None
    g.bad_token = user is None
    return user


def protect_csrf() -> None:
    """CSRF on every unsafe request made with the browser session.

    A request with a bearer token ignores the session cookie, so it needs no CSRF token: a
    cross-site page cannot add an Authorization header.
    """
    if request.method in ("GET", "HEAD", "OPTIONS") or bearer_token() is not None:
        return
    csrf.protect()


class TokenAwareSessionInterface(SecureCookieSessionInterface):
    """The cookie session, never set on a response to a bearer-token request."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if bearer_token() is None:
            super().save_session(app, session, response)


def require_login() -> Response | None:
    """Closed by default: only views marked :func:`public` and static files are open."""
    authenticated = current_user.is_authenticated  # runs the loaders above
    if g.get("bad_token"):
        return _unauthorized("the API token is not valid, or has been revoked")
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint == "static" or view is None or getattr(view, "is_public", False):
        return None
    if authenticated:
        if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ENDPOINTS:
            if is_api_request():
                return json_error(403, "password_change_required", "change your one-time password first")
            return redirect(url_for("accounts.change_password"))
        return None
    if is_api_request():
        return _unauthorized("log in or send an API token: Authorization: Bearer <token>")
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


_PASSWORD_CHANGE_ENDPOINTS = {"accounts.change_password", "accounts.logout"}


def role_required(role: Role) -> Callable[[F], F]:
    """Require at least ``role`` for a view (login is already required by default)."""

    def decorate(view: F) -> F:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not current_user.has_role(role):
                raise Forbidden(f"this needs the {role.value} role")
            return view(*args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.__wrapped__ = view  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def security_headers(response: Response) -> Response:
    """Headers every response carries. A view that sets its own Content-Security-Policy (replay,
    raw bodies, screenshots) also decides whether it may be framed."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "Content-Security-Policy" not in response.headers:
        origin = current_app.config["FACTCHECK"].archive_origin
        frames = f"; frame-src 'self' {origin}" if origin else "; frame-src 'self'"
        response.headers["Content-Security-Policy"] = APP_CSP.format(frames=frames)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store" if current_user.is_authenticated else "no-cache"
    return response


def json_error(status: int, code: str, message: str, /, **extra: Any) -> Response:
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    return response


def _unauthorized(message: str) -> Response:
    response = json_error(401, "unauthorized", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="factcheck"'
    return response


def init_app(app: Flask) -> None:
    """Install the request edge on ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"

    login_manager.user_loader(_user_from_session)
    login_manager.request_loader(_user_from_token)
    app.session_interface = TokenAwareSessionInterface()
    app.before_request(protect_csrf)
    app.before_request(require_login)
    app.after_request(security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        if is_api_request():
            return json_error(400, "csrf", error.description)
        return render_template("error.html", status=400, message=error.description), 400

