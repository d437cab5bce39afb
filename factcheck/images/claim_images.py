"""The images feature's part in a claim: its screenshot is recorded, hashed at once (so the
matches show at filing) and read in the background; its page shows the text read in its images."""

from __future__ import annotations

import logging
from typing import Any

from flask import render_template
from markupsafe import Markup

from factcheck.accounts.models import User
from factcheck.claims import signals
from factcheck.claims.models import Claim
from factcheck.claims.signals import Panel
from factcheck.images import ocr
from factcheck.images.models import Role
from factcheck.images.operations import HASH_JOB, OCR_JOB, add_use, hash_image, image_for, ocr_panel_data
from factcheck.jobs import get_queue

log = logging.getLogger(__name__)
IMAGES_PANEL_ORDER = 15


def record_screenshot(claim: Claim, **_: Any) -> None:
    """Record a new claim's screenshot, hash it now, and read it once the filing commits."""
    shot = claim.screenshot
    if shot is None:
        return
    image = image_for(shot.sha256, shot.content_type, shot.width, shot.height)
    add_use(image, role=Role.SCREENSHOT, claim_id=claim.id)
    try:
        hash_image(image.id)  # a few tens of milliseconds: the filer sees the matches at once
    except Exception:  # the job below does it again; filing never fails for it
        log.exception("hashing the screenshot of claim %s", claim.id)
    queue = get_queue()
    queue.enqueue_after_commit(HASH_JOB, image.id)
    queue.enqueue_after_commit(OCR_JOB, image.id)


def images_panel(claim: Claim, actor: User, **_: Any) -> Panel | None:
    """"Text in images": what was read in the claim's images, or why not yet."""
    images = ocr_panel_data(claim)
    if not images:
        return None
    html = render_template("images/panel_images.html", images=images, ocr_available=ocr.available())
    return Panel(IMAGES_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def image_details(claim: Claim, data: dict[str, Any], **_: Any) -> None:
    """Add the claim's images (their OCR state and text) to the API's detailed view of it."""
    data["images"] = [{"id": item["id"], "ocr_state": item["state"], "ocr_text": item["text"],
                       "roles": item["roles"]} for item in ocr_panel_data(claim)]


def connect() -> None:
    """Answer the claims feature's signals."""
    signals.claim_filed.connect(record_screenshot)
    signals.claim_panels.connect(images_panel)
    signals.claim_details.connect(image_details)
