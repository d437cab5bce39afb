"""The claim lifecycle of SPEC §2 as one transition table, and the checks every move goes through.

Both the web views and the JSON API move claims only through :func:`check_move` (called by the
named operations in :mod:`factcheck.claims.operations`), so the rules live here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from factcheck.accounts.models import Role, User
from factcheck.claims.models import Claim, Status
from factcheck.errors import Conflict, Forbidden, ValidationError
from factcheck.publish import models as _rebuttal_models  # noqa: F401 - maps Claim.rebuttal


@dataclass(frozen=True)
class Draft:
    """What the lifecycle needs to know about a claim's rebuttal draft."""

    writers: frozenset[int]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Transition:
    """One row of the table: who may move a claim from ``sources`` to ``target``, needing what."""

    sources: frozenset[Status]
    target: Status
    role: Role
    requires: tuple[str, ...] = ()
    draft_writers_may: bool = False
    four_eyes: bool = False


def _t(sources: Iterable[Status], target: Status, role: Role, **kwargs: object) -> Transition:
    return Transition(frozenset(sources), target, role, **kwargs)  # type: ignore[arg-type]


S = Status
TRANSITIONS: tuple[Transition, ...] = (
    _t([S.SUBMITTED], S.RESEARCHING, Role.REVIEWER),
    _t([S.SUBMITTED, S.RESEARCHING], S.REJECTED, Role.REVIEWER, requires=("note",)),
    _t([S.SUBMITTED, S.RESEARCHING], S.DUPLICATE, Role.REVIEWER, requires=("duplicate_of",)),
    _t([S.RESEARCHING], S.IN_REVIEW, Role.REVIEWER, requires=("draft",), draft_writers_may=True),
    _t([S.IN_REVIEW], S.RESEARCHING, Role.REVIEWER, requires=("note",), four_eyes=True),
    _t([S.IN_REVIEW], S.APPROVED, Role.REVIEWER, four_eyes=True),
    _t([S.APPROVED], S.PUBLISHED, Role.REVIEWER),
    _t([S.REJECTED, S.DUPLICATE], S.SUBMITTED, Role.STAFF, requires=("note",)),
)

def read_draft(claim: Claim) -> Draft | None:
    """Describe ``claim``'s rebuttal draft (who wrote it, what it lacks), or ``None``."""
    rebuttal = claim.rebuttal  # type: ignore[attr-defined]
    if rebuttal is None or rebuttal.current is None:
        return None
    return Draft(writers=rebuttal.writer_ids, missing=rebuttal.current.missing())


def allowed_targets(status: str) -> list[str]:
    """Every state the table allows next from ``status``, whoever asks."""
    return [t.target.value for t in TRANSITIONS if Status(status) in t.sources]


def find_transition(status: str, target: str) -> Transition | None:
    for transition in TRANSITIONS:
        if Status(status) in transition.sources and transition.target.value == target:
            return transition
    return None


def may_move(actor: User, claim: Claim, transition: Transition) -> bool:
    """Whether ``actor`` holds the right to make ``transition`` on ``claim`` (not its requirements)."""
    draft = read_draft(claim) if (transition.four_eyes or transition.draft_writers_may) else None
    writers = draft.writers if draft else frozenset()
    if transition.four_eyes and actor.id in writers:
        return False
    if actor.has_role(transition.role):
        return True
    return transition.draft_writers_may and actor.id in writers


def moves_for(actor: User, claim: Claim) -> list[Transition]:
    """The moves ``actor`` may try on ``claim`` now (the web page offers these)."""
    return [t for t in TRANSITIONS if Status(claim.status) in t.sources and may_move(actor, claim, t)]


def check_allowed(actor: User, claim: Claim, target: str) -> Transition:
    """Return the transition to ``target`` if the table allows it and ``actor`` holds the right.

    400 for an unknown state, 409 (with the allowed next states) when the table does not allow
    the move from the current state, 403 when ``actor`` lacks the right, four-eyes rule included.
    """
    if target not in {s.value for s in Status}:
        raise ValidationError({"to": f"unknown state {target!r}"})
    transition = find_transition(claim.status, target)
    if transition is None:
        raise Conflict(
            f"a claim cannot move from {claim.status} to {target}",
            allowed=allowed_targets(claim.status),
            status=claim.status,
        )
    if not may_move(actor, claim, transition):
        if transition.four_eyes and actor.has_role(transition.role):
            raise Forbidden("four-eyes rule: you wrote or revised this draft, so someone else must review it")
        raise Forbidden(f"your role may not move a claim to {target}")
    return transition


def check_move(
    actor: User,
    claim: Claim,
    target: str,
    *,
    note: str = "",
    duplicate_of: Claim | None = None,
) -> Transition:
    """Return the transition for moving ``claim`` to ``target``, or raise why it cannot happen.

    After :func:`check_allowed`'s 400/409/403, a 400 naming each missing requirement.
    """
    transition = check_allowed(actor, claim, target)
    missing: dict[str, str] = {}
    if "note" in transition.requires and not note.strip():
        missing["note"] = "a note is required for this move"
    if "duplicate_of" in transition.requires and duplicate_of is None:
        missing["duplicate_of"] = "name the claim this one duplicates"
    if "draft" in transition.requires:
        draft = read_draft(claim)
        if draft is None:
            missing["rebuttal"] = "write a rebuttal draft (headline, verdict, body, a source) first"
        elif draft.missing:
            missing["rebuttal"] = "the draft still needs: " + ", ".join(draft.missing)
    if missing:
        raise ValidationError(missing)
    return transition


def duplicate_root(candidate: Claim) -> Claim:
    """Follow a chain of duplicates to the original claim."""
    seen = set()
    while candidate.duplicate_of is not None and candidate.id not in seen:
        seen.add(candidate.id)
        candidate = candidate.duplicate_of
    return candidate
