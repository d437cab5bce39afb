"""The request edge: one commit per request, closed by default, CSRF, the input rule, security
headers and the error answers.

Views and API handlers call operations and return; :class:`WorkbenchApp` commits once when the
response is a success and no operation failed on the way, and rolls back otherwise, so an error
halfway leaves nothing half-written even when a view catches it and redirects.
"""

from __future__ import annotations

import functools
import logging
import math
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter
from werkzeug.routing import ValidationError as RoutingValidationError
from werkzeug.wrappers import Response as BaseResponse

from factcheck import db
from factcheck.config import current_config
from factcheck.db import MAX_ID
from factcheck.errors import (
    Forbidden,
    NotFound,
    Unavailable,
    ValidationError,
    WorkbenchError,
    error_code,
    request_failed,
)
from factcheck.extensions import csrf, limiter
from factcheck.inputs import text_problem
from factcheck.storage import no_room

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

APP_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'{frames}"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
RETRY_AFTER_BUSY = 5  # seconds: a database lock not granted in time, a server restarting
RETRY_AFTER_NO_ROOM = 300  # seconds: a full disk is not emptied in a moment


SWITCH_INTERVAL = 0.001  # seconds a thread keeps the interpreter while another one waits for it


def hand_over_often() -> None:
    """Let the threads of a web process (and of the jobs beside it in ``factcheck serve``) take
    turns with the interpreter every millisecond instead of every 5.

    One Python thread runs at a time. A filing spends most of its CPU in pure Python (finding the
    claims like it), while the requests beside it wait on the database: after every answer a
    waiting thread needs the interpreter back, and by default the busy thread keeps it for up to
    5 ms. A request makes about a dozen such round trips, so it waited up to a dozen times 5 ms
    in a busy process (the load test measured it, issue 14)."""
    sys.setswitchinterval(SWITCH_INTERVAL)


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

    def dispatch_request(self) -> Response:
        response = self.make_response(super().dispatch_request())
        if response.status_code < 400 and not request_failed():
            db.commit()
        else:
            db.rollback()
        return response


def public(view: F) -> F:
    """Mark a view as open to anonymous visitors (everything else needs a login)."""
    view.is_public = True  # type: ignore[attr-defined] # a marker read by require_login
    return view


def cross_site(view: F) -> F:
    """Let a view take unsafe requests that carry no CSRF token: a Web Share Target, which the
    phone itself posts to. Such a view must change nothing its user has not confirmed."""
    view.takes_cross_site_requests = True  # type: ignore[attr-defined] # a marker read by protect_request
    return view


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """Let a view read request bodies up to ``max_bytes`` instead of the app's
    ``MAX_CONTENT_LENGTH``: a form that takes a phone's photo and answers its size itself."""

    def mark(view: F) -> F:
        view.max_body_bytes = max_bytes  # type: ignore[attr-defined] # a marker read by protect_request
        return view

    return mark


def is_public_view() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return request.endpoint == "static" or view is None or getattr(view, "is_public", False)


def is_api_request() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def safe_redirect_target(raw: str | None) -> str | None:
    """``raw`` when it is a path on this site, else None: the one check of every redirect target
    taken from a request (login's ``next``, the language switch, …).

    Refused: anything with a scheme or host, ``//`` and ``/\\`` starts, backslashes, tabs, line
    breaks and other control characters, in the value as sent or percent-decoded once or twice
    (browsers strip tabs and newlines and read ``\\`` as ``/``, which turns ``/\\t/evil.example``
    into another site).
    """
    if not raw or len(raw) > 2000:
        return None
    value = raw
    for _round in range(3):
        if text_problem(value) or "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return None
        if not value.startswith("/") or value.startswith("//"):
            return None
        try:
            parts = urlsplit(value)
        except ValueError:
            return None
        if parts.scheme or parts.netloc:
            return None
        try:
            value = unquote(value, errors="strict") if "%" in value else value
        except UnicodeDecodeError:
            return None
    return raw


def current_path() -> str:
    """The page being answered as the browser addresses it, with the prefix the app is served
    under: the ``next`` that login, the language links and the queue's forms come back to."""
    return request.script_root + request.full_path.rstrip("?")


def redirect_back(raw: str | None, default_endpoint: str = "pages.index") -> BaseResponse:
    """Redirect to ``raw`` if :func:`safe_redirect_target` accepts it, else to ``default_endpoint``."""
    return redirect(safe_redirect_target(raw) or url_for(default_endpoint))


