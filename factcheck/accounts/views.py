"""Login, logout, password reset by e-mail, one's own account, settings and API tokens, and user
management for staff."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from factcheck import db
from factcheck.accounts import operations, preferences, recovery
from factcheck.accounts.models import ApiToken, Role, User
from factcheck.accounts.sessions import end_session, start_session
from factcheck.config import current_config
from factcheck.errors import NotFound, ValidationError
from factcheck.extensions import limiter
from factcheck.i18n import LOCALES, language_name
from factcheck.mail import mail_enabled
from factcheck.web import public, redirect_back, role_label, role_required

bp = Blueprint("accounts", __name__)


def _address_limit() -> str:
    return current_config().login_rate_limit


def _account_limit() -> str:
    return current_config().login_account_limit


def _account_key() -> str:
    """The account a login names, so that many addresses cannot keep guessing one password."""
    return "account:" + request.form.get("email", "").strip().lower()[:254]


def _reset_limit() -> str:
    return current_config().reset_rate_limit


def _failed(response: Response) -> bool:
    """Only failed logins count: people behind one carrier address who type their password
    right are never held up by the others."""
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, key_func=_account_key, methods=["POST"], deduct_when=_failed)
def login() -> Any:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect_back(request.args.get("next"))
        return render_template("accounts/login.html", email="", error=None, can_recover=mail_enabled())
    email = request.form.get("email", "")
    user = operations.authenticate(email, request.form.get("password", ""))
    if user is None:
        return render_template("accounts/login.html", email=email, can_recover=mail_enabled(),
                               error=_("Wrong e-mail or password.")), 401
    start_session(user)
    if user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return redirect_back(request.args.get("next"))


@bp.post("/logout")
@public
def logout() -> Any:
    """Log out everywhere: every session of this user ends, on every device."""
    if current_user.is_authenticated:
        operations.end_every_session(current_user)
    end_session()
    flash(_("You are logged out."))
    return redirect(url_for("accounts.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password() -> Any:
    """Ask for a reset link by e-mail. The answer is the same whether an account exists or not."""
    if not mail_enabled():
        raise NotFound(_("No such page."))
    if request.method == "GET":
        return render_template("accounts/forgot.html", sent=False, email="", errors={})
    email = request.form.get("email", "")
    try:
        recovery.ask_for_reset(email, str(get_locale() or "en"))
    except ValidationError as exc:
        return render_template("accounts/forgot.html", sent=False, email=email, errors=exc.fields), 400
    return render_template("accounts/forgot.html", sent=True, email="", errors={})


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_by_link(token: str) -> Any:
    """The page a reset link opens: choose a new password (the link works once, for an hour)."""
    response = make_response(_reset_page(token))
    # The address holds the token: keep it out of caches and of any Referer header.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _reset_page(token: str) -> Any:
    try:
        reset = recovery.check_link(token)
    except recovery.LinkRefused as exc:
        return render_template("accounts/reset.html", problem=exc.message, errors={}), exc.status
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("password", "") != request.form.get("password_again", ""):
                raise ValidationError({"password_again": _("The two new passwords differ.")})
            recovery.reset_with_link(token, request.form.get("password", ""))
        except recovery.LinkRefused as exc:
            return render_template("accounts/reset.html", problem=exc.message, errors={}), exc.status
        except ValidationError as exc:
            errors = exc.fields
        else:
            if current_user.is_authenticated:
                end_session()
            flash(_("Your new password is saved, and you are logged out everywhere. Log in with it now."))
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", problem=None, email=reset.user.email,
                           errors=errors), 400 if errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
def change_password() -> Any:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.form.get("password", "") != request.form.get("password_again", ""):
                raise ValidationError({"password_again": _("The two new passwords differ.")})
            operations.change_password(current_user, request.form.get("current_password", ""),
                                       request.form.get("password", ""))
        except ValidationError as exc:
            errors = exc.fields
        else:
            # This browser stays logged in (with the new session version); the others end.
            start_session(current_user._get_current_object())  # noqa: SLF001 - the user, not its proxy
            flash(_("Your password is changed. You are logged out everywhere else."))
            return redirect(url_for("pages.index"))
    return render_template("accounts/password.html", errors=errors), 400 if errors else 200


def _tokens() -> list[ApiToken]:
    return list(db.session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())))


def _account_page(*, new_token: str | None = None, errors: dict[str, str] | None = None) -> Any:
    return render_template(
        "accounts/account.html", tokens=_tokens(), new_token=new_token, errors=errors or {},
        languages=[(code, language_name(code)) for code in LOCALES], desk_timezone=current_config().timezone,
        common_zones=preferences.COMMON_TIME_ZONES, other_zones=preferences.other_time_zones(),
        mail_enabled=mail_enabled(), role_name=role_label(current_user.role),
    ), 400 if errors else 200


@bp.route("/account", methods=["GET"])
def account() -> Any:
    return _account_page()


@bp.post("/account/name")
def set_name() -> Any:
    """Set the display name others see, and that public pages credit."""
    try:
        operations.set_name(current_user, current_user, request.form.get("name", ""))
    except ValidationError as exc:
        return _account_page(errors=exc.fields)
    flash(_("Your display name is saved."))
    return redirect(url_for("accounts.account"))


@bp.post("/account/preferences")
def set_preferences() -> Any:
    """Save the language of the pages, the time zone and the e-mail notifications choice."""
    form = request.form
    try:
        preferences.set_preferences(current_user, current_user, preferences.Preferences(
            locale=form.get("locale") or None, timezone=form.get("timezone") or None,
            notify_by_email=form.get("notify_by_email") == "1"))
    except ValidationError as exc:
        return _account_page(errors=exc.fields)
    refresh()  # this very message in the language just chosen
    flash(_("Your settings are saved."))
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens")
def create_token() -> Any:
    try:
        _row, token = operations.create_token(current_user, request.form.get("label", ""))
    except ValidationError as exc:
        return _account_page(errors=exc.fields)
    return _account_page(new_token=token)


@bp.post("/account/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    operations.revoke_token(current_user, token_id)
    flash(_("The token is revoked."))
    return redirect(url_for("accounts.account"))


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.STAFF)
def users() -> Any:
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            operations.create_user(form.get("email", ""), form.get("role", ""), form.get("password", ""),
                                   name=form.get("name", ""), actor=current_user, must_change_password=True)
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("Account created. Give the person their one-time password; they change it at first login."))
            return redirect(url_for("accounts.users"))
    everyone = db.session().scalars(select(User).where(User.is_system.is_(False)).order_by(User.email)).all()
    return render_template("accounts/users.html", users=everyone, roles=list(Role), errors=errors,
                           form=form), 400 if errors else 200


@bp.post("/users/<id:user_id>")
@role_required(Role.STAFF)
def update_user(user_id: int) -> Any:
    user = _person(user_id)
    try:
        if "role" in request.form and request.form["role"] != user.role:
            operations.set_role(current_user, user, request.form["role"])
        if "active" in request.form:
            operations.set_active(current_user, user, request.form["active"] == "1")
    except ValidationError as exc:
        for message in exc.fields.values():
            flash(message, "error")
        return redirect(url_for("accounts.users"))
    flash(_("Saved."))
    return redirect(url_for("accounts.users"))


@bp.post("/users/<id:user_id>/password")
@role_required(Role.STAFF)
def reset_password(user_id: int) -> Any:
    """Give someone a new one-time password (their sessions end); shown to staff only now."""
    user = _person(user_id)
    password = operations.reset_password(current_user, user)
    everyone = db.session().scalars(select(User).where(User.is_system.is_(False)).order_by(User.email)).all()
    return render_template("accounts/users.html", users=everyone, roles=list(Role), errors={}, form={},
                           reset=(user, password))


def _person(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None or user.is_system:
        raise NotFound(_("No such user."))
    return user
