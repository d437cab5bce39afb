"""``/api/claims``: filing, listing, reading and moving claims."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user

from factcheck.api import json_response, page_of, route
from factcheck.api.schema import Field, Id, Page, PerPage
from factcheck.archive.operations import latest_snapshots, snapshot_as_dict
from factcheck.claims import operations, workflow
from factcheck.claims.models import Claim, Platform, Status
from factcheck.claims.operations import MAX_NOTE_LENGTH, MAX_TEXT_LENGTH, MAX_URLS, ClaimInput
from factcheck.claims.screenshots import read_upload, verify_screenshot
from factcheck.errors import ValidationError
from factcheck.lifecycle import transition_claim
from factcheck.publish.serialise import rebuttal_as_dict
from factcheck.search.service import similar_for

PLATFORMS = tuple(p.value for p in Platform)
STATUSES = tuple(s.value for s in Status)

CLAIM_BODY = {
    "text": Field("string", max_length=MAX_TEXT_LENGTH, description="the post's text as forwarded"),
    "urls": Field("array", items=Field("string", max_length=2048), max_items=MAX_URLS,
                  description="http(s) links in the post"),
    "platform": Field("string", required=True, enum=PLATFORMS),
    "language": Field("string", max_length=16, nullable=True, description="e.g. hi or en; guessed when absent"),
}
CLAIM_MULTIPART = {
    **CLAIM_BODY,
    "screenshot": Field("string", format="binary", description="PNG, JPEG or WebP, at most 5 MB"),
}
LIST_QUERY = {
    "status": Field("string", enum=STATUSES),
    "assignee": Id("only claims assigned to this user"),
    "page": Page(),
    "per_page": PerPage(),
}
TRANSITION_BODY = {
    "to": Field("string", required=True, enum=STATUSES, description="the state to move to"),
    "note": Field("string", max_length=MAX_NOTE_LENGTH),
    "duplicate_of": Id("the claim this one duplicates", nullable=True),
    "assignee": Id("who researches it (on triage)", nullable=True),
}


def claim_as_dict(claim: Claim, *, detail: bool = False) -> dict[str, Any]:
    """The API's view of a claim; ``detail`` adds its history and the caller's possible moves."""
    data: dict[str, Any] = {
        "id": claim.id,
        "url": url_for("claims.show", claim_id=claim.id, _external=False),
        "text": claim.text,
        "platform": claim.platform,
        "language": claim.language,
        "status": claim.status,
        "submitted_by": claim.submitted_by_id,
        "assignee": claim.assignee_id,
        "duplicate_of": claim.duplicate_of_id,
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
        "sources": [{"id": s.id, "url": s.url, "domain": s.domain} for s in claim.sources],
        "screenshot": None,
    }
    if claim.screenshot is not None:
        shot = claim.screenshot
        data["screenshot"] = {
            "url": url_for("claims.screenshot", claim_id=claim.id),
            "content_type": shot.content_type,
            "width": shot.width,
            "height": shot.height,
            "size": shot.size,
            "sha256": shot.sha256,
        }
    if detail:
        timeline = latest_snapshots([source.id for source in claim.sources])
        for source in data["sources"]:
            source["snapshots"] = [snapshot_as_dict(s) for s in timeline.get(source["id"], [])]
        rebuttal = claim.rebuttal  # type: ignore[attr-defined]
        data["rebuttal"] = rebuttal_as_dict(rebuttal) if rebuttal is not None else None
        data["events"] = [event.as_dict() for event in operations.claim_events(claim)]
        data["allowed_transitions"] = [t.target.value for t in workflow.moves_for(current_user, claim)]
    return data


def claim_input_from_form() -> ClaimInput:
    """A filing sent as multipart form data (the web form, or the API with a screenshot)."""
    form = request.form
    unknown = set(form) - set(CLAIM_MULTIPART) - {"csrf_token"}
    if unknown and request.path.startswith("/api/"):
        # A part with no name at all comes through as None.
        raise ValidationError({(name or "(unnamed part)")[:100]: "unknown field" for name in unknown})
    urls = [line for value in form.getlist("urls") for line in value.splitlines()]
    upload = request.files.get("screenshot")
    screenshot = None
    if upload is not None and upload.filename:
        data = read_upload(upload.stream, current_app.config["FACTCHECK"].screenshot_max_bytes)
        screenshot = verify_screenshot(data, upload.filename)
    return ClaimInput(
        text=form.get("text", ""),
        urls=tuple(urls),
        platform=form.get("platform", ""),
        language=form.get("language") or None,
        screenshot=screenshot,
    )


@route("/claims", "POST", summary="File a claim", body=CLAIM_BODY, multipart=CLAIM_MULTIPART,
       responses={201: "the new claim, and the similar claims already known"}, tag="claims")
def create_claim(body: dict[str, Any] | None) -> Any:
    """File a claim from JSON, or from multipart form data carrying a screenshot."""
    if body is None:
        data = claim_input_from_form()
    else:
        data = ClaimInput(
            text=body.get("text") or "",
            urls=tuple(body.get("urls") or ()),
            platform=body["platform"],
            language=body.get("language"),
        )
    claim = operations.file_claim(current_user, data, current_app.extensions["factcheck.archive"].blobs)
    payload = claim_as_dict(claim)
    payload["similar"] = similar_for(current_user, claim)
    return json_response(payload, 201)


@route("/claims", "GET", summary="List the claims you may see, oldest first", query=LIST_QUERY, tag="claims")
def list_claims(query: dict[str, Any]) -> Any:
    per_page = query.get("per_page", 25)
    page = query.get("page", 1)
    items, total = operations.list_claims(
        current_user, status=query.get("status"), assignee_id=query.get("assignee"), page=page, per_page=per_page
    )
    return json_response(page_of([claim_as_dict(c) for c in items], total, page, per_page))


@route("/claims/<id:claim_id>", "GET", summary="A claim with its sources and history", tag="claims")
def get_claim(claim_id: int) -> Any:
    return json_response(claim_as_dict(operations.get_claim(current_user, claim_id), detail=True))


@route("/claims/<id:claim_id>/transitions", "POST", summary="Move a claim to another state (SPEC §2)",
       body=TRANSITION_BODY, responses={200: "the claim after the move"}, tag="claims")
def transition(claim_id: int, body: dict[str, Any]) -> Any:
    claim = operations.get_claim(current_user, claim_id)
    transition_claim(
        current_user,
        claim,
        body["to"],
        note=body.get("note") or "",
        duplicate_of_id=body.get("duplicate_of"),
        assignee_id=body.get("assignee"),
    )
    return json_response(claim_as_dict(claim, detail=True))
