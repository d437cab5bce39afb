"""The API's view of rebuttals and their revisions."""

from __future__ import annotations

from typing import Any

from flask import url_for

from factcheck.archive.operations import snapshot_as_dict
from factcheck.publish.models import Rebuttal, Revision
from factcheck.publish.present import absolute


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


def rebuttal_as_dict(rebuttal: Rebuttal) -> dict[str, Any]:
    """A rebuttal with its current revision, the list of revisions and the reviews."""
    return {
        "id": rebuttal.id,
        "claim_id": rebuttal.claim_id,
        "slug": rebuttal.slug,
        "url": absolute(url_for("publish.factcheck", slug=rebuttal.slug)) if rebuttal.slug else None,
        "published_at": rebuttal.published_at.isoformat() if rebuttal.published_at else None,
        "current": revision_as_dict(rebuttal.current) if rebuttal.current else None,
        "revisions": [{"number": r.number, "author": r.author.display_name, "created_at": r.created_at.isoformat(),
                       "correction_note": r.correction_note} for r in rebuttal.revisions],
        "reviews": [{"reviewer": r.reviewer.display_name, "decision": r.decision, "note": r.note,
                     "revision": r.revision.number, "created_at": r.created_at.isoformat()}
                    for r in rebuttal.reviews],
    }
