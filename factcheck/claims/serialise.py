"""The API's view of claims."""

from __future__ import annotations

from typing import Any

from flask import url_for

from factcheck.accounts.models import User
from factcheck.claims import operations, workflow
from factcheck.claims.models import Claim
from factcheck.claims.signals import claim_details


def claim_as_dict(claim: Claim, actor: User, *, detail: bool = False) -> dict[str, Any]:
    """The API's view of a claim; ``detail`` adds its history, the moves ``actor`` may make, and
    what the features above add (each source's snapshots, the rebuttal)."""
    data: dict[str, Any] = {
        "id": claim.id,
        "url": url_for("claims.show", claim_id=claim.id),
        "text": claim.text,
        "platform": claim.platform,
        "language": claim.language,
        "status": claim.status,
        "submitted_by": claim.submitted_by_id,
        "assignee": claim.assignee_id,
        "duplicate_of": claim.duplicate_of_id,
        "priority": claim.priority,
        "tags": claim.tag_names,
        "created_at": claim.created_at.isoformat(),
        "updated_at": claim.updated_at.isoformat(),
        "sources": [{"id": s.id, "url": s.url, "domain": s.domain} for s in claim.sources],
        "screenshot": None,
    }
    if claim.screenshot is not None:
        shot = claim.screenshot
        data["screenshot"] = {
            "url": url_for("claims.screenshot", claim_id=claim.id),
            "content_type": shot.content_type,
            "width": shot.width,
            "height": shot.height,
            "size": shot.size,
            "sha256": shot.sha256,
        }
    if detail:
        data["rebuttal"] = None
        claim_details.send(claim, actor=actor, data=data)
        data["events"] = [dict(event.as_dict(), note=operations.shown_note(actor, claim, event))
                          for event in operations.claim_events(claim)]
        data["allowed_transitions"] = [t.target.value for t in workflow.moves_for(actor, claim)]
    return data
