"""The API's view of search hits, and where each leads."""

from __future__ import annotations

from typing import Any

from flask import request, url_for

from factcheck.search.engine import Hit


def link_of(hit: Hit) -> str:
    """Where a hit leads: a public fact-check page, a snapshot, or a claim."""
    if hit.kind == "factcheck" and hit.url:
        return request.script_root + hit.url  # indexed as a path inside the app
    if hit.kind == "snapshot":
        return url_for("archive.show", snapshot_id=hit.id)
    return url_for("claims.show", claim_id=hit.claim_id or hit.id)


def hit_as_dict(hit: Hit) -> dict[str, Any]:
    """The API's view of a search hit."""
    return {"kind": hit.kind, "id": hit.id, "claim_id": hit.claim_id, "title": hit.title, "snippet": hit.snippet,
            "score": hit.score, "date": hit.date.isoformat() if hit.date else None, "status": hit.status,
            "verdict": hit.verdict, "url": link_of(hit)}
