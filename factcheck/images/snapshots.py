"""An archived page's images: the page itself when the URL was an image, else its Open Graph
image and the pictures of its article (:func:`~factcheck.archive.extract.article_images`), each
fetched through the archive's guarded fetcher with its limits and checked like a screenshot
before a pixel is decoded."""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import select

from factcheck import db
from factcheck.archive.extract import article_images, looks_like_html
from factcheck.archive.fetch import FetchError, FetchPolicy, fetch
from factcheck.archive.models import Snapshot, State
from factcheck.claims.screenshots import CONTENT_TYPES, read_header
from factcheck.errors import ValidationError
from factcheck.images.models import ImageUse, Role
from factcheck.images.operations import add_use, image_for
from factcheck.storage import current_blobs

log = logging.getLogger(__name__)
IMAGE_TYPES = frozenset(CONTENT_TYPES.values())


def collect(snapshot_id: int, policy: FetchPolicy, max_bytes: int) -> list[int]:
    """Record snapshot ``snapshot_id``'s images (once: a second run finds them recorded); return
    the ids of the images recorded now, to hash and read."""
    session = db.session()
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None or snapshot.state != State.ARCHIVED or snapshot.sha256 is None:
        return []
    if session.scalar(select(ImageUse.id).where(ImageUse.snapshot_id == snapshot_id).limit(1)) is not None:
        return []  # collected already: the job ran before
    found: list[int] = []
    if (snapshot.content_type or "") in IMAGE_TYPES:
        image_id = _record(current_blobs().read(snapshot.sha256), snapshot, Role.BODY, snapshot.url)
        if image_id is not None:
            found.append(image_id)
        return found
    wanted = [(Role.OG_IMAGE, snapshot.og_image)] if snapshot.og_image else []
    body = current_blobs().read(snapshot.sha256)
    if looks_like_html(snapshot.content_type or "", body):
        wanted += [(Role.ARTICLE_IMAGE, url) for url in article_images(
            body, url=snapshot.final_url or snapshot.url, declared_charset=snapshot.charset)
            if url != snapshot.og_image]
    for role, url in wanted:
        data = _fetch_image(url, policy, max_bytes)
        image_id = _record(data, snapshot, role, url) if data is not None else None
        if image_id is not None:
            found.append(image_id)
    return found


def _fetch_image(url: str, policy: FetchPolicy, max_bytes: int) -> bytes | None:
    try:
        result = fetch(url, dataclasses.replace(policy, max_bytes=max_bytes))
    except FetchError as exc:
        log.info("image %s not fetched: %s", url, exc.kind)
        return None
    if result.status != 200:
        return None
    return result.body


def _record(data: bytes, snapshot: Snapshot, role: Role, url: str | None) -> int | None:
    try:
        header = read_header(data)
    except ValidationError:
        return None
    content_type = CONTENT_TYPES.get(header.kind, "image/png")
    sha256, _size = current_blobs().put(data)
    image = image_for(sha256, content_type, header.width, header.height)
    add_use(image, role=role, snapshot_id=snapshot.id, url=url)
    return image.id
