"""Login, logout, one's own account and API tokens, and user management for staff."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from factcheck import db
from factcheck.accounts import operations
from factcheck.accounts.models import ApiToken, Role, User
from factcheck.errors import NotFound, ValidationError
from factcheck.extensions import limiter
from factcheck.web import public, role_required

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["FACTCHECK"].login_rate_limit


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("accounts/login.html", email="", error=None)
    email = request.form.get("email", "")
    user = operations.authenticate(email, request.form.get("password", ""))
    if user is None:
        return render_template("accounts/login.html", email=email,
                               error=_("Wrong e-mail or password.")), 401
    login_user(user)
    if user.must_change_password:
        return redirect(url_for("accounts.change_password"))
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
@public
def logout() -> Any:
    logout_user()
    flash(_("You are logged out."))
    return redirect(url_for("accounts.login"))


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
            flash(_("Your password is changed."))
            return redirect(url_for("pages.index"))
    return render_template("accounts/password.html", errors=errors), 400 if errors else 200


@bp.route("/account", methods=["GET"])
def account() -> Any:
    tokens = db.session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("accounts/account.html", tokens=tokens, new_token=None)


@bp.post("/account/tokens")
def create_token() -> Any:
    _row, token = operations.create_token(current_user, request.form.get("label", ""))
    tokens = db.session().scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template("accounts/account.html", tokens=tokens, new_token=token)


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
    everyone = db.session().scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=everyone, roles=list(Role), errors=errors,
                           form=form), 400 if errors else 200


@bp.post("/users/<id:user_id>")
@role_required(Role.STAFF)
def update_user(user_id: int) -> Any:
    user = db.session().get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    try:
        if "role" in request.form and request.form["role"] != user.role:
            operations.set_role(current_user, user, request.form["role"])
        if "active" in request.form:
            operations.set_active(current_user, user, request.form["active"] == "1")
    except ValidationError as exc:
        db.rollback()
        for message in exc.fields.values():
            flash(message, "error")
        return redirect(url_for("accounts.users"))
    flash(_("Saved."))
    return redirect(url_for("accounts.users"))
