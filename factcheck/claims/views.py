"""Claim pages: filing (phone-first), the reviewers' queue, "my claims", a claim and its history."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.claims import filing, operations, workflow
from factcheck.claims import pending as pending_uploads
from factcheck.claims import share as sharing
from factcheck.claims.bulk import NOT_CHECK_WORTHY, Outcome, count, run_bulk
from factcheck.claims.labels import status_label
from factcheck.claims.models import Claim, Platform, Status
from factcheck.claims.queue import claim_age
from factcheck.claims.queue_page import (
    bulk_request_from_form,
    done_text,
    empty_queue_message,
    queue_args,
    state_label,
)
from factcheck.claims.screenshots import EXTENSIONS
from factcheck.claims.share import PHOTO_BODY_LIMIT
from factcheck.claims.signals import answers, claim_panels
from factcheck.claims.tags import split_tags
from factcheck.config import current_config
from factcheck.errors import Forbidden, NotFound, TooLarge, ValidationError, WorkbenchError
from factcheck.extensions import limiter
from factcheck.storage import current_blobs
from factcheck.web import (
    account_key,
    body_limit,
    cross_site,
    page_arg,
    parse_id,
    public,
    role_label,
    role_required,
    safe_redirect_target,
)

bp = Blueprint("claims", __name__)
SIDE_MOVES = frozenset({Status.REJECTED, Status.DUPLICATE})
PER_PAGE = 25
SHARES_LIMIT = "60 per 10 minutes"  # shares kept for one account (or, logged out, one address)
LANGUAGES = (("", "Detect"), ("hi", "हिन्दी"), ("en", "English"), ("bn", "বাংলা"), ("gu", "ગુજરાતી"),
             ("mr", "मराठी"), ("pa", "ਪੰਜਾਬੀ"), ("ta", "தமிழ்"), ("te", "తెలుగు"), ("ur", "اردو"))


@bp.route("/claims/new", methods=["GET", "POST"])
@body_limit(PHOTO_BODY_LIMIT)
def new() -> Any:
    """File a claim: text and/or links, platform, an optional screenshot; prefilled from a share
    (``?shared=``), the bookmarklet or ``?text=&url=``. A photo over the limit, like any other
    problem, is answered on the form with everything typed kept."""
    values = request.form if request.method == "POST" else request.args
    token = values.get("shared", "")
    shared = pending_uploads.find(token, current_user) if token else None
    notice = None
    if token and shared is None:
        notice = _("What was shared has expired or has been filed already: share it again.")
    if request.method == "GET":
        if shared is not None:
            prefill = sharing.prefilled(shared.title, shared.text, shared.url,
                                        platform_without_url=Platform.WHATSAPP.value)
        else:
            prefill = sharing.prefilled(values.get("title", ""), values.get("text", ""), values.get("url", ""))
        return _filing_page(filing.form_from_prefill(prefill, shared), token, notice=notice)
    form = filing.form_from_request(request.form, shared)
    upload = request.files.get("screenshot")
    if token and shared is None and form.use_pending_image and not (upload and upload.filename):
        # Not filed without the image the volunteer saw on the form.
        expired = {"screenshot": _("The shared image has expired: choose it again.")}
        return _filing_page(form, token, errors=expired, notice=notice, status=400)
    try:
        data = filing.claim_input(form, upload, current_config().screenshot_max_bytes)
        claim = operations.file_claim(current_user, data, current_blobs())
    except (ValidationError, TooLarge) as exc:
        errors = getattr(exc, "fields", None) or {exc.extra.get("field", "form"): exc.message}
        return _filing_page(form, token, errors=errors, notice=notice, status=exc.status)
    if shared is not None:
        pending_uploads.discard(shared)
    flash(_("Claim #%(id)s filed. Its links are being archived now.", id=claim.id))
    return redirect(url_for("claims.show", claim_id=claim.id))


@bp.post("/claims/share")
@public
@cross_site
@body_limit(PHOTO_BODY_LIMIT)
@limiter.limit(SHARES_LIMIT, key_func=account_key("share"))
def share_target() -> Any:
    """Where Android's share sheet posts what is shared (the manifest's share target: text, a
    link, an image), with no CSRF token and maybe before a login. It files nothing: it keeps the
    share for its sharer and sends them to the filing form, prefilled, to file with one tap."""
    post = sharing.shared_post(request.form, request.files, current_config().screenshot_max_bytes)
    if not (post.text.strip() or post.url or post.title or post.image or post.image_problem):
        return redirect(url_for("claims.new"), 303)
    token = pending_uploads.keep(current_user if current_user.is_authenticated else None, post)
    return redirect(url_for("claims.new", shared=token), 303)


@bp.get("/claims/shared/<token>/image")
def shared_image(token: str) -> Any:
    """The image of a pending upload, for its owner alone, as the verified image type."""
    shared = pending_uploads.find(token, current_user)
    path = pending_uploads.image_path(shared) if shared is not None else None
    if shared is None or path is None:
        raise NotFound(_("There is no such image, or it has expired."))
    response = send_file(path, mimetype=shared.content_type, max_age=0)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _filing_page(form: filing.FilingForm, token: str, *, errors: dict[str, str] | None = None,
                 notice: str | None = None, status: int = 200) -> Any:
    """The filing form; ``token`` names its pending upload, if it has one."""
    errors = errors or {}
    link_problems = [problem for name, problem in errors.items() if name.startswith("urls[")]
    return render_template(
        "claims/new.html", form=form, errors=errors, link_problems=link_problems, notice=notice,
        shared_token=token if form.pending is not None else None,
        platforms=list(Platform), languages=LANGUAGES, max_bytes=current_config().screenshot_max_bytes,
        max_megabytes=current_config().screenshot_max_bytes // (1024 * 1024),
        bookmarklet=filing.bookmarklet(url_for("claims.new", _external=True))), status


@bp.get("/claims")
@role_required(Role.REVIEWER)
def queue() -> Any:
    """The reviewers' queue: oldest first (priority first when asked), filtered by state, by whose
    work it is, by the priority mark and by tag; claims selected here take bulk actions."""
    args = queue_args(request.args)
    page = page_arg()
    claims, total = operations.list_claims(current_user, page=page, per_page=PER_PAGE, **args.filter_kwargs())
    return render_template("claims/list.html", mode="queue", claims=claims, total=total, page=page,
                           per_page=PER_PAGE, args=args, ages=_ages(claims), people=_people_choices(),
                           title=_("Queue"), statuses=list(Status), empty=empty_queue_message(args),
                           state_label=state_label(args.status), not_check_worthy=NOT_CHECK_WORTHY)


@bp.get("/claims/mine")
def mine() -> Any:
    """The claims I filed or am assigned to."""
    page = page_arg()
    claims, total = operations.list_claims(current_user, mine=True, page=page, per_page=PER_PAGE)
    return render_template("claims/list.html", mode="mine", claims=claims, total=total, page=page,
                           per_page=PER_PAGE, args=None, ages=_ages(claims), people=[],
                           title=_("My claims"), statuses=[], empty=None)


@bp.post("/claims/bulk")
@role_required(Role.REVIEWER)
def bulk() -> Any:
    """Apply one action to the claims selected in the queue, then say what happened to each."""
    back = safe_redirect_target(request.form.get("next")) or url_for("claims.queue")
    try:
        bulk_request = bulk_request_from_form(request.form)
        results = run_bulk(current_user, bulk_request)
    except WorkbenchError as exc:  # the request as a whole was wrong: nothing was changed
        flash(exc.said, "error")
        return redirect(back)
    return render_template("claims/bulk_result.html", results=results, back=back,
                           done=count(results, Outcome.DONE), unchanged=count(results, Outcome.UNCHANGED),
                           refused=count(results, Outcome.REFUSED),
                           done_text=done_text(bulk_request), title=_("What happened"))


@bp.get("/claims/<id:claim_id>")
def show(claim_id: int) -> Any:
    """A claim: what was filed, the panels the features above add (its links' captures, claims
    like it, its rebuttal), the moves the user may make, and its history."""
    claim = operations.get_claim(current_user, claim_id)
    reviewers: list[User] = operations.desk_people() if current_user.has_role(Role.REVIEWER) else []
    events = [(event, operations.shown_note(current_user, claim, event)) for event in operations.claim_events(claim)]
    panels = sorted(answers(claim_panels, claim, actor=current_user), key=lambda panel: panel.order)
    moves = [t for t in workflow.moves_for(current_user, claim) if not t.four_eyes]
    # "Send for review" is offered once the draft is complete; until then the page says what is missing.
    waiting = {t.target.value: workflow.missing_for(claim, t) for t in moves}
    moves = [t for t in moves if not waiting[t.target.value]]
    unready = {target: missing for target, missing in waiting.items() if missing}
    moves.sort(key=lambda t: t.target in SIDE_MOVES)  # the step forward first, then reject or duplicate
    return render_template("claims/show.html", claim=claim, events=events, panels=panels, moves=moves,
                           unready=unready, side_moves=SIDE_MOVES,
                           users=reviewers, desk=operations.sees_desk_work(current_user, claim))


@bp.post("/claims/<id:claim_id>/transitions")
def transition(claim_id: int) -> Any:
    """Move a claim from its page; refusals come back as a message on the page."""
    claim = operations.get_claim(current_user, claim_id)
    form = request.form
    try:
        workflow.transition_claim(current_user, claim, form.get("to", ""), workflow.MoveRequest(
            note=form.get("note", ""), duplicate_of_id=_optional_id(form.get("duplicate_of"), "duplicate_of"),
            assignee_id=_optional_id(form.get("assignee"), "assignee")))
    except Forbidden:  # no right to this move (the four-eyes rule included): 403, as SPEC §2 says
        raise
    except WorkbenchError as exc:
        flash(exc.said, "error")
        return redirect(url_for("claims.show", claim_id=claim_id))
    flash(_("Claim #%(id)s is now %(status)s.", id=claim.id, status=status_label(claim.status)))
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


@bp.post("/claims/<id:claim_id>/tags")
@role_required(Role.REVIEWER)
def tags(claim_id: int) -> Any:
    """Give a claim the tags typed into its page (comma-separated; all of them)."""
    claim = operations.get_claim(current_user, claim_id)
    try:
        changed = operations.set_tags(current_user, claim, split_tags(request.form.get("tags", "")))
    except WorkbenchError as exc:
        flash(exc.said, "error")
    else:
        flash(_("Tags saved.") if changed else _("The tags were already so: nothing changed."))
    return redirect(url_for("claims.show", claim_id=claim_id))


@bp.post("/claims/<id:claim_id>/priority")
@role_required(Role.REVIEWER)
def priority(claim_id: int) -> Any:
    """Mark a claim as a priority, or take the mark away."""
    claim = operations.get_claim(current_user, claim_id)
    wanted = request.form.get("priority") == "1"
    operations.set_priority(current_user, claim, wanted)
    flash(_("Marked as a priority.") if wanted else _("The priority mark is removed."))
    return redirect(url_for("claims.show", claim_id=claim_id))


@bp.get("/claims/<id:claim_id>/screenshot")
def screenshot(claim_id: int) -> Any:
    """The claim's screenshot, served as the verified image type and never as a page."""
    claim = operations.get_claim(current_user, claim_id)
    shot = claim.screenshot
    if shot is None:
        raise NotFound(_("This claim has no screenshot."))
    response = send_file(current_blobs().path(shot.sha256), mimetype=shot.content_type, conditional=True,
                         download_name=f"claim-{claim.id}.{EXTENSIONS[shot.content_type]}", max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _ages(claims: list[Claim]) -> dict[int, str]:
    now = db.utcnow()
    return {claim.id: claim_age(claim, now) for claim in claims}


def _people_choices() -> list[tuple[int, str]]:
    """Whom the queue's bulk action may assign claims to, as the menu shows them."""
    return [(user.id, f"{user.display_name} ({role_label(user.role)})")
            for user in operations.desk_people(writers_only=True)]


def _optional_id(raw: str | None, field: str) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    number = parse_id(raw)
    if number is None:
        raise ValidationError({field: _("Give a claim or user number.")})
    return number