def protect_request() -> BaseResponse | None:
    """Closed by default, in this order: a bad token is 401; an API call with neither a session nor
    a token is 401 (before any CSRF message); unsafe requests made with the browser session need
    their CSRF token (but on :func:`cross_site` views); pages need a login; and no text field may
    break the input rule. A :func:`body_limit` view's own limit applies before any form is read."""
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "max_body_bytes", None):
        request.max_content_length = view.max_body_bytes  # type: ignore[union-attr] # set by body_limit
    authenticated = current_user.is_authenticated  # runs the user loaders
    if g.get("bad_token"):
        return unauthorized("the API token is not valid, or has been revoked")
    open_view = is_public_view()
    if is_api_request() and not authenticated and not open_view:
        return unauthorized("log in or send an API token: Authorization: Bearer <token>")
    cross_site_view = getattr(view, "takes_cross_site_requests", False)
    if request.method not in SAFE_METHODS and bearer_token() is None and not cross_site_view:
        # An API call with no session user carries no ambient authority for CSRF to protect.
        if not is_api_request() or authenticated:
            csrf.protect()
    if not authenticated and not open_view:
        return redirect(url_for("accounts.login", next=current_path()))
    check_request_text()
    return None


def check_request_text() -> None:
    """Refuse text that breaks the input rule in form fields (400 naming them) and in the path
    (404: no such page)."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and text_problem(value):
            raise NotFound(_("No such page."))
    if request.method in SAFE_METHODS or request.mimetype not in FORM_TYPES:
        return
    problems: dict[str, str] = {}
    names = [*request.form.keys(), *request.files.keys()]
    for name in names:
        if text_problem(name or ""):
            problems["(field name)"] = text_problem(name or "") or ""
    for name, value in request.form.items(multi=True):
        problem = text_problem(value)
        if problem and not text_problem(name or ""):
            problems[(name or "(unnamed part)")[:100]] = problem
    if problems:
        raise ValidationError(problems)


def role_required(role: str) -> Callable[[F], F]:
    """Require at least ``role`` for a view (login is already required by default)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated or not current_user.has_role(role):
                raise Forbidden(_("This needs the %(role)s role.", role=role_label(role)))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value] # functools.wraps keeps the signature

    return decorate


def role_label(role: str) -> str:
    """A role's name in the user's language."""
    return {"volunteer": _("volunteer"), "reviewer": _("reviewer"), "staff": _("staff")}.get(str(role), str(role))


def account_key(scope: str) -> Callable[[], str]:
    """A rate-limit key per account (not per address): ``scope`` and the user's id."""

    def key() -> str:
        user_id = current_user.id if current_user.is_authenticated else request.remote_addr
        return f"{scope}:{user_id}"

    return key


class TokenAwareSessionInterface(SecureCookieSessionInterface):
    """The cookie session, never set on a response to a bearer-token request."""

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if bearer_token() is None:
            super().save_session(app, session, response)


def security_headers(response: Response) -> Response:
    """Headers every response carries. A view that sets its own Content-Security-Policy (replay,
    raw bodies, screenshots) also decides whether it may be framed."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if "Content-Security-Policy" not in response.headers:
        origin = current_config().archive_origin
        frames = f"; frame-src 'self' {origin}" if origin else "; frame-src 'self'"
        response.headers["Content-Security-Policy"] = APP_CSP.format(frames=frames)
        response.headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint != "static" and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store" if current_user.is_authenticated else "no-cache"
    return response


# -- error answers -------------------------------------------------------------------------------


def json_error(status: int, message: str, /, **extra: Any) -> Response:
    """The API's error answer: the status's one code (errors.ERROR_CODES), a message, extras."""
    response = jsonify({"error": error_code(status), "message": message, **extra})
    response.status_code = status
    return response


def unauthorized(message: str) -> Response:
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="factcheck"'
    return response


def error_answer(status: int, message: str, /, *, retry_after: int | None = None, **extra: Any) -> Response:
    """JSON on API paths, an error page in the user's language elsewhere."""
    if is_api_request():
        response = json_error(status, message, **extra)
    else:
        response = current_app.make_response((render_template(
            "error.html", status=status, title=error_title(status), message=message,
            retry_minutes=math.ceil(retry_after / 60) if retry_after else None), status))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def error_title(status: int) -> str:
    """The heading of an error page, in the user's language."""
    titles = {
        400: _("This request could not be handled"), 401: _("Please log in"), 403: _("Not allowed"),
        404: _("Not found"), 405: _("Not allowed here"), 409: _("This changed meanwhile"),
        413: _("Too large"), 429: _("Too many attempts"), 500: _("Something went wrong"),
        503: _("Busy for a moment"),
    }
    return titles.get(status, _("Something went wrong"))


