"""The queue the desk runs on: which claims a filter picks, in which order, and how old each is."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import format_timedelta
from sqlalchemy import Select, or_

from factcheck.accounts.models import User
from factcheck.claims.models import Claim, ClaimTag, Status

OPEN = "open"
"""The pseudo-state of the claims still to decide: filed, in research, in review or approved."""
OPEN_STATES = (Status.SUBMITTED.value, Status.RESEARCHING.value, Status.IN_REVIEW.value, Status.APPROVED.value)
ALL = "all"


class Assigned(enum.StrEnum):
    """Whose claims: the caller's own work, or nobody's yet."""

    ME = "me"
    NONE = "none"


class Order(enum.StrEnum):
    """The queue's order: oldest first, or priority claims first and then oldest first."""

    OLDEST = "oldest"
    PRIORITY = "priority"


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; every field left at its default lets every claim through.

    ``status`` is a state, :data:`OPEN` or ``None`` (any); ``tag`` is already normalised.
    """

    status: str | None = None
    assignee_id: int | None = None
    assigned: Assigned | None = None
    mine: bool = False
    priority: bool | None = None
    tag: str | None = None
    order: Order = Order.OLDEST


def filtered(query: Select[Claim], actor: User, queue: QueueFilter) -> Select[Claim]:
    """``query`` narrowed to what ``queue`` asks for (not yet ordered)."""
    if queue.status == OPEN:
        query = query.where(Claim.status.in_(OPEN_STATES))
    elif queue.status:
        query = query.where(Claim.status == queue.status)
    if queue.assignee_id is not None:
        query = query.where(Claim.assignee_id == queue.assignee_id)
    if queue.assigned is Assigned.ME:
        query = query.where(Claim.assignee_id == actor.id)
    elif queue.assigned is Assigned.NONE:
        query = query.where(Claim.assignee_id.is_(None))
    if queue.mine:
        query = query.where(or_(Claim.submitted_by_id == actor.id, Claim.assignee_id == actor.id))
    if queue.priority is not None:
        query = query.where(Claim.priority.is_(queue.priority))
    if queue.tag:
        query = query.where(Claim.tags.any(ClaimTag.tag == queue.tag))
    return query


def ordered(query: Select[Claim], order: Order) -> Select[Claim]:
    """``query`` oldest first, priority claims before the others when ``order`` asks for it."""
    if order is Order.PRIORITY:
        return query.order_by(Claim.priority.desc(), Claim.created_at, Claim.id)
    return query.order_by(Claim.created_at, Claim.id)


def claim_age(claim: Claim, now: dt.datetime) -> str:
    """How long ago ``claim`` was filed, in words of the user's language ("3 hours", "2 days")."""
    return str(format_timedelta(max(now - claim.created_at, dt.timedelta(0))))
