"""Pending uploads: what a phone shared, or a volunteer was filing, kept for a short while until
it is filed.

A Web Share Target is posted to by the phone, with no CSRF token and perhaps before its user has
logged in, so it files nothing: it keeps what was shared as a pending upload and answers with the
filing form's address, carrying a random token (only its SHA-256 is stored). The first person to
open that address logged in becomes its owner; nobody else ever sees it. The image's bytes wait in
``<archive>/pending/`` under a random name, apart from the content-addressed blobs (which are
shared and never deleted), and go when the upload is filed or expires (:func:`remove_expired`,
a periodic job).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select

from factcheck import db
from factcheck.accounts.models import User
from factcheck.claims.models import PendingUpload
from factcheck.claims.screenshots import VerifiedImage, verify_screenshot
from factcheck.config import current_config
from factcheck.errors import ValidationError, failure_handled
from factcheck.storage import write_atomically

log = logging.getLogger(__name__)

LIFETIME = dt.timedelta(hours=1)
CLEANUP_JOB = "claims.remove_expired_uploads"
TOKEN_BYTES = 24
FOLDER = "pending"  # inside the archive folder, which every web process shares
_FILE_SUFFIX = ".upload"


@dataclass(frozen=True)
class SharedPost:
    """What arrives at the share target, before it is kept."""

    title: str = ""
    text: str = ""
    url: str = ""
    image: VerifiedImage | None = None
    image_problem: str = ""  # why a shared file could not be kept (the text and link still are)


def pending_folder() -> Path:
    """Where the images of pending uploads wait."""
    return current_config().archive_dir / FOLDER


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def keep(owner: User | None, post: SharedPost) -> str:
    """Keep ``post`` for ``owner`` (None: whoever opens its link first, logged in) for
    :data:`LIFETIME`; return the token of its link. Flushes."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = db.utcnow()
    pending = PendingUpload(token_hash=token_hash(token), owner_id=owner.id if owner else None,
                            title=post.title, text=post.text, url=post.url,
                            image_problem=post.image_problem, created_at=now, expires_at=now + LIFETIME)
    if post.image is not None:
        # Written before the row: a row never names a missing file. A file whose row is rolled
        # back is an orphan that remove_expired deletes once it is old.
        name = secrets.token_hex(16) + _FILE_SUFFIX
        write_atomically(pending_folder() / name, post.image.data)
        pending.file_name = name
        pending.content_type = post.image.content_type
        pending.size = len(post.image.data)
        pending.width, pending.height = post.image.width, post.image.height
        pending.filename = post.image.filename
    session = db.session()
    session.add(pending)
    session.flush()
    return token


def find(token: str, actor: User) -> PendingUpload | None:
    """The pending upload of ``token`` if ``actor`` may have it: it has not expired, and it is
    theirs or nobody's yet (then it becomes theirs; flushes). None otherwise, whatever the reason."""
    if not token or len(token) > 100:
        return None
    session = db.session()
    pending = session.scalar(db.for_update(select(PendingUpload).where(PendingUpload.token_hash == token_hash(token))))
    if pending is None or pending.expires_at <= db.utcnow():
        return None
    if pending.owner_id is None:
        pending.owner_id = actor.id
        session.flush()
    return pending if pending.owner_id == actor.id else None


def image_of(pending: PendingUpload) -> VerifiedImage | None:
    """The pending upload's image, checked again as any upload is; None when it has none (or
    its file is gone: a restored backup holds no pending files)."""
    if pending.file_name is None:
        return None
    try:
        data = (pending_folder() / pending.file_name).read_bytes()
    except FileNotFoundError:
        return None
    try:
        return verify_screenshot(data, pending.filename)
    except ValidationError:
        failure_handled()  # reported here; the form is shown without the image
        log.warning("pending upload %s no longer reads as an image", pending.id)
        return None


def image_path(pending: PendingUpload) -> Path | None:
    """Where the pending upload's image is, when it has one."""
    if pending.file_name is None:
        return None
    path = pending_folder() / pending.file_name
    return path if path.is_file() else None


def discard(pending: PendingUpload) -> None:
    """Forget a pending upload (it has been filed): its row now, its file once that commits."""
    session = db.session()
    session.delete(pending)
    session.flush()
    if pending.file_name is not None:
        path = pending_folder() / pending.file_name
        db.after_commit(lambda: path.unlink(missing_ok=True))


def remove_expired(now: dt.datetime | None = None) -> int:
    """Delete the pending uploads that have expired, their files once that commits, and files
    no row names that are older than :data:`LIFETIME` (left by a rolled-back share); return how
    many uploads were deleted. Flushes."""
    now = now or db.utcnow()
    session = db.session()
    expired = session.execute(select(PendingUpload.id, PendingUpload.file_name)
                              .where(PendingUpload.expires_at <= now)).all()
    if expired:
        session.execute(delete(PendingUpload).where(PendingUpload.id.in_([row.id for row in expired]))
                        .execution_options(synchronize_session=False))
        session.flush()
    folder = pending_folder()
    names = {row.file_name for row in expired if row.file_name}

    def remove_files() -> None:
        for name in names:
            (folder / name).unlink(missing_ok=True)

    db.after_commit(remove_files)
    _remove_orphans(folder, now)
    if expired:
        log.info("removed %d expired pending uploads", len(expired))
    return len(expired)


def _remove_orphans(folder: Path, now: dt.datetime) -> None:
    """Delete files no row names, and half-written ones, older than :data:`LIFETIME`."""
    if not folder.is_dir():
        return
    cutoff = now.timestamp() - LIFETIME.total_seconds()
    old = [path for path in folder.iterdir()
           if (path.name.endswith(_FILE_SUFFIX) or path.name.startswith(".tmp-")) and path.stat().st_mtime < cutoff]
    if not old:
        return
    named = set(db.session().scalars(select(PendingUpload.file_name)
                                     .where(PendingUpload.file_name.in_([path.name for path in old]))))
    for path in old:
        if path.name not in named:
            path.unlink(missing_ok=True)
