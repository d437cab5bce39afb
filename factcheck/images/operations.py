"""Recording images where they appear, hashing them, reading their text, and finding the claims
that hold an image like another.

Jobs call :func:`hash_image` and :func:`read_image`; both are idempotent (an image hashed or read
already is left alone, unless its prints are of an older :data:`~factcheck.images.prints.VERSION`:
they are recomputed), so a job that runs twice, or again after a worker died, does no harm.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from factcheck import db
from factcheck.archive.models import Snapshot
from factcheck.claims.models import Claim, Source
from factcheck.images import lookup, ocr
from factcheck.images.decode import Undecodable, decode
from factcheck.images.models import Image, ImageHash, ImageHashChunk, ImageUse, OcrState, Role
from factcheck.images.prints import MIN_QUALITY, VERSION, WHOLE, Print, prints_of
from factcheck.images.signals import text_read
from factcheck.storage import current_blobs

HASH_JOB = "images.hash"
OCR_JOB = "images.ocr"
SNAPSHOT_JOB = "images.snapshot"


def image_for(sha256: str, content_type: str, width: int, height: int) -> Image:
    """The image row for these bytes, created (and flushed) when first seen."""
    session = db.session()
    image = session.scalar(select(Image).where(Image.sha256 == sha256))
    if image is None:
        image = Image(sha256=sha256, content_type=content_type, width=width, height=height)
        session.add(image)
        session.flush()
    return image


def add_use(image: Image, *, role: Role, claim_id: int | None = None, snapshot_id: int | None = None,
            url: str | None = None) -> ImageUse:
    """Record that ``image`` appears in a claim or snapshot (once per place and role)."""
    session = db.session()
    use = session.scalar(select(ImageUse).where(
        ImageUse.image_id == image.id, ImageUse.role == role.value,
        ImageUse.claim_id.is_(None) if claim_id is None else ImageUse.claim_id == claim_id,
        ImageUse.snapshot_id.is_(None) if snapshot_id is None else ImageUse.snapshot_id == snapshot_id))
    if use is None:
        use = ImageUse(image_id=image.id, role=role.value, claim_id=claim_id, snapshot_id=snapshot_id, url=url)
        session.add(use)
        session.flush()
    return use


def store_prints(image: Image, found: Sequence[Print]) -> None:
    """Keep ``found`` as the image's prints (the matchable ones with their window keys)."""
    session = db.session()
    for item in found:
        row = ImageHash(image_id=image.id, view=item.view, hash=item.hex, quality=item.quality)
        session.add(row)
        session.flush()
        if item.matchable:
            session.add_all(ImageHashChunk(key=key, hash_id=row.id) for key in item.window_keys())
    whole = next((item for item in found if item.view == WHOLE), None)
    image.quality = whole.quality if whole else 0
    image.hashed_at = db.utcnow()
    session.flush()


def hash_image(image_id: int) -> bool:
    """Compute and store the prints of image ``image_id`` unless it has them; True when done now."""
    session = db.session()
    image = session.get(Image, image_id)
    if image is None or (image.hashed_at is not None and not prints_outdated(image)):
        return False
    if image.hashes:  # of an older version: replaced
        image.hashes.clear()
        session.flush()
    try:
        picture = decode(current_blobs().read(image.sha256))
    except (Undecodable, FileNotFoundError):
        store_prints(image, [])  # nothing to match: recorded as hashed, quality 0
        return True
    store_prints(image, prints_of(picture))
    return True


def prints_outdated(image: Image) -> bool:
    """Whether ``image`` has prints computed by an older version of the views."""
    return any(not row.view.startswith(VERSION) for row in image.hashes)


def outdated_image_ids(limit: int) -> list[int]:
    """Up to ``limit`` images with prints of an older version of the views."""
    rows = select(ImageHash.image_id).where(~ImageHash.view.startswith(VERSION, autoescape=True)).distinct()
    return list(db.session().scalars(rows.order_by(ImageHash.image_id).limit(limit)))


