"""What the queue page reads from its links and forms, and the words it answers with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from factcheck.claims import operations
from factcheck.claims.bulk import BulkAction, BulkRequest
from factcheck.claims.models import Status
from factcheck.claims.queue import ALL, OPEN, Assigned, Order
from factcheck.claims.tags import InvalidTag, normalise_tag
from factcheck.errors import ValidationError
from factcheck.web import parse_id

STATUS_CHOICES = frozenset({*(s.value for s in Status), OPEN, ALL})
NOBODY = "none"  # the assignee menu's "nobody" (takes the assignment away)
NO_PRIORITY = "no_priority"  # the form's action that clears the priority mark


@dataclass(frozen=True)
class QueueArgs:
    """The queue's filters as its links carry them; anything odd in a link is simply ignored."""

    status: str = Status.SUBMITTED.value
    assigned: Assigned | None = None
    priority: bool = False
    tag: str = ""
    order: Order = Order.OLDEST
    tag_problem: str = ""  # why the tag asked for cannot be a tag (it is then not applied)

    def filter_kwargs(self) -> dict[str, Any]:
        """These filters as :func:`factcheck.claims.operations.list_claims` takes them."""
        return {"status": None if self.status == ALL else self.status, "assigned": self.assigned,
                "priority": True if self.priority else None, "tag": self.tag or None, "order": self.order}

    def link_args(self, **changes: Any) -> dict[str, Any]:
        """The query string of the queue with these filters, changed by ``changes`` (a value of
        ``None`` or ``False`` drops that filter)."""
        values = {"status": self.status, "assigned": self.assigned.value if self.assigned else None,
                  "priority": "1" if self.priority else None, "tag": self.tag or None,
                  "sort": self.order.value if self.order is not Order.OLDEST else None}
        values.update(changes)
        return {key: "1" if value is True else str(value) for key, value in values.items()
                if value not in (None, False, "")}

    def url(self, **changes: Any) -> str:
        return url_for("claims.queue", **self.link_args(**changes))

    @property
    def narrowed(self) -> bool:
        """Whether the priority mark or a tag narrows the list beyond state and assignment."""
        return self.priority or bool(self.tag)


def state_label(status: str) -> str:
    """The name of a state filter as the user reads it."""
    if status == OPEN:
        return _("all open")
    if status == ALL:
        return _("all")
    return Status(status).label


def queue_args(args: Mapping[str, str]) -> QueueArgs:
    """The filters a queue link asks for. Without a state, "my work" shows every open claim of
    mine and the rest of the queue the new claims, as before."""
    assigned = args.get("assigned", "")
    whose = Assigned(assigned) if assigned in {a.value for a in Assigned} else None
    default_status = OPEN if whose is Assigned.ME else Status.SUBMITTED.value
    status = args.get("status", "")
    sort = args.get("sort", "")
    tag, tag_problem = args.get("tag", "").strip()[:200], ""
    if tag:
        try:
            tag = normalise_tag(tag)
        except InvalidTag as exc:
            tag, tag_problem = "", str(exc)
    return QueueArgs(
        status=status if status in STATUS_CHOICES else default_status,
        assigned=whose,
        priority=args.get("priority", "") in ("1", "true"),
        tag=tag,
        order=Order(sort) if sort in {o.value for o in Order} else Order.OLDEST,
        tag_problem=tag_problem,
    )


def bulk_request_from_form(form: MultiDict[str, str]) -> BulkRequest:
    """The bulk action the queue's form asks for; 400 naming the field when it cannot be one."""
    claim_ids = [parse_id(raw) for raw in form.getlist("claim")]
    if any(claim_id is None for claim_id in claim_ids):
        raise ValidationError({"claims": _("expected claim numbers")})
    if not claim_ids:
        raise ValidationError({"claims": _("Select at least one claim first.")})
    action = form.get("action", "")
    priority = action != NO_PRIORITY
    if action == NO_PRIORITY:
        action = BulkAction.PRIORITY.value
    if action not in {a.value for a in BulkAction}:
        raise ValidationError({"action": _("Choose what to do with the selected claims.")})
    assignee_id = None
    if action == BulkAction.ASSIGN:
        raw_assignee = form.get("assignee", "")
        if raw_assignee != NOBODY:
            assignee_id = parse_id(raw_assignee)
            if assignee_id is None:
                raise ValidationError({"assignee": _("Choose whom to assign them to.")})
    duplicate_of_id = None
    if action == BulkAction.DUPLICATE:
        duplicate_of_id = parse_id(form.get("duplicate_of", "").strip().lstrip("#"))
        if duplicate_of_id is None:
            raise ValidationError({"duplicate_of": _("Give the number of the claim they duplicate.")})
    return BulkRequest(action=BulkAction(action), claim_ids=tuple(c for c in claim_ids if c is not None),
                       assignee_id=assignee_id, tag=form.get("tag", ""), priority=priority,
                       duplicate_of_id=duplicate_of_id)


def done_text(request: BulkRequest) -> str:
    """What happened to a claim that took ``request``'s action, in the user's language (run after
    the action, whose assignee and original exist)."""
    action = request.action
    if action is BulkAction.ASSIGN:
        if request.assignee_id is None:
            return _("the assignment is removed")
        return _("assigned to %(who)s", who=operations.find_user(request.assignee_id).display_name)
    if action is BulkAction.TAG:
        return _("tagged “%(tag)s”", tag=normalise_tag(request.tag))
    if action is BulkAction.PRIORITY:
        return _("marked as a priority") if request.priority else _("the priority mark is removed")
    if action is BulkAction.REJECT:
        return _("rejected as not check-worthy")
    original = operations.find_original(request.duplicate_of_id or 0)
    return _("marked a duplicate of #%(id)s", id=original.id)


def empty_queue_message(args: QueueArgs) -> str:
    """What an empty queue says, and so what to do next."""
    if args.narrowed:
        return _("No claim matches these filters.")
    if args.assigned is Assigned.ME:
        return _("Nothing is assigned to you. Pick claims from the new ones and assign them to yourself.")
    if args.assigned is Assigned.NONE:
        return _("Every claim here has someone working on it.")
    if args.status == Status.SUBMITTED.value:
        return _("Nothing waiting here. New claims appear as volunteers file them.")
    if args.status == OPEN:
        return _("Nothing open: every claim is decided. New claims appear as volunteers file them.")
    if args.status == ALL:
        return _("No claims yet. They appear here as volunteers file them.")
    return _("No claim is %(state)s right now.", state=state_label(args.status))
