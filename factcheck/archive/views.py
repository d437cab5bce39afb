"""Snapshot pages, the sandboxed replay of archived HTML, and re-archiving from the claim page.

Archived HTML never runs in the app's origin: the snapshot page shows extracted text only, and the
page itself is replayed in a sandboxed frame whose response forbids scripts, from a signed URL
that needs no cookies (so it can live on ``FACTCHECK_ARCHIVE_ORIGIN``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from factcheck import db
from factcheck.accounts.models import Role
from factcheck.archive.charset import normalise_label
from factcheck.archive.models import Snapshot, State
from factcheck.archive.operations import get_snapshot, get_source, rearchive
from factcheck.archive.replay import neutralise_html, svg_as_image
from factcheck.archive.store import current_archive
from factcheck.config import current_config
from factcheck.errors import NotFound
from factcheck.storage import write_atomically
from factcheck.web import public, role_required

bp = Blueprint("archive", __name__)
# SPEC §3's policy, plus base-uri and form-action (which default-src does not cover) and frame-src
# spelled out.
REPLAY_CSP = ("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
              "base-uri 'none'; form-action 'none'; frame-src 'none'")
REPLAY_MAX_AGE = 3600
REPLAYABLE = ("text/html", "application/xhtml+xml", "text/plain")
REPLAYED_AS_HTML = ("text/html", "application/xhtml+xml")  # rewritten by replay.neutralise_html
REPLAY_FORMAT = "1"  # bump when neutralise_html changes: rewritten pages kept on disk are made again


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="factcheck.replay")


def replay_url(snapshot: Snapshot) -> str | None:
    """A signed, expiring URL of the snapshot's replay, on the archive origin when one is set."""
    if snapshot.state != State.ARCHIVED or not (snapshot.content_type or "").startswith(
            REPLAYABLE + ("image/",)):
        return None
    path = url_for("archive.replay", token=_signer().dumps(snapshot.id))
    origin = current_config().archive_origin
    return f"{origin}{path}" if origin else path


@bp.get("/snapshots/<id:snapshot_id>")
@public
def show(snapshot_id: int) -> Any:
    snapshot = get_snapshot(current_user, snapshot_id)
    return render_template("archive/snapshot.html", snapshot=snapshot, replay_url=replay_url(snapshot))


@bp.get("/replay/<token>")
@public
def replay(token: str) -> Any:
    """The archived page, for the sandboxed frame only: rewritten so that nothing in it can load,
    prefetch or navigate anywhere (replay.py), under a policy that forbids it too. The raw body
    stays byte-exact at the API's raw download."""
    try:
        snapshot_id = _signer().loads(token, max_age=REPLAY_MAX_AGE)
    except BadSignature:
        raise NotFound(_("This replay link is not valid or has expired.")) from None
    snapshot = db.session().get(Snapshot, snapshot_id)
    if snapshot is None or snapshot.sha256 is None:
        raise NotFound(_("There is nothing to replay."))
    body = current_archive().blobs.read(snapshot.sha256)
    mime = (snapshot.content_type or "").split(";", 1)[0].strip().lower()
    if mime.startswith(REPLAYED_AS_HTML):
        # XHTML too is replayed as HTML: parsed as XML, it could still load stylesheets.
        body = _neutralised(snapshot, body)
        content_type = "text/html; charset=utf-8"
    elif mime.startswith("image/") and "svg" in mime:
        body = svg_as_image(body)  # an SVG document can load what an SVG image cannot
        content_type = "text/html; charset=utf-8"
    elif mime.startswith("image/"):
        content_type = mime
    elif mime.startswith("text/"):
        content_type = f"text/plain; charset={normalise_label(snapshot.charset) or 'utf-8'}"
    else:
        raise NotFound(_("There is nothing to replay."))
    response = Response(body, content_type=content_type)
    response.headers["Content-Security-Policy"] = REPLAY_CSP
    response.headers["Content-Disposition"] = "inline"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-DNS-Prefetch-Control"] = "off"
    response.headers["Cache-Control"] = "private, max-age=300"
    if not current_config().archive_origin:
        # On a separate archive origin the app's pages frame it from elsewhere: no header then.
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _neutralised(snapshot: Snapshot, body: bytes) -> bytes:
    """The rewritten page, kept beside the archive once made (a 10 MB page takes seconds)."""
    url = snapshot.final_url or snapshot.url
    key = hashlib.sha256(f"{REPLAY_FORMAT}\n{snapshot.sha256}\n{snapshot.charset}\n{url}".encode()).hexdigest()
    path = current_config().archive_dir / "replays" / key[:2] / key
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    rewritten = neutralise_html(body, snapshot.charset, url=url)
    write_atomically(path, rewritten)
    return rewritten


@bp.post("/sources/<id:source_id>/archive")
@role_required(Role.REVIEWER)
def archive_again(source_id: int) -> Any:
    source = get_source(current_user, source_id)
    rearchive(current_user, source)
    flash(_("Archiving %(url)s again.", url=source.url))
    return redirect(url_for("claims.show", claim_id=source.claim_id) + f"#source-{source.id}")