def read_image(image_id: int) -> str:
    """Read image ``image_id``'s text unless it was read; return its OCR state. Raises when
    Tesseract fails to run, so that the job is retried."""
    session = db.session()
    image = session.get(Image, image_id)
    if image is None:
        return "gone"
    if image.ocr_state == OcrState.DONE:
        return image.ocr_state
    if not ocr.available():
        image.ocr_state = OcrState.UNAVAILABLE.value
        session.flush()
        return image.ocr_state
    try:
        picture = decode(current_blobs().read(image.sha256))
    except (Undecodable, FileNotFoundError):
        image.ocr_state = OcrState.FAILED.value
        session.flush()
        return image.ocr_state
    image.ocr_text = ocr.read_text(picture)
    image.ocr_state = OcrState.DONE.value
    image.ocr_at = db.utcnow()
    session.flush()
    claim_ids = sorted({use.claim_id for use in image.uses if use.claim_id is not None})
    snapshot_ids = sorted({use.snapshot_id for use in image.uses if use.snapshot_id is not None})
    text_read.send(image, claim_ids=claim_ids, snapshot_ids=snapshot_ids)
    return image.ocr_state


def images_of_claim(claim_id: int) -> list[Image]:
    """The images of a claim: its screenshot and those of its archived pages."""
    session = db.session()
    snapshots = select(Snapshot.id).join(Source, Snapshot.source_id == Source.id).where(Source.claim_id == claim_id)
    return list(session.scalars(select(Image).join(ImageUse).where(
        (ImageUse.claim_id == claim_id) | ImageUse.snapshot_id.in_(snapshots)).distinct().order_by(Image.id)))


def claim_image_text(claim_id: int) -> str:
    """The text read in a claim's own screenshot (empty when none, or not read yet)."""
    return "\n".join(text for text in db.session().scalars(
        select(Image.ocr_text).join(ImageUse).where(ImageUse.claim_id == claim_id)) if text)


def texts_by_claim(claim_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Claim id → the text read in its screenshot, for many claims at once (indexing)."""
    return _texts_by(ImageUse.claim_id, claim_ids)


def texts_by_snapshot(snapshot_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Snapshot id → the text read in its images (indexing)."""
    return _texts_by(ImageUse.snapshot_id, snapshot_ids)


def _texts_by(owner: Any, ids: Iterable[int] | None) -> dict[int, str]:
    """``owner`` (a column of ImageUse) → the texts read in its images, joined by line breaks."""
    query = select(owner, Image.ocr_text).join(Image).where(owner.is_not(None), Image.ocr_text != "")
    if ids is not None:
        query = query.where(owner.in_(list(ids)))
    out: dict[int, str] = {}
    for owner_id, text in db.session().execute(query):
        out[owner_id] = f"{out[owner_id]}\n{text}" if owner_id in out else text
    return out


def claims_with_images(image_distances: dict[int, int], session: Session | None = None) -> dict[int, int]:
    """Claim id → best distance, for the claims whose screenshot or archived pages hold one of
    the images (image id → distance)."""
    session = session or db.session()
    if not image_distances:
        return {}
    out: dict[int, int] = {}
    rows = session.execute(
        select(ImageUse.image_id, ImageUse.claim_id, Source.claim_id)
        .outerjoin(Snapshot, ImageUse.snapshot_id == Snapshot.id)
        .outerjoin(Source, Snapshot.source_id == Source.id)
        .where(ImageUse.image_id.in_(list(image_distances))))
    for image_id, own, via_source in rows:
        claim_id = own if own is not None else via_source
        if claim_id is not None:
            out[claim_id] = min(out.get(claim_id, 257), image_distances[image_id])
    return out


def claims_like_image(found: Sequence[Print]) -> dict[int, int]:
    """Claim id → distance, for the claims holding an image near the prints ``found``."""
    hashes = [item.hash for item in found if item.matchable]
    return claims_with_images(lookup.nearest(db.session(), hashes))


def claims_with_same_image(claim_id: int) -> dict[int, int]:
    """Other claims holding an image like one of claim ``claim_id``'s (other id → distance)."""
    session = db.session()
    own = [image.id for image in images_of_claim(claim_id)]
    if not own:
        return {}
    # The stored views of this claim's images stand for the query: an image filed later with a
    # banner or a crop finds this one through its own query views, and this one finds it back here.
    hashes = [int(value, 16) for value in session.scalars(
        select(ImageHash.hash).where(ImageHash.image_id.in_(own), ImageHash.quality >= MIN_QUALITY))]
    near = {image_id: d for image_id, d in lookup.nearest(session, hashes).items() if image_id not in own}
    same = dict.fromkeys(own, 0)
    found = claims_with_images({**near, **same})
    found.pop(claim_id, None)
    return found


def ocr_panel_data(claim: Claim) -> list[dict[str, Any]]:
    """Each image of a claim with its OCR state and text, for the claim page."""
    return [{"id": image.id, "state": image.ocr_state, "text": image.ocr_text,
             "roles": sorted({use.role for use in image.uses})} for image in images_of_claim(claim.id)]
