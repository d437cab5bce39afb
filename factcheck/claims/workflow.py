"""The claim lifecycle of SPEC §2: one transition table, the checks every move goes through, and
the one entry point that makes a move.

The web views and the JSON API move claims only through :func:`transition_claim`, which checks
the table and hands the move to the named operation registered for it: the claims feature's own
(triage, reject, duplicate, reopen) or those of the publish feature (submit for review, request
changes, approve, publish), registered with :func:`register_move` when each feature starts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from factcheck.accounts.models import Role, User
from factcheck.audit import Event
from factcheck.claims.labels import move_label, status_label
from factcheck.claims.models import Claim, Status
from factcheck.claims.signals import Draft, answers, draft_of
from factcheck.errors import Conflict, Forbidden, ValidationError


@dataclass(frozen=True)
class MoveRequest:
    """What a caller sends with a move: a note, the original of a duplicate, an assignee."""

    note: str = ""
    duplicate_of_id: int | None = None
    assignee_id: int | None = None


Move = Callable[[User, Claim, MoveRequest], Event]
_MOVES: dict[tuple[Status, Status], Move] = {}


@dataclass(frozen=True)
class Transition:
    """One row of the table: who may move a claim from ``sources`` to ``target``, needing what."""

    sources: frozenset[Status]
    target: Status
    role: Role
    requires: tuple[str, ...] = ()
    draft_writers_may: bool = False
    four_eyes: bool = False


def _t(sources: Iterable[Status], target: Status, role: Role, *, requires: tuple[str, ...] = (),
       draft_writers_may: bool = False, four_eyes: bool = False) -> Transition:
    return Transition(frozenset(sources), target, role, requires, draft_writers_may, four_eyes)


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


def register_move(sources: Iterable[Status], target: Status, operation: Move) -> None:
    """Make ``operation`` the one that moves a claim from each of ``sources`` to ``target``."""
    for source in sources:
        if find_transition(source, target.value) is None:
            raise ValueError(f"the lifecycle has no move from {source} to {target}")
        _MOVES[(Status(source), target)] = operation


def transition_claim(actor: User, claim: Claim, target: str, request: MoveRequest | None = None) -> Event:
    """Move ``claim`` to ``target`` (SPEC §2): 409, 403 and 400 come from the transition table,
    the move itself from the operation registered for it."""
    check_allowed(actor, claim, target)
    operation = _MOVES.get((Status(claim.status), Status(target)))
    if operation is None:
        raise LookupError(f"no operation is registered for {claim.status} → {target}")
    return operation(actor, claim, request or MoveRequest())


def read_draft(claim: Claim) -> Draft | None:
    """Describe ``claim``'s rebuttal draft (who wrote it, what it lacks), or ``None``."""
    drafts = answers(draft_of, claim)
    return drafts[0] if drafts else None


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
        raise ValidationError({"to": _("there is no such state")})
    transition = find_transition(claim.status, target)
    if transition is None:
        raise Conflict(
            _("A claim that is %(state)s cannot move to %(target)s.", state=status_label(claim.status),
              target=status_label(target)),
            allowed=allowed_targets(claim.status),
            status=claim.status,
        )
    if not may_move(actor, claim, transition):
        if transition.four_eyes and actor.has_role(transition.role):
            raise Forbidden(_("Four-eyes rule: you wrote or revised this draft, so someone else must review it."))
        raise Forbidden(_("Your role may not do this: %(move)s.", move=move_label(claim.status, target)))
    return transition


def missing_for(claim: Claim, transition: Transition) -> str:
    """What must be done before ``transition`` can be made, in words ("" when nothing is missing):
    only the draft is checked here; notes and originals are asked for by the move's own form."""
    if "draft" not in transition.requires:
        return ""
    draft = read_draft(claim)
    if draft is None:
        return _("write a rebuttal first: a headline, a verdict, a body and a source")
    return _("the draft still needs: %(what)s", what=", ".join(draft.missing)) if draft.missing else ""


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
        missing["note"] = _("a note is required for this step")
    if "duplicate_of" in transition.requires and duplicate_of is None:
        missing["duplicate_of"] = _("give the number of the claim this one repeats")
    if "draft" in transition.requires:
        draft = read_draft(claim)
        if draft is None:
            missing["rebuttal"] = _("write a rebuttal first: a headline, a verdict, a body and a source")
        elif draft.missing:
            missing["rebuttal"] = _("the draft still needs: %(what)s", what=", ".join(draft.missing))
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
