"""One action on many claims at once, from the queue: assign, tag, mark priority, reject as not
check-worthy, mark duplicate.

Each claim goes through the same named operation as it would alone (moves through
:func:`factcheck.claims.workflow.transition_claim`, so the lifecycle table, the four-eyes rule and
the audit events all apply), each in its own savepoint. A claim that cannot take the action is
refused alone: its savepoint is rolled back and the result says why, and the claims that could
take it keep their change and commit with the request. The caller gets one result per claim
asked for, in claim order, so nothing is silently dropped.

What is wrong with the request as a whole (no claims, more than :data:`MAX_BULK_CLAIMS`, an
unknown assignee, a bad tag, no such original) refuses it whole, before any claim is touched.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from factcheck import db, errors
from factcheck.accounts.models import Role, User
from factcheck.claims import operations, workflow
from factcheck.claims.models import Claim, Status
from factcheck.claims.tags import InvalidTag, normalise_tag
from factcheck.errors import Conflict, Forbidden, ValidationError, WorkbenchError, request_failed

MAX_BULK_CLAIMS = 100
NOT_CHECK_WORTHY = lazy_gettext("Not check-worthy: there is no claim in it that a fact-check can settle.")


class BulkAction(enum.StrEnum):
    """What the queue can do to many claims at once."""

    ASSIGN = "assign"
    TAG = "tag"
    PRIORITY = "priority"
    REJECT = "reject"
    DUPLICATE = "duplicate"


class Outcome(enum.StrEnum):
    """What became of one claim in a bulk action."""

    DONE = "done"  # the claim changed, and its audit event is recorded
    UNCHANGED = "unchanged"  # it already was as asked: nothing changed, nothing recorded
    REFUSED = "refused"  # it could not take the action; ``refusal`` says why


@dataclass(frozen=True)
class BulkRequest:
    """An action and the claims to apply it to, with what the action needs: ``assignee_id``
    (``None`` takes the assignment away), ``tag``, ``priority`` (to set or clear the mark),
    ``duplicate_of_id``."""

    action: BulkAction
    claim_ids: tuple[int, ...]
    assignee_id: int | None = None
    tag: str = ""
    priority: bool = True
    duplicate_of_id: int | None = None


@dataclass(frozen=True)
class Refusal:
    """Why one claim did not take the action: the HTTP status it would have had alone, the
    message for the person, and the error's extras (``allowed`` next states, ``fields``)."""

    status: int
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return errors.error_code(self.status)


@dataclass(frozen=True)
class ClaimResult:
    """What happened to one claim: its outcome and the state it is in afterwards."""

    claim_id: int
    outcome: Outcome
    status: str | None = None
    refusal: Refusal | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"claim": self.claim_id, "outcome": self.outcome.value, "status": self.status}
        if self.refusal is not None:
            data.update(self.refusal.extra, error=self.refusal.code, message=self.refusal.message)
        return data


ClaimChange = Callable[[Claim], bool]  # applies the action to one claim; False when nothing changed


def run_bulk(actor: User, request: BulkRequest) -> list[ClaimResult]:
    """Apply ``request``'s action to each of its claims (reviewer+); one result per claim."""
    if not actor.has_role(Role.REVIEWER):
        raise Forbidden(_("only reviewers and staff act on many claims at once"))
    claim_ids = _claim_ids(request.claim_ids)
    change = _change_for(actor, request)
    found = {claim.id: claim for claim in db.session().scalars(
        operations.visible_claims(actor).where(Claim.id.in_(claim_ids)))}
    results = []
    for claim_id in claim_ids:
        claim = found.get(claim_id)
        if claim is None:
            refusal = Refusal(404, _("there is no claim #%(id)s, or you may not see it", id=claim_id))
            results.append(ClaimResult(claim_id, Outcome.REFUSED, None, refusal))
        else:
            results.append(_attempt(claim, change))
    return results


