"""One entry point for moving a claim, as the API and the claim page ask for it: the target state
picks the named operation of the feature that owns that step."""

from __future__ import annotations

from factcheck.accounts.models import User
from factcheck.audit import Event
from factcheck.claims import operations as claims
from factcheck.claims import workflow
from factcheck.claims.models import Claim, Status
from factcheck.publish import operations as publish


def transition_claim(
    actor: User,
    claim: Claim,
    target: str,
    *,
    note: str = "",
    duplicate_of_id: int | None = None,
    assignee_id: int | None = None,
) -> Event:
    """Move ``claim`` to ``target`` (SPEC §2): 409, 403 and 400 come from the transition table."""
    workflow.check_allowed(actor, claim, target)
    if target == Status.RESEARCHING and claim.status == Status.IN_REVIEW:
        return publish.request_changes(actor, claim, note=note)
    if target == Status.RESEARCHING:
        assignee = claims.find_user(assignee_id) if assignee_id is not None else None
        return claims.triage_claim(actor, claim, assignee=assignee, note=note)
    if target == Status.DUPLICATE:
        original = claims.find_original(duplicate_of_id) if duplicate_of_id is not None else None
        return claims.mark_duplicate(actor, claim, original=original, note=note)
    operation = {
        Status.REJECTED: claims.reject_claim,
        Status.IN_REVIEW: publish.submit_for_review,
        Status.APPROVED: publish.approve_rebuttal,
        Status.PUBLISHED: publish.publish_rebuttal,
        Status.SUBMITTED: claims.reopen_claim,
    }[Status(target)]
    return operation(actor, claim, note=note)
