"""Public fact-check pages, feeds and share cards; and, for the desk, the rebuttal editor, its
revisions and diffs, and the review form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from factcheck import db
from factcheck.archive.operations import latest_snapshots
from factcheck.claims import operations as claims
from factcheck.errors import NotFound, ValidationError, WorkbenchError
from factcheck.extensions import limiter
from factcheck.publish import operations
from factcheck.publish.claimreview import json_ld_script
from factcheck.publish.diff import revision_diff
from factcheck.publish.feeds import atom_feed, sitemap
from factcheck.publish.markdown import render_markdown
from factcheck.publish.models import Decision
from factcheck.publish.present import absolute, find_published, present, published_page, published_query, site_name
from factcheck.publish.share_card import render_share_card
from factcheck.publish.sharing import meta_tags
from factcheck.publish.verdicts import VERDICT_NAMES
from factcheck.storage import write_atomically
from factcheck.web import page_arg, public

bp = Blueprint("publish", __name__)
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
    return render_template("publish/index.html", views=views, total=total, page=page, per_page=PER_PAGE,
                           verdict=verdict, verdicts=VERDICT_NAMES)


@bp.get("/fact-checks/<slug>")
@public
def factcheck(slug: str) -> Any:
    rebuttal = find_published(slug)
    if rebuttal is None:
        raise NotFound("no such fact-check")
    view = present(rebuttal)
    return render_template("publish/factcheck.html", view=view, json_ld=json_ld_script(view.claim_review()),
                           meta=meta_tags(view.open_graph()))


@bp.get("/fact-checks/<slug>/card.png")
@public
def card(slug: str) -> Any:
    """The Open Graph image: verdict and headline, 1200×630, cached per revision."""
    rebuttal = find_published(slug)
    if rebuttal is None or rebuttal.current is None:
        raise NotFound("no such fact-check")
    revision = rebuttal.current
    path = current_app.config["FACTCHECK"].archive_dir / "cards" / f"{rebuttal.id}-{revision.number}.png"
    if not path.is_file():
        write_atomically(path, render_share_card(revision.headline, revision.verdict or "", site_name(),
                                                 language=rebuttal.claim.language))
    response = Response(path.read_bytes(), mimetype="image/png")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.get("/fact-checks/feed.atom")
@public
def feed() -> Any:
    views = [present(r) for r in db.session().scalars(published_query().limit(FEED_SIZE))]
    updated = max((v.updated_at or v.published_at for v in views), default=db.utcnow())
    body = atom_feed(
        feed_id=absolute(url_for("publish.feed")), title=f"{site_name()}: fact-checks",
        self_url=absolute(url_for("publish.feed")), site_url=absolute(url_for("publish.index")),
        updated=updated, entries=[v.feed_entry() for v in views], author=site_name(),
    )
    return Response(body, mimetype="application/atom+xml", headers={"Cache-Control": "public, max-age=300"})


@bp.get("/sitemap.xml")
@public
def sitemap_xml() -> Any:
    views = [present(r) for r in db.session().scalars(published_query())]
    urls = [(absolute(url_for("publish.index")), max((v.updated_at or v.published_at for v in views),
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
                                          blobs=current_app.extensions["factcheck.archive"].blobs)
        except ValidationError as exc:
            db.rollback()
            errors = exc.fields
        else:
            flash(_("Thank you. Your report reached the desk."))
            return redirect(url_for("publish.report_error"))
    return render_template("publish/report.html", errors=errors, form=form,
                           url=request.args.get("url", "")), 400 if errors else 200


# -- the desk --------------------------------------------------------------------------------------


@bp.route("/claims/<id:claim_id>/rebuttal", methods=["GET", "POST"])
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
                correction_note=form.get("correction_note") or None))
        except ValidationError as exc:
            db.rollback()
            errors = exc.fields
        else:
            flash(_("Saved as a new revision."))
            return redirect(url_for("claims.show", claim_id=claim.id) + "#rebuttal")
    elif not operations.may_draft(current_user, claim):
        raise WorkbenchError(_("This rebuttal cannot be edited now."))
    current = rebuttal.current if rebuttal else None
    cited = {s.id for s in current.snapshots} if current else set()
    choices = [s for timeline in latest_snapshots([src.id for src in claim.sources]).values() for s in timeline]
    choices += [s for s in (current.snapshots if current else []) if s.source_id is None]
    return render_template("publish/edit.html", claim=claim, rebuttal=rebuttal, current=current, errors=errors,
                           form=request.form if errors else None, choices=choices, cited=cited,
                           verdicts=VERDICT_NAMES,
                           preview=render_markdown(request.form.get("body", "") if errors else
                                                   (current.body if current else ""))), 400 if errors else 200


@bp.get("/claims/<id:claim_id>/rebuttal/revisions")
def revisions(claim_id: int) -> Any:
    """Every revision, and the diff between two of them (by default: your last review → now)."""
    claim = claims.get_claim(current_user, claim_id)
    rebuttal = operations.rebuttal_of(claim)
    if rebuttal is None or not rebuttal.revisions:
        raise NotFound("this claim has no rebuttal yet")
    numbers = [r.number for r in rebuttal.revisions]
    last_review = operations.last_review_by(current_user, rebuttal)
    default_from = last_review.revision.number if last_review else max(1, numbers[-1] - 1)
    start, end = _revision_arg("from", default_from, numbers), _revision_arg("to", numbers[-1], numbers)
    by_number = {r.number: r for r in rebuttal.revisions}
    return render_template("publish/revisions.html", claim=claim, rebuttal=rebuttal, start=by_number[start],
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
    except WorkbenchError as exc:
        db.rollback()
        fields = getattr(exc, "fields", None)
        flash("; ".join(fields.values()) if fields else exc.message, "error")
    else:
        decision = request.form.get("decision")
        flash(_("Approved.") if decision == Decision.APPROVE else _("Changes requested."))
    return redirect(url_for("claims.show", claim_id=claim.id) + "#rebuttal")
