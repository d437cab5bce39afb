"""The API's view of rebuttals and their revisions."""

from __future__ import annotations

from typing import Any

from factcheck.archive.serialise import snapshot_as_dict
from factcheck.publish.models import Rebuttal, Revision
from factcheck.urls import absolute_url


def revision_as_dict(revision: Revision) -> dict[str, Any]:
    return {
        "number": revision.number,
        "author": revision.author.display_name,
        "author_id": revision.author_id,
        "created_at": revision.created_at.isoformat(),
        "headline": revision.headline,
        "summary": revision.summary,
        "body": revision.body,
        "verdict": revision.verdict,
        "correction_note": revision.correction_note,
        "sources": [snapshot_as_dict(snapshot) for snapshot in revision.snapshots],
        "missing": list(revision.missing()),
    }


def rebuttal_as_dict(rebuttal: Rebuttal, *, desk: bool = True) -> dict[str, Any] | None:
    """A rebuttal with its current revision, the list of revisions and the reviews. Outside the
    desk (a claim's filer), only a published fact-check: no drafts, revisions or review notes."""
    if not desk:
        if rebuttal.slug is None or rebuttal.current is None:
            return None
        return {
            "id": rebuttal.id,
            "claim_id": rebuttal.claim_id,
            "slug": rebuttal.slug,
            "language": rebuttal.language,
            "url": absolute_url("publish.factcheck", slug=rebuttal.slug),
            "published_at": rebuttal.published_at.isoformat() if rebuttal.published_at else None,
            "current": {key: value for key, value in revision_as_dict(rebuttal.current).items()
                        if key not in ("missing", "author_id")},
        }
    return {
        "id": rebuttal.id,
        "claim_id": rebuttal.claim_id,
        "slug": rebuttal.slug,
        "language": rebuttal.language,
        "url": absolute_url("publish.factcheck", slug=rebuttal.slug) if rebuttal.slug else None,
        "published_at": rebuttal.published_at.isoformat() if rebuttal.published_at else None,
        "current": revision_as_dict(rebuttal.current) if rebuttal.current else None,
        "revisions": [{"number": r.number, "author": r.author.display_name, "created_at": r.created_at.isoformat(),
                       "correction_note": r.correction_note} for r in rebuttal.revisions],
        "reviews": [{"reviewer": r.reviewer.display_name, "decision": r.decision, "note": r.note,
                     "revision": r.revision.number, "created_at": r.created_at.isoformat()}
                    for r in rebuttal.reviews],
    }
