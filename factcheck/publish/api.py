"""``/api``: rebuttal drafts and corrections, reviews, the Markdown preview, and the public
fact-checks as ClaimReview."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user

from factcheck.api import Routes, json_response, page_of
from factcheck.api.schema import Field, Id, Page, PerPage
from factcheck.claims import operations as claims
from factcheck.claims.serialise import claim_as_dict
from factcheck.extensions import limiter
from factcheck.publish import operations
from factcheck.publish.language import PUBLISHING_LANGUAGES
from factcheck.publish.markdown import render_markdown
from factcheck.publish.models import Decision
from factcheck.publish.present import published_page
from factcheck.publish.serialise import rebuttal_as_dict
from factcheck.publish.verdicts import VERDICT_NAMES
from factcheck.web import account_key

# Every save keeps a new revision of up to 100 KB: a person saves a few a minute at most.
SAVES_PER_ACCOUNT = "30 per minute"

routes = Routes("publish")
SOURCE = Field("object", properties={
    "snapshot_id": Id("a snapshot of one of the claim's links (or already cited)"),
    "url": Field("string", max_length=2048, description="a new link, archived now"),
})
REBUTTAL_BODY = {
    "headline": Field("string", max_length=operations.MAX_HEADLINE),
    "summary": Field("string", max_length=operations.MAX_SUMMARY, description="one line, for share previews"),
    "body": Field("string", max_length=operations.MAX_BODY, description="Markdown"),
    "verdict": Field("string", enum=VERDICT_NAMES, nullable=True),
    "sources": Field("array", items=SOURCE, max_items=operations.MAX_SOURCES),
    "correction_note": Field("string", max_length=operations.MAX_NOTE, nullable=True,
                             description="required to change a published fact-check"),
    "language": Field("string", enum=PUBLISHING_LANGUAGES,
                      description="the fact-check's language; when absent, the rebuttal keeps its own "
                                  "(a new one: the claim's, when the site speaks it, else en)"),
}
REVIEW_BODY = {
    "decision": Field("string", required=True, enum=tuple(d.value for d in Decision)),
    "note": Field("string", max_length=2000, description="required to request changes"),
}
PREVIEW_BODY = {"body": Field("string", required=True, max_length=operations.MAX_BODY)}
FACT_CHECKS_QUERY = {"verdict": Field("string", enum=VERDICT_NAMES), "page": Page(), "per_page": PerPage(20)}


def draft_input(body: dict[str, Any]) -> operations.DraftInput:
    sources = body.get("sources") or []
    return operations.DraftInput(
        headline=body.get("headline") or "",
        summary=body.get("summary") or "",
        body=body.get("body") or "",
        verdict=body.get("verdict"),
        snapshot_ids=tuple(s["snapshot_id"] for s in sources if s.get("snapshot_id")),
        new_urls=tuple(s["url"] for s in sources if s.get("url") and not s.get("snapshot_id")),
        correction_note=body.get("correction_note"),
        language=body.get("language"),
    )


@routes.route("/claims/<id:claim_id>/rebuttal", "PUT", summary="Save a rebuttal draft revision, or a correction",
       body=REBUTTAL_BODY, responses={200: "the rebuttal with its new revision"}, tag="rebuttals")
@limiter.limit(SAVES_PER_ACCOUNT, key_func=account_key("rebuttal-saves"))
def save_rebuttal(claim_id: int, body: dict[str, Any]) -> Any:
    claim = claims.get_claim(current_user, claim_id)
    revision = operations.save_draft(current_user, claim, draft_input(body))
    return json_response(rebuttal_as_dict(revision.rebuttal))


@routes.route("/claims/<id:claim_id>/reviews", "POST", summary="Review a rebuttal: approve or request changes",
       body=REVIEW_BODY, responses={200: "the claim after the review"}, tag="rebuttals")
def review(claim_id: int, body: dict[str, Any]) -> Any:
    claim = claims.get_claim(current_user, claim_id)
    operations.review_rebuttal(current_user, claim, body["decision"], body.get("note") or "")
    return json_response(claim_as_dict(claim, current_user, detail=True))


@routes.route("/markdown", "POST", summary="Render a rebuttal body as sanitised HTML (the live preview)",
       body=PREVIEW_BODY, tag="rebuttals")
@limiter.limit("120 per minute", key_func=account_key("preview"),
               cost=lambda: 1 + (request.content_length or 0) // 10_000)
def preview(body: dict[str, Any]) -> Any:
    """Render the editor's body as the public page would. Per account, and charged by size: a
    preview of a few thousand characters costs 1, of the largest body 11, of the 120 a minute."""
    return json_response({"html": str(render_markdown(body["body"]))})


@routes.route("/fact-checks", "GET", summary="Published fact-checks as ClaimReview, newest first",
       query=FACT_CHECKS_QUERY, is_public=True, tag="fact-checks")
def fact_checks(query: dict[str, Any]) -> Any:
    page, per_page = query.get("page", 1), query.get("per_page", 20)
    views, total = published_page(query.get("verdict"), page, per_page)
    return json_response(page_of([view.claim_review() for view in views], total, page, per_page))

