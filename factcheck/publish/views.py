"""Public fact-check pages, feeds and share cards; and, for the desk, the rebuttal editor, its
revisions and diffs, and the review form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_login import current_user

from factcheck import db
from factcheck.accounts.models import Role
from factcheck.archive.operations import latest_snapshots
from factcheck.claims import operations as claims
from factcheck.config import current_config
from factcheck.errors import Forbidden, NotFound, ValidationError, WorkbenchError
from factcheck.extensions import limiter
from factcheck.publish import operations
from factcheck.publish.api import SAVES_PER_ACCOUNT
from factcheck.publish.cards import share_card_png
from factcheck.publish.claimreview import json_ld_script
from factcheck.publish.credits import desk_byline, set_byline
from factcheck.publish.diff import revision_diff
from factcheck.publish.feeds import atom_feed, sitemap
from factcheck.publish.language import default_language, language_choices, speaking
from factcheck.publish.markdown import render_markdown
from factcheck.publish.models import Decision
from factcheck.publish.present import find_published, present, published_page, published_query
from factcheck.publish.sharing import meta_tags
from factcheck.publish.verdicts import VERDICT_NAMES, verdict_label
from factcheck.storage import current_blobs
from factcheck.urls import absolute_url, site_name
from factcheck.web import account_key, page_arg, public, role_required

bp = Blueprint("publish", __name__)
REVISION_FIELDS = {"headline": lazy_gettext("Headline"), "summary": lazy_gettext("Summary"),
                   "verdict": lazy_gettext("Verdict"), "body": lazy_gettext("Body"), "sources": lazy_gettext("Sources"),
                   "correction_note": lazy_gettext("Correction note")}
PER_PAGE = 20
FEED_SIZE = 50


# -- public ----------------------------------------------------------------------------------------


@bp.get("/fact-checks")
@public
def index() -> Any:
    """Published fact-checks, newest first, filtered by verdict."""
    verdict = request.args.get("verdict") if request.args.get("verdict") in VERDICT_NAMES else None
    page = page_arg()
    views, total = published_page(verdict, page, PER_PAGE)
    # Each fact-check's label is in its own language; the filters are in the reader's.
    return render_template("publish/index.html", views=views, total=total, page=page, per_page=PER_PAGE,
                           verdict=verdict, verdicts=[(name, verdict_label(name)) for name in VERDICT_NAMES])


@bp.get("/fact-checks/<slug>")
@public
def factcheck(slug: str) -> Any:
    rebuttal = find_published(slug)
    if rebuttal is None:
        raise NotFound(_("No such fact-check."))
    view = present(rebuttal)
    # The whole page speaks the fact-check's language, whatever the reader's: a Hindi fact-check
    # forwarded on WhatsApp opens in Hindi even on a phone set to English.
    with speaking(view.language):
        return render_template("publish/factcheck.html", view=view, json_ld=json_ld_script(view.claim_review()),
                               meta=meta_tags(view.open_graph()))


@bp.get("/fact-checks/<slug>/card.png")
@public
def card(slug: str) -> Any:
    """The Open Graph image: verdict and headline, 1200×630, cached per revision."""
    rebuttal = find_published(slug)
    if rebuttal is None or rebuttal.current is None:
        raise NotFound(_("No such fact-check."))
    response = Response(share_card_png(rebuttal, current_config().archive_dir / "cards"), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.get("/fact-checks/feed.atom")
@public
def feed() -> Any:
    views = [present(r) for r in db.session().scalars(published_query().limit(FEED_SIZE))]
    updated = max((v.updated_at or v.published_at for v in views), default=db.utcnow())
    body = atom_feed(
        feed_id=absolute_url("publish.feed"), title=f"{site_name()}: fact-checks",
        self_url=absolute_url("publish.feed"), site_url=absolute_url("publish.index"),
        updated=updated, entries=[v.feed_entry() for v in views], author=site_name(),
    )
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/sitemap.xml")
@public
def sitemap_xml() -> Any:
    views = [present(r) for r in db.session().scalars(published_query())]
    urls = [(absolute_url("publish.index"), max((v.updated_at or v.published_at for v in views),
                                                      default=db.utcnow()))]
    urls += [(v.url, v.updated_at or v.published_at) for v in views]
    return Response(sitemap(urls), mimetype="application/xml", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/corrections")
@public
def corrections_policy() -> Any:
    return render_template("publish/corrections.html")


def _report_limit() -> str:
    return "5 per hour"


@bp.route("/report", methods=["GET", "POST"])
@public
@limiter.limit(_report_limit, methods=["POST"])
def report_error() -> Any:
    """Readers report an error in a fact-check (or a new hoax): it is filed as a claim."""
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            operations.file_reader_report(form.get("message", ""), url=form.get("url", ""),
                                          contact=form.get("contact", ""),
                                          blobs=current_blobs())
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("Thank you. Your report reached the desk."))
            return redirect(url_for("publish.report_error"))
    return render_template("publish/report.html", errors=errors, form=form,
                           url=request.args.get("url", "")), 400 if errors else 200


# -- the desk --------------------------------------------------------------------------------------


@bp.route("/claims/<id:claim_id>/rebuttal", methods=["GET", "POST"])
@limiter.limit(SAVES_PER_ACCOUNT, key_func=account_key("rebuttal-saves"), methods=["POST"])
def edit(claim_id: int) -> Any:
    """The rebuttal editor: headline, summary, verdict, Markdown body with preview, sources."""
    claim = claims.get_claim(current_user, claim_id)
    rebuttal = operations.rebuttal_of(claim)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            snapshot_ids = tuple(int(x) for x in form.getlist("snapshot") if x.isdigit() and len(x) < 12)
            new_urls = tuple(line for line in form.get("new_urls", "").splitlines() if line.strip())
            operations.save_draft(current_user, claim, operations.DraftInput(
                headline=form.get("headline", ""), summary=form.get("summary", ""), body=form.get("body", ""),
                verdict=form.get("verdict") or None, snapshot_ids=snapshot_ids, new_urls=new_urls,
                correction_note=form.get("correction_note") or None, language=form.get("language") or None))
        except ValidationError as exc:
            errors = exc.fields
        else:
            flash(_("Saved as a new revision."))
            return redirect(url_for("claims.show", claim_id=claim.id) + "#rebuttal")
    else:
        operations.check_may_draft(current_user, claim)  # 403 for who may not write it, 409 when nobody may now
    current = rebuttal.current if rebuttal else None
    if errors:  # keep everything the writer entered, the ticked sources and the language included
        cited = {int(x) for x in request.form.getlist("snapshot") if x.isdigit() and len(x) < 12}
        language = request.form.get("language") or default_language(claim.language)
    else:
        cited = {s.id for s in current.snapshots} if current else set()
        language = rebuttal.language if rebuttal else default_language(claim.language)
    choices = [s for timeline in latest_snapshots([src.id for src in claim.sources]).values() for s in timeline]
    choices += [s for s in (current.snapshots if current else []) if s.source_id is None]
    changes_asked = operations.changes_requested(rebuttal) if rebuttal else None
    return render_template("publish/edit.html", claim=claim, rebuttal=rebuttal, current=current, errors=errors,
                           form=request.form if errors else None, choices=choices, cited=cited,
                           changes_asked=changes_asked,
                           verdicts=[(name, verdict_label(name)) for name in VERDICT_NAMES],
                           languages=language_choices(), language=language,
                           preview=render_markdown(request.form.get("body", "") if errors else
                                                   (current.body if current else ""))), 400 if errors else 200


@bp.get("/claims/<id:claim_id>/rebuttal/revisions")
def revisions(claim_id: int) -> Any:
    """Every revision, and the diff between two of them (by default: your last review → now)."""
    claim = claims.get_claim(current_user, claim_id)
    rebuttal = operations.rebuttal_of(claim)
    if rebuttal is None or not rebuttal.revisions or not claims.sees_desk_work(current_user, claim):
        raise NotFound(_("This claim has no rebuttal you may read."))
    numbers = [r.number for r in rebuttal.revisions]
    last_review = operations.last_review_by(current_user, rebuttal)
    default_from = last_review.revision.number if last_review else max(1, numbers[-1] - 1)
    start, end = _revision_arg("from", default_from, numbers), _revision_arg("to", numbers[-1], numbers)
    by_number = {r.number: r for r in rebuttal.revisions}
    return render_template("publish/revisions.html", claim=claim, rebuttal=rebuttal, start=by_number[start],
                           field_names=REVISION_FIELDS,
                           end=by_number[end], diff=revision_diff(by_number[start], by_number[end]),
                           last_review=last_review)


def _revision_arg(name: str, default: int, numbers: list[int]) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) in numbers else default


@bp.post("/claims/<id:claim_id>/reviews")
def review(claim_id: int) -> Any:
    claim = claims.get_claim(current_user, claim_id)
    try:
        operations.review_rebuttal(current_user, claim, request.form.get("decision", ""),
                                   request.form.get("note", ""))
    except Forbidden:  # no right to this move (the four-eyes rule included): 403, as SPEC §2 says
        raise
    except WorkbenchError as exc:
        flash(exc.said, "error")
    else:
        decision = request.form.get("decision")
        flash(_("Approved.") if decision == Decision.APPROVE else _("Changes requested."))
    return redirect(url_for("claims.show", claim_id=claim.id) + "#rebuttal")


@bp.post("/desk/byline")
@role_required(Role.STAFF)
def byline() -> Any:
    """Set the desk-wide byline public pages credit instead of people's names (staff)."""
    try:
        set_byline(current_user, request.form.get("byline", ""))
    except ValidationError as exc:
        for message in exc.fields.values():
            flash(message, "error")
    else:
        flash(_("The desk byline is saved.") if desk_byline() else
              _("Public pages credit people by their display names."))
    return redirect(url_for("dashboard.dashboard") + "#byline")
