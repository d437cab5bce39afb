"""The API's view of snapshots."""

from __future__ import annotations

from typing import Any

from factcheck.archive.labels import capture_state
from factcheck.archive.models import Snapshot
from factcheck.urls import path_for


def snapshot_as_dict(snapshot: Snapshot, *, detail: bool = False) -> dict[str, Any]:
    """The API's view of a snapshot; ``detail`` adds the extracted text, links and redirects."""
    data: dict[str, Any] = {
        "id": snapshot.id,
        "url": snapshot.url,
        "page": path_for("archive.show", snapshot_id=snapshot.id),
        "source_id": snapshot.source_id,
        "state": snapshot.state,
        "state_text": capture_state(snapshot),
        "requested_at": snapshot.requested_at.isoformat(),
        "attempts": snapshot.attempts,
        "fetched_at": snapshot.fetched_at.isoformat() if snapshot.fetched_at else None,
        "final_url": snapshot.final_url,
        "http_status": snapshot.http_status,
        "content_type": snapshot.content_type,
        "charset": snapshot.charset,
        "size": snapshot.size,
        "sha256": snapshot.sha256,
        "error_kind": snapshot.error_kind,
        "error_message": snapshot.error_message or None,
        "title": snapshot.title,
        "published_date": snapshot.published_date,
        "language": snapshot.language,
        "raw": path_for("archive_api.snapshot_raw", snapshot_id=snapshot.id) if snapshot.sha256 else None,
    }
    if detail:
        data.update({
            "redirects": snapshot.redirects,
            "byline": snapshot.byline,
            "canonical_url": snapshot.canonical_url,
            "og_title": snapshot.og_title,
            "og_description": snapshot.og_description,
            "og_image": snapshot.og_image,
            "main_text": snapshot.main_text,
            "links": snapshot.links,
            "peer": snapshot.peer,
            "warc": snapshot.warc_name,
        })
    return data
