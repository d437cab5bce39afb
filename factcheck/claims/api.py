"""``/api/claims``: filing, listing, reading and moving claims."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from factcheck.accounts.models import Role
from factcheck.api import Routes, json_response, page_of
from factcheck.api.schema import Field, Id, Page, PerPage
from factcheck.claims import operations, workflow
from factcheck.claims.bulk import MAX_BULK_CLAIMS, BulkAction, BulkRequest, Outcome, count, run_bulk
from factcheck.claims.links import find_links
from factcheck.claims.models import Platform, Status
from factcheck.claims.operations import MAX_NOTE_LENGTH, MAX_TEXT_LENGTH, MAX_URLS, ClaimInput
from factcheck.claims.queue import OPEN, Assigned, Order
from factcheck.claims.screenshots import read_upload, verify_screenshot
from factcheck.claims.serialise import claim_as_dict
from factcheck.claims.signals import answers, flattened, similar_claims
from factcheck.claims.tags import MAX_TAG_LENGTH, MAX_TAGS_PER_CLAIM
from factcheck.config import current_config
from factcheck.errors import Forbidden, ValidationError
from factcheck.storage import current_blobs

routes = Routes("claims")

PLATFORMS = tuple(p.value for p in Platform)
STATUSES = tuple(s.value for s in Status)

CLAIM_BODY = {
    "text": Field("string", max_length=MAX_TEXT_LENGTH, description="the post's text as forwarded"),
    "urls": Field("array", items=Field("string", max_length=2048), max_items=MAX_URLS,
                  description="the post's links, to archive: http(s), or written as in forwards (`bit.ly/abc` "
                              "is https://bit.ly/abc). Links in `text` are not taken unless listed here "
                              "(`POST /api/claims/links` finds them). Each bad link is reported as `urls[i]`"),
    "platform": Field("string", required=True, enum=PLATFORMS),
    "language": Field("string", max_length=16, nullable=True, description="e.g. hi or en; guessed when absent"),
}
CLAIM_MULTIPART = {
    **CLAIM_BODY,
    "screenshot": Field("string", format="binary", description="PNG, JPEG or WebP, at most 5 MB"),
}
LIST_QUERY = {
    "status": Field("string", enum=(*STATUSES, OPEN),
                    description="a state, or `open`: submitted, researching, in review or approved"),
    "assignee": Id("only claims assigned to this user"),
    "assigned": Field("string", enum=tuple(a.value for a in Assigned),
                      description="`me`: assigned to the caller; `none`: assigned to nobody"),
    "priority": Field("boolean", description="`true`: only priority claims; `false`: only the others"),
    "tag": Field("string", max_length=MAX_TAG_LENGTH * 2, description="only claims with this tag (normalised)"),
    "sort": Field("string", enum=tuple(o.value for o in Order),
                  description="`oldest` first (the default), or `priority` claims first, then oldest"),
    "page": Page(),
    "per_page": PerPage(),
}
TRANSITION_BODY = {
    "to": Field("string", required=True, enum=STATUSES, description="the state to move to"),
    "note": Field("string", max_length=MAX_NOTE_LENGTH),
    "duplicate_of": Id("the claim this one duplicates", nullable=True),
    "assignee": Id("who researches it (on triage)", nullable=True),
}


def claim_input_from_form() -> ClaimInput:
    """A filing sent to the API as multipart form data (with a screenshot)."""
    form = request.form
    unknown = set(form) - set(CLAIM_MULTIPART) - {"csrf_token"}
    if unknown and request.path.startswith("/api/"):
        # A part with no name at all comes through as None.
        raise ValidationError({(name or "(unnamed part)")[:100]: "unknown field" for name in unknown})
    urls = [line for value in form.getlist("urls") for line in value.splitlines()]
    upload = request.files.get("screenshot")
    screenshot = None
    if upload is not None and upload.filename:
        data = read_upload(upload.stream, current_config().screenshot_max_bytes)
        screenshot = verify_screenshot(data, upload.filename)
    return ClaimInput(
        text=form.get("text", ""),
        urls=tuple(urls),
        platform=form.get("platform", ""),
        language=form.get("language") or None,
        screenshot=screenshot,
    )


@routes.route("/claims", "POST", summary="File a claim", body=CLAIM_BODY, multipart=CLAIM_MULTIPART,
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
    claim = operations.build_claim(current_user, data, current_blobs())
    # What is like it is looked up first, before the filing writes: on SQLite a write holds the
    # database's only write lock until the commit, and the index lookup would hold up every
    # other filing meanwhile (the new claim is not in the index yet either way). A screenshot's
    # look-alikes need its prints, which are made as the claim is added: then it is looked up after.
    look_up_first = claim.screenshot is None
    similar = flattened(answers(similar_claims, claim, actor=current_user)) if look_up_first else []
    operations.add_claim(current_user, claim)
    if not look_up_first:
        similar = flattened(answers(similar_claims, claim, actor=current_user))
    payload = claim_as_dict(claim, current_user)
    payload["similar"] = similar
    return json_response(payload, 201)


LINKS_BODY = {
    "text": Field("string", required=True, max_length=MAX_TEXT_LENGTH, description="a post's text as pasted"),
}


@routes.route("/claims/links", "POST", summary="Find the links in a pasted text", body=LINKS_BODY,
              responses={200: "`links`: the links found in the text, normalised, each once, in order: those "
                              "without a scheme (`bit.ly/abc`), with punctuation, brackets or emoji around them, "
                              "several in one text. Filing with `POST /api/claims` archives only the `urls` it "
                              "is given: pass the ones you want"},
              tag="claims")
def find_links_in_text(body: dict[str, Any]) -> Any:
    """The links the filing form offers for a text (its page asks as the text is typed)."""
    return json_response({"links": find_links(body["text"])})


@routes.route("/claims", "GET", summary="List the claims you may see, oldest first", query=LIST_QUERY, tag="claims")
def list_claims(query: dict[str, Any]) -> Any:
    per_page = query.get("per_page", 25)
    page = query.get("page", 1)
    assigned = query.get("assigned")
    items, total = operations.list_claims(
        current_user, status=query.get("status"), assignee_id=query.get("assignee"),
        assigned=Assigned(assigned) if assigned else None, priority=query.get("priority"), tag=query.get("tag"),
        order=Order(query.get("sort", Order.OLDEST.value)), page=page, per_page=per_page,
    )
    return json_response(page_of([claim_as_dict(c, current_user) for c in items], total, page, per_page))


@routes.route("/claims/<id:claim_id>", "GET", summary="A claim with its sources and history", tag="claims")
def get_claim(claim_id: int) -> Any:
    return json_response(claim_as_dict(operations.get_claim(current_user, claim_id), current_user, detail=True))


@routes.route("/claims/<id:claim_id>/transitions", "POST", summary="Move a claim to another state (SPEC §2)",
       body=TRANSITION_BODY, responses={200: "the claim after the move"}, tag="claims")
def transition(claim_id: int, body: dict[str, Any]) -> Any:
    claim = operations.get_claim(current_user, claim_id)
    workflow.transition_claim(current_user, claim, body["to"], workflow.MoveRequest(
        note=body.get("note") or "", duplicate_of_id=body.get("duplicate_of"), assignee_id=body.get("assignee")))
    return json_response(claim_as_dict(claim, current_user, detail=True))


TAGS_BODY = {
    "tags": Field("array", required=True, items=Field("string", max_length=MAX_TAG_LENGTH * 2),
                  max_items=MAX_TAGS_PER_CLAIM,
                  description=f"the claim's tags, all of them (at most {MAX_TAGS_PER_CLAIM}, each at most "
                              f"{MAX_TAG_LENGTH} characters once normalised: lower case, single spaces)"),
}
PRIORITY_BODY = {"priority": Field("boolean", required=True, description="whether the desk handles it first")}
ASSIGNEE_BODY = {"assignee": Id("who works on it; null for nobody", required=True, nullable=True)}
BULK_BODY = {
    "action": Field("string", required=True, enum=tuple(a.value for a in BulkAction),
                    description="`assign` (needs `assignee`), `tag` (needs `tag`), `priority` (sets `priority`, "
                                "default true), `reject` (as not check-worthy, with the desk's fixed note), "
                                "`duplicate` (needs `duplicate_of`)"),
    "claims": Field("array", required=True, items=Id(), max_items=MAX_BULK_CLAIMS,
                    description=f"the claims to act on, 1 to {MAX_BULK_CLAIMS}"),
    "assignee": Id("for `assign`: who works on them; null for nobody", nullable=True),
    "tag": Field("string", max_length=MAX_TAG_LENGTH * 2, description="for `tag`: the tag to add"),
    "priority": Field("boolean", description="for `priority`: set (true, the default) or clear the mark"),
    "duplicate_of": Id("for `duplicate`: the claim they duplicate"),
}


@routes.route("/claims/<id:claim_id>/tags", "PUT", summary="Set a claim's tags (reviewer+)", body=TAGS_BODY,
              responses={200: "the claim with its new tags"}, tag="claims")
def put_tags(claim_id: int, body: dict[str, Any]) -> Any:
    _require_desk()
    claim = operations.get_claim(current_user, claim_id)
    operations.set_tags(current_user, claim, body["tags"])
    return json_response(claim_as_dict(claim, current_user, detail=True))


@routes.route("/claims/<id:claim_id>/priority", "PUT", summary="Mark a claim as a priority, or not (reviewer+)",
              body=PRIORITY_BODY, responses={200: "the claim with its priority"}, tag="claims")
def put_priority(claim_id: int, body: dict[str, Any]) -> Any:
    _require_desk()
    claim = operations.get_claim(current_user, claim_id)
    operations.set_priority(current_user, claim, body["priority"])
    return json_response(claim_as_dict(claim, current_user, detail=True))


@routes.route("/claims/<id:claim_id>/assignee", "PUT", summary="Assign a claim to someone, or nobody (reviewer+)",
              body=ASSIGNEE_BODY, responses={200: "the claim with its assignee"}, tag="claims")
def put_assignee(claim_id: int, body: dict[str, Any]) -> Any:
    _require_desk()
    claim = operations.get_claim(current_user, claim_id)
    assignee = operations.find_user(body["assignee"]) if body["assignee"] is not None else None
    if claim.assignee_id != (assignee.id if assignee else None):
        operations.assign_claim(current_user, claim, assignee)
    return json_response(claim_as_dict(claim, current_user, detail=True))


@routes.route("/claims/bulk", "POST", summary="One action on many claims (reviewer+)", body=BULK_BODY,
              responses={200: "`results`: one per claim, in claim order, each `{claim, outcome, status}` with "
                              "outcome `done`, `unchanged` or `refused` (then `error`, `message` and, for a "
                              "move the lifecycle does not allow, `allowed`); the claims done are saved even "
                              "when others are refused; `done`, `unchanged` and `refused` count them"},
              tag="claims")
def bulk(body: dict[str, Any]) -> Any:
    _require_desk()
    if body["action"] == BulkAction.ASSIGN and "assignee" not in body:
        raise ValidationError({"assignee": _("name who to assign them to, or null for nobody")})
    results = run_bulk(current_user, BulkRequest(
        action=BulkAction(body["action"]), claim_ids=tuple(body["claims"]), assignee_id=body.get("assignee"),
        tag=body.get("tag") or "", priority=body.get("priority", True), duplicate_of_id=body.get("duplicate_of")))
    return json_response({
        "action": body["action"],
        "results": [result.as_dict() for result in results],
        **{outcome.value: count(results, outcome) for outcome in Outcome},
    })


def _require_desk() -> None:
    if not current_user.has_role(Role.REVIEWER):
        raise Forbidden(_("only reviewers and staff change a claim's assignment, tags or priority"))
