"""Search by image: ``POST /api/search/image`` and the search page's image form (SPEC §6).

An uploaded image finds the claims and fact-checks holding an image like it (its perceptual
prints, looked up in the images feature's multi-index) and those whose words match the text
read in it (OCR, then the near-duplicate search of filing). Matches are shown as at filing: a
match the caller may not read shows only its id, status and fact-check link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from factcheck import db
from factcheck.api import Routes, json_response
from factcheck.api.schema import Field
from factcheck.claims.screenshots import read_upload, verify_screenshot
from factcheck.config import current_config
from factcheck.errors import ValidationError
from factcheck.images import ocr
from factcheck.images.decode import Undecodable, decode
from factcheck.images.operations import claims_like_image
from factcheck.images.prints import prints_of
from factcheck.publish.models import Rebuttal
from factcheck.search.claim_matches import image_score, match_entries
from factcheck.search.service import get_index

bp = Blueprint("search_image", __name__)
routes = Routes("search_image")
LIMIT = 20
IMAGE_BODY = {"image": Field("string", required=True, max_length=0,
                             description="send the image as multipart/form-data, not JSON")}
IMAGE_MULTIPART = {"image": Field("string", format="binary", description="PNG, JPEG or WebP, at most 5 MB")}


def read_image_upload() -> bytes:
    """The uploaded ``image`` part, checked like a screenshot (400 or 413 naming ``image``)."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        raise ValidationError({"image": _("choose an image")})
    data = read_upload(upload.stream, current_config().screenshot_max_bytes)
    try:
        verify_screenshot(data, upload.filename)
    except ValidationError as exc:
        raise ValidationError({"image": exc.fields.get("screenshot", _("not an image"))}) from None
    return data


def search_by_image(data: bytes, actor: Any) -> dict[str, Any]:
    """What ``data`` (a verified image) matches: by its prints, and by the text read in it."""
    try:
        picture = decode(data)
    except Undecodable:
        raise ValidationError({"image": _("the image could not be read")}) from None
    found: dict[int, tuple[str, float]] = {}
    for claim_id, distance in claims_like_image(prints_of(picture)).items():
        found[claim_id] = ("image", image_score(distance))
    text = ocr.read_text(picture) if ocr.available() else ""
    if text:
        for match in get_index().similar(text, [], limit=LIMIT):
            owner = _claim_of_factcheck(match.id) if match.kind == "factcheck" else match.id
            if owner is not None:
                found.setdefault(owner, ("text", match.score))
    return {"text": text, "ocr": ocr.status(), "matches": match_entries(actor, found, LIMIT)}


def _claim_of_factcheck(rebuttal_id: int) -> int | None:
    rebuttal = db.session().get(Rebuttal, rebuttal_id)
    return rebuttal.claim_id if rebuttal is not None else None


@routes.route("/search/image", "POST", summary="Find the claims and fact-checks holding an image, or its words",
              body=IMAGE_BODY, multipart=IMAGE_MULTIPART,
              responses={200: "the matches: by the image's prints (`reason` image) and by its text (`reason` text)"},
              tag="search")
def search_image_api(body: dict[str, Any] | None) -> Any:
    if body is not None:
        raise ValidationError({"image": _("send the image as multipart/form-data")})
    return json_response(search_by_image(read_image_upload(), current_user))


@bp.post("/search/image")
def search_image_page() -> Any:
    """The search page's image form: the matches of an uploaded image."""
    try:
        result = search_by_image(read_image_upload(), current_user)
        error = None
    except ValidationError as exc:
        result, error = None, "; ".join(exc.fields.values())
    return render_template("search/image_results.html", result=result, error=error), 400 if error else 200
