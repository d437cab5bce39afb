"""Notify's pages: the inbox, the volunteer's own page, and following a claim."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError

from factcheck.accounts.models import User
from factcheck.claims import operations as claims
from factcheck.claims.models import Claim
from factcheck.claims.signals import Panel
from factcheck.errors import NotFound
from factcheck.notify import mine, operations
from factcheck.notify.present import outcome, told
from factcheck.web import page_arg, parse_id, redirect_back

bp = Blueprint("notify", __name__)
PER_PAGE = 25
FOLLOW_PANEL_ORDER = 5


@bp.get("/notifications")
def inbox() -> Any:
    """What became of the claims I filed or follow, newest first, unread ones marked."""
    page = page_arg()
    rows, total = operations.inbox(current_user, page=page, per_page=PER_PAGE)
    return render_template("notify/inbox.html", items=[told(row) for row in rows], total=total, page=page,
                           per_page=PER_PAGE, unread=operations.unread_count(current_user),
                           title=_("Notifications"))


@bp.post("/notifications/read")
def mark_read() -> Any:
    """Mark one notification (``id``) or all of them (no ``id``) as read."""
    raw = request.form.get("id")
    notification_id = parse_id(raw)
    if raw and notification_id is None:
        raise NotFound(_("There is no such notification."))
    operations.mark_read(current_user, notification_id)
    return redirect_back(request.form.get("next"), "notify.inbox")


@bp.get("/me")
def me() -> Any:
    """My own page: what became of what I filed, newest first, ready to share once published."""
    page = page_arg()
    filed = mine.my_claims(current_user, page=page, per_page=PER_PAGE)
    figures = mine.figures(current_user)
    return render_template("notify/me.html", claims=[(claim, outcome(claim)) for claim in filed], figures=figures,
                           page=page, per_page=PER_PAGE, total=figures.filed, title=_("My page"))


@bp.post("/claims/<id:claim_id>/follow")
def follow(claim_id: int) -> Any:
    """Follow a claim I may see: I am told when it is published, rejected or corrected."""
    claim = claims.get_claim(current_user, claim_id)
    operations.follow(current_user, claim)
    flash(_("You will be told what becomes of claim #%(id)s.", id=claim.id))
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.post("/claims/<id:claim_id>/unfollow")
def unfollow(claim_id: int) -> Any:
    """Stop following a claim."""
    claim = claims.get_claim(current_user, claim_id)
    operations.unfollow(current_user, claim)
    flash(_("You no longer follow claim #%(id)s.", id=claim.id))
    return redirect(url_for("claims.show", claim_id=claim.id))


def follow_panel(claim: Claim, actor: User, **_: Any) -> Panel | None:
    """The claim page's "follow" button (its filer is told anyway)."""
    if claim.submitted_by_id == actor.id:
        return None
    html = render_template("notify/panel_follow.html", claim=claim,
                           following=operations.is_following(actor, claim))
    return Panel(FOLLOW_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def unread_notifications() -> int:
    """For the navigation: the signed-in person's unread notifications."""
    if not getattr(current_user, "is_authenticated", False):
        return 0
    try:
        return operations.unread_count(current_user)
    except SQLAlchemyError:  # an error page after a failed transaction: the badge is not worth a second error
        return 0
