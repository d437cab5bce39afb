"""The volunteer's own page: what became of what they filed, and how many filed it after them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from factcheck import db
from factcheck.accounts.models import User
from factcheck.claims.models import Claim, Status


@dataclass(frozen=True)
class Figures:
    """How many claims ``user`` filed, how many of them were published (as fact-checks of their
    own or of the claim they duplicate), and how many people filed the same hoax after them."""

    filed: int
    published: int
    filed_after: int


def my_claims(user: User, *, page: int = 1, per_page: int = 25) -> list[Claim]:
    """The claims ``user`` filed, newest first."""
    return list(db.session().scalars(
        select(Claim).where(Claim.submitted_by_id == user.id)
        .options(selectinload(Claim.duplicate_of))
        .order_by(Claim.created_at.desc(), Claim.id.desc()).limit(per_page).offset((page - 1) * per_page)))


def figures(user: User) -> Figures:
    """The figures at the top of ``user``'s page."""
    session = db.session()
    mine = select(Claim.id).where(Claim.submitted_by_id == user.id)
    filed = session.scalar(select(func.count()).select_from(Claim).where(Claim.submitted_by_id == user.id)) or 0
    original = aliased(Claim)
    published = session.scalar(
        select(func.count()).select_from(Claim)
        .outerjoin(original, original.id == Claim.duplicate_of_id)
        .where(Claim.submitted_by_id == user.id,
               (Claim.status == Status.PUBLISHED.value) | (original.status == Status.PUBLISHED.value))) or 0
    # Others who filed the same hoax after one of my claims: the duplicates marked of it.
    later = aliased(Claim)
    first = aliased(Claim)
    filed_after = session.scalar(
        select(func.count(func.distinct(later.submitted_by_id)))
        .select_from(later).join(first, first.id == later.duplicate_of_id)
        .where(first.id.in_(mine), later.submitted_by_id != user.id, later.created_at >= first.created_at)) or 0
    return Figures(filed=filed, published=published, filed_after=filed_after)
