"""``/api/snapshots`` and re-archiving through the API."""

from __future__ import annotations

from typing import Any

from flask import send_file
from flask_babel import gettext as _
from flask_login import current_user

from factcheck.api import Routes, json_response
from factcheck.archive.operations import get_snapshot, get_source, rearchive
from factcheck.archive.serialise import snapshot_as_dict
from factcheck.archive.store import current_archive
from factcheck.errors import NotFound

routes = Routes("archive")
EXTENSIONS = {"text/html": "html", "application/xhtml+xml": "xhtml", "application/pdf": "pdf",
              "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif",
              "text/plain": "txt", "application/json": "json"}


@routes.route("/snapshots/<id:snapshot_id>", "GET", summary="A snapshot's metadata and extracted text", tag="archive",
       is_public=True)
def get_snapshot_metadata(snapshot_id: int) -> Any:
    return json_response(snapshot_as_dict(get_snapshot(current_user, snapshot_id), detail=True))


@routes.route("/snapshots/<id:snapshot_id>/raw", "GET", summary="The archived body, as an attachment",
       responses={200: "the body exactly as archived"}, tag="archive", is_public=True)
def snapshot_raw(snapshot_id: int) -> Any:
    snapshot = get_snapshot(current_user, snapshot_id)
    if snapshot.sha256 is None:
        raise NotFound(_("This snapshot has no archived body."))
    blobs = current_archive().blobs
    extension = EXTENSIONS.get(snapshot.content_type or "", "bin")
    response = send_file(blobs.path(snapshot.sha256), mimetype=snapshot.content_type or "application/octet-stream",
                         as_attachment=True, download_name=f"snapshot-{snapshot.id}.{extension}",
                         conditional=True, etag=snapshot.sha256)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Content-SHA256"] = snapshot.sha256
    return response


@routes.route("/sources/<id:source_id>/snapshots", "POST", summary="Archive a source again (reviewer+)",
       responses={202: "the new pending snapshot"}, tag="archive")
def archive_source(source_id: int) -> Any:
    snapshot = rearchive(current_user, get_source(current_user, source_id))
    return json_response(snapshot_as_dict(snapshot), 202)