def _retry_after_of_limit() -> int:
    limit = limiter.current_limit
    if limit is None:
        return 60
    return max(1, int(math.ceil(limit.reset_at - time.time())))


def default_message(status: int) -> str:
    """What an error status means for the person who met it, in their language."""
    messages = {
        400: _("The request could not be understood. Go back and try again."),
        401: _("Log in to see this page."),
        403: _("Your role does not allow this. Ask a staff member if you think it should."),
        404: _("There is no such page, or you may not see it."),
        405: _("This page cannot be used that way."),
        409: _("Someone changed this meanwhile. Reload the page and try again."),
        413: _("What you sent is too large."),
        415: _("This kind of content is not accepted here."),
        429: _("Too many attempts. Try again in a minute."),
        500: _("Something went wrong on our side; it has been logged."),
        503: _("The desk is busy for a moment: please try again in a few seconds."),
    }
    return messages.get(status, _("Something went wrong on our side; it has been logged."))


def warn_if_served_elsewhere() -> None:
    """Log once per process when a request arrives at an address other than
    ``FACTCHECK_PUBLIC_URL``: feeds, JSON-LD and share links would then point elsewhere."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001 - the app itself
    if app.extensions.get(_PUBLIC_URL_CHECKED):
        return
    app.extensions[_PUBLIC_URL_CHECKED] = True
    public = current_config().public_url
    served = request.host_url.rstrip("/") + request.script_root
    if served.rstrip("/") != public.rstrip("/"):
        log.warning("FACTCHECK_PUBLIC_URL is %s but the workbench is served at %s: feeds, JSON-LD and "
                    "share links will point at %s", public, served, public)


_PUBLIC_URL_CHECKED = "factcheck.public_url_checked"


def _no_user_while_unavailable() -> None:
    """When the database failed before the person was loaded (a restart, mid-request), answer
    as to a visitor: loading them again for the error page, its language or its headers would
    fail once more and turn a clean 503 into a 500."""
    if "_login_user" not in g:
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]  # noqa: SLF001 - its cache


def init_app(app: Flask) -> None:
    """Install the request edge on ``app``."""
    app.session_interface = TokenAwareSessionInterface()
    app.add_template_global(role_label)
    app.add_template_global(current_path)
    app.before_request(warn_if_served_elsewhere)
    app.before_request(protect_request)
    app.after_request(security_headers)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> Any:
        return error_answer(400, _("The form has expired or did not come from this site: "
                                   "go back, reload the page and try again."))

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(error: RateLimitExceeded) -> Any:
        retry_after = _retry_after_of_limit()
        minutes = math.ceil(retry_after / 60)
        return error_answer(429, _("Too many attempts. Try again in %(minutes)s minutes.", minutes=minutes)
                            if minutes > 1 else _("Too many attempts. Try again in a minute."),
                            retry_after=retry_after)

    @app.errorhandler(WorkbenchError)
    def _workbench_error(error: WorkbenchError) -> Any:
        retry = getattr(error, "retry_after", None)
        return error_answer(error.status, error.message, retry_after=retry, **error.extra)

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError) -> Any:
        db.rollback_quietly()
        if db.is_unavailable(error):
            log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
            _no_user_while_unavailable()
            return _workbench_error(Unavailable(_("The desk is busy for a moment: please try again in a few "
                                                  "seconds. Nothing you sent was lost or half-saved."),
                                                retry_after=RETRY_AFTER_BUSY))
        return _unexpected(error)

    @app.errorhandler(OSError)
    def _storage_error(error: OSError) -> Any:
        db.rollback_quietly()
        if no_room(error):  # a screenshot or an upload while the disk is full: say so, keep nothing
            log.error("no room to store on %s %s: %s", request.method, request.path, error)
            return _workbench_error(Unavailable(_("The desk's storage is full, so nothing you sent was saved. "
                                                  "Please tell the desk's staff and try again later."),
                                                retry_after=RETRY_AFTER_NO_ROOM))
        return _unexpected(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        status = error.code or 500
        custom = error.description != type(error).description
        response = error_answer(status, str(error.description) if custom else default_message(status))
        if status == 405 and getattr(error, "valid_methods", None):
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined] # set for 405
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        return error_answer(500, _("Something went wrong on our side; it has been logged."))
