"""Snapshot pages, the sandboxed replay of archived HTML, and re-archiving from the claim page.

Archived HTML never runs in the app's origin: the snapshot page shows extracted text only, and the
page itself is replayed in a sandboxed frame whose response forbids scripts, from a signed URL
that needs no cookies (so it can live on ``FACTCHECK_ARCHIVE_ORIGIN``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from factcheck import db
from factcheck.accounts.models import Role
from factcheck.archive.models import Snapshot, State
from factcheck.archive.operations import get_snapshot, get_source, rearchive
from factcheck.errors import NotFound
from factcheck.web import public, role_required

bp = Blueprint("archive", __name__)
REPLAY_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
REPLAY_MAX_AGE = 3600
REPLAYABLE = ("text/html", "application/xhtml+xml", "text/plain")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="factcheck.replay")


def replay_url(snapshot: Snapshot) -> str | None:
    """A signed, expiring URL of the snapshot's replay, on the archive origin when one is set."""
    if snapshot.state != State.ARCHIVED or not (snapshot.content_type or "").startswith(
            REPLAYABLE + ("image/",)):
        return None
    path = url_for("archive.replay", token=_signer().dumps(snapshot.id))
    origin = current_app.config["FACTCHECK"].archive_origin
    return f"{origin}{path}" if origin else path


@bp.get("/snapshots/<id:snapshot_id>")
@public
def show(snapshot_id: int) -> Any:
    snapshot = get_snapshot(current_user, snapshot_id)
    return render_template("archive/snapshot.html", snapshot=snapshot, replay_url=replay_url(snapshot))


@bp.get("/replay/<token>")
@public
def replay(token: str) -> Any:
    """The archived body, for the sandboxed frame only: no script can run, nothing loads."""
    try:
        snapshot_id = _signer().loads(token, max_age=REPLAY_MAX_AGE)
    except BadSignature:
        raise NotFound("this replay link is not valid or has expired") from None
    snapshot = db.session().get(Snapshot, snapshot_id)
    if snapshot is None or snapshot.sha256 is None:
        raise NotFound("nothing to replay")
    body = current_app.extensions["factcheck.archive"].blobs.read(snapshot.sha256)
    content_type = snapshot.content_type or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/xhtml+xml":
        content_type = f"{content_type}; charset={snapshot.charset or 'utf-8'}"
    response = Response(body, content_type=content_type)
    response.headers["Content-Security-Policy"] = REPLAY_CSP
    response.headers["Content-Disposition"] = "inline"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "private, max-age=300"
    if not current_app.config["FACTCHECK"].archive_origin:
        # On a separate archive origin the app's pages frame it from elsewhere: no header then.
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.post("/sources/<id:source_id>/archive")
@role_required(Role.REVIEWER)
def archive_again(source_id: int) -> Any:
    source = get_source(current_user, source_id)
    rearchive(current_user, source)
    flash(_("Archiving %(url)s again.", url=source.url))
    return redirect(url_for("claims.show", claim_id=source.claim_id) + f"#source-{source.id}")
