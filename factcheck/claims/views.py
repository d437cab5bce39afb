"""Claim pages: filing (phone-first), the reviewers' queue, "my claims", a claim and its history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.operations import latest_snapshots
from factcheck.claims import operations, workflow
from factcheck.claims.api import claim_input_from_form
from factcheck.claims.models import Platform, Status
from factcheck.claims.screenshots import EXTENSIONS
from factcheck.errors import NotFound, TooLarge, ValidationError, WorkbenchError
from factcheck.lifecycle import transition_claim
from factcheck.publish import operations as publish
from factcheck.publish.markdown import render_markdown
from factcheck.search.service import similar_for
from factcheck.web import page_arg, parse_id, role_required

bp = Blueprint("claims", __name__)
PER_PAGE = 25
LANGUAGES = (("", "Detect"), ("hi", "हिन्दी"), ("en", "English"), ("bn", "বাংলা"), ("gu", "ગુજરાતી"),
             ("mr", "मराठी"), ("pa", "ਪੰਜਾਬੀ"), ("ta", "தமிழ்"), ("te", "తెలుగు"), ("ur", "اردو"))


@bp.route("/claims/new", methods=["GET", "POST"])
def new() -> Any:
    """File a claim: text and/or links, platform, an optional screenshot."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            data = claim_input_from_form()
            claim = operations.file_claim(current_user, data, current_app.extensions["factcheck.archive"].blobs)
        except (ValidationError, TooLarge) as exc:
            errors = getattr(exc, "fields", None) or {exc.extra.get("field", "form"): exc.message}
        else:
            flash(_("Claim #%(id)s filed. Its links are being archived now.", id=claim.id))
            return redirect(url_for("claims.show", claim_id=claim.id))
    status = 400 if errors else 200
    return render_template("claims/new.html", errors=errors, form=request.form, platforms=list(Platform),
                           languages=LANGUAGES), status


@bp.get("/claims")
@role_required(Role.REVIEWER)
def queue() -> Any:
    """The reviewers' queue: oldest first, filtered by status."""
    status = request.args.get("status", Status.SUBMITTED.value)
    if status not in {s.value for s in Status} and status != "all":
        status = Status.SUBMITTED.value
    page = page_arg()
    claims, total = operations.list_claims(current_user, status=None if status == "all" else status,
                                           page=page, per_page=PER_PAGE)
    return render_template("claims/list.html", claims=claims, total=total, page=page, per_page=PER_PAGE,
                           status=status, statuses=list(Status), title=_("Queue"))


@bp.get("/claims/mine")
def mine() -> Any:
    """The claims I filed or am assigned to."""
    page = page_arg()
    claims, total = operations.list_claims(current_user, mine=True, page=page, per_page=PER_PAGE)
    return render_template("claims/list.html", claims=claims, total=total, page=page, per_page=PER_PAGE,
                           status=None, statuses=[], title=_("My claims"))


@bp.get("/claims/<id:claim_id>")
def show(claim_id: int) -> Any:
    claim = operations.get_claim(current_user, claim_id)
    moves = workflow.moves_for(current_user, claim)
    reviewers: list[User] = []
    if current_user.has_role(Role.REVIEWER):
        reviewers = list(db.session().scalars(select(User).where(User.active.is_(True)).order_by(User.email)))
    snapshots = latest_snapshots([source.id for source in claim.sources])
    rebuttal = claim.rebuttal  # type: ignore[attr-defined]
    return render_template(
        "claims/show.html", claim=claim, events=operations.claim_events(claim),
        moves=[t for t in moves if not t.four_eyes], users=reviewers,
        snapshots=snapshots, rebuttal=rebuttal, may_draft=publish.may_draft(current_user, claim),
        may_review=any(t.four_eyes for t in moves),
        rebuttal_html=render_markdown(rebuttal.current.body) if rebuttal and rebuttal.current else "",
        last_review=publish.last_review_by(current_user, rebuttal) if rebuttal else None,
        similar=similar_for(current_user, claim),
        may_mark_duplicate=any(t.target == Status.DUPLICATE for t in moves),
    )


@bp.post("/claims/<id:claim_id>/transitions")
def transition(claim_id: int) -> Any:
    """Move a claim from its page; refusals come back as a message on the page."""
    claim = operations.get_claim(current_user, claim_id)
    form = request.form
    try:
        transition_claim(
            current_user,
            claim,
            form.get("to", ""),
            note=form.get("note", ""),
            duplicate_of_id=_optional_id(form.get("duplicate_of"), "duplicate_of"),
            assignee_id=_optional_id(form.get("assignee"), "assignee"),
        )
    except WorkbenchError as exc:
        db.rollback()
        fields = getattr(exc, "fields", None)
        flash("; ".join(fields.values()) if fields else exc.message, "error")
        return redirect(url_for("claims.show", claim_id=claim_id))
    flash(_("Claim #%(id)s is now %(status)s.", id=claim.id, status=claim.status))
    return redirect(url_for("claims.show", claim_id=claim_id))


@bp.post("/claims/<id:claim_id>/assignee")
@role_required(Role.REVIEWER)
def assign(claim_id: int) -> Any:
    claim = operations.get_claim(current_user, claim_id)
    assignee_id = _optional_id(request.form.get("assignee"), "assignee")
    operations.assign_claim(current_user, claim,
                            operations.find_user(assignee_id) if assignee_id is not None else None)
    flash(_("Assignment saved."))
    return redirect(url_for("claims.show", claim_id=claim_id))


@bp.get("/claims/<id:claim_id>/screenshot")
def screenshot(claim_id: int) -> Any:
    """The claim's screenshot, served as the verified image type and never as a page."""
    claim = operations.get_claim(current_user, claim_id)
    shot = claim.screenshot
    if shot is None:
        raise NotFound("this claim has no screenshot")
    blobs = current_app.extensions["factcheck.archive"].blobs
    response = send_file(blobs.path(shot.sha256), mimetype=shot.content_type, conditional=True,
                         download_name=f"claim-{claim.id}.{EXTENSIONS[shot.content_type]}", max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _optional_id(raw: str | None, field: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    number = parse_id(raw)
    if number is None:
        raise ValidationError({field: "expected a claim or user number"})
    return number