def count(results: Iterable[ClaimResult], outcome: Outcome) -> int:
    """How many of ``results`` had ``outcome``."""
    return sum(1 for result in results if result.outcome is outcome)


def _claim_ids(raw: Iterable[int]) -> list[int]:
    """The claims asked for, each once, in ascending order (so two bulk actions at once lock
    their claims in the same order and never wait on each other in a circle)."""
    claim_ids = sorted(set(raw))
    if not claim_ids:
        raise ValidationError({"claims": _("select at least one claim")})
    if len(claim_ids) > MAX_BULK_CLAIMS:
        raise ValidationError({"claims": _("%(count)s claims selected; at most %(most)s at once",
                                           count=len(claim_ids), most=MAX_BULK_CLAIMS)})
    return claim_ids


def _change_for(actor: User, request: BulkRequest) -> ClaimChange:
    """The change to make to each claim, once what the action needs is checked (400 if not)."""
    action = request.action
    if action is BulkAction.ASSIGN:
        assignee = operations.find_user(request.assignee_id) if request.assignee_id is not None else None

        def assign(claim: Claim) -> bool:
            if claim.assignee_id == (assignee.id if assignee else None):
                return False
            operations.assign_claim(actor, claim, assignee)
            return True

        return assign
    if action is BulkAction.TAG:
        try:
            tag = normalise_tag(request.tag)
        except InvalidTag as exc:
            raise ValidationError({"tag": str(exc)}) from None
        return lambda claim: operations.add_tags(actor, claim, [tag]) is not None
    if action is BulkAction.PRIORITY:
        return lambda claim: operations.set_priority(actor, claim, request.priority) is not None
    if action is BulkAction.REJECT:
        note = str(NOT_CHECK_WORTHY)  # in the language of the person rejecting, like a note they typed
        return _move(actor, Status.REJECTED, workflow.MoveRequest(note=note))
    if action is BulkAction.DUPLICATE:
        if request.duplicate_of_id is None:
            raise ValidationError({"duplicate_of": _("name the claim these duplicate")})
        original = operations.find_original(request.duplicate_of_id)
        return _move(actor, Status.DUPLICATE, workflow.MoveRequest(duplicate_of_id=original.id))
    raise ValidationError({"action": _("unknown action")})


def _move(actor: User, target: Status, move: workflow.MoveRequest) -> ClaimChange:
    def change(claim: Claim) -> bool:
        workflow.transition_claim(actor, claim, target.value, move)
        return True

    return change


def _attempt(claim: Claim, change: ClaimChange) -> ClaimResult:
    """Apply ``change`` to ``claim`` in a savepoint; a refusal rolls back this claim alone."""
    failed_before = request_failed()
    try:
        with db.session().begin_nested():
            changed = change(claim)
    except WorkbenchError as error:
        if not failed_before:
            _forgive_refusal()
        return ClaimResult(claim.id, Outcome.REFUSED, claim.status, _refusal(claim, error))
    return ClaimResult(claim.id, Outcome.DONE if changed else Outcome.UNCHANGED, claim.status)


def _forgive_refusal() -> None:
    """Creating a WorkbenchError marks the request as failed, so that the request edge rolls back
    (factcheck.errors). A refusal caught here concerned one claim whose savepoint is already
    rolled back: it must not undo the claims that did take the action."""
    errors.failure_handled()


def _refusal(claim: Claim, error: WorkbenchError) -> Refusal:
    """Why ``claim`` was refused, said for a person: a move the lifecycle does not allow names
    the claim's state and where it could go instead, in the user's language."""
    if isinstance(error, Conflict):
        state = Status(claim.status).label
        if error.allowed:
            message = _("it is %(state)s, and from there it can only move to: %(allowed)s", state=state,
                        allowed=", ".join(Status(s).label for s in error.allowed))
        else:
            message = _("it is %(state)s, and cannot move from there", state=state)
    else:
        message = error.said
    return Refusal(error.status, message, dict(error.extra))
