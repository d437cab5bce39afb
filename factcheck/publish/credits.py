"""Who a fact-check credits in public: people by the display name they set, or the desk's byline.

An e-mail address is never published. Before a rebuttal goes public, everyone it would credit
must have a display name, unless staff have set a desk-wide byline, which then stands for all.
"""

from __future__ import annotations

from flask_babel import gettext as _

from factcheck.accounts.models import Role, User
from factcheck.audit import record_event
from factcheck.errors import Forbidden, ValidationError
from factcheck.inputs import text_problem
from factcheck.publish.models import Decision, Rebuttal
from factcheck.settings import BYLINE, get_setting, put_setting

MAX_BYLINE = 120


def desk_byline() -> str:
    """The byline staff set for the whole desk ("" when people are credited by name)."""
    return get_setting(BYLINE)


def credited_people(rebuttal: Rebuttal) -> tuple[list[User], User | None]:
    """The rebuttal's writers (in order of their first revision) and the reviewer who approved it."""
    writers = list({revision.author_id: revision.author for revision in rebuttal.revisions}.values())
    approvals = [review.reviewer for review in rebuttal.reviews if review.decision == Decision.APPROVE]
    return writers, approvals[-1] if approvals else None


def public_credit(rebuttal: Rebuttal) -> tuple[list[str], str | None]:
    """The names a public page shows as authors and reviewer: the byline, or display names."""
    byline = desk_byline()
    writers, reviewer = credited_people(rebuttal)
    if byline:
        return [byline], byline if reviewer is not None else None
    return [user.name for user in writers if user.name], reviewer.name if reviewer and reviewer.name else None


def check_credit(rebuttal: Rebuttal, publisher: User) -> None:
    """Refuse to publish while someone it would credit has no display name (and no byline is set)."""
    if desk_byline():
        return
    writers, reviewer = credited_people(rebuttal)
    unnamed = [user for user in [*writers, *([reviewer] if reviewer else [])] if not user.name.strip()]
    if not unnamed:
        return
    if any(user.id == publisher.id for user in unnamed):
        problem = _("Set your display name on your account page first: public pages credit people by it, "
                    "never by e-mail address.")
    else:
        problem = _("%(count)s of the people this fact-check credits have no display name yet: ask them to set "
                    "one on their account page, or ask staff to set a desk byline.", count=len(unnamed))
    raise ValidationError({"display_name": problem})


def set_byline(actor: User, byline: str) -> None:
    """Set (or clear, with "") the desk-wide byline (staff)."""
    if not actor.has_role(Role.STAFF):
        raise Forbidden(_("Only staff set the desk byline."))
    if text_problem(byline):
        raise ValidationError({"byline": text_problem(byline) or ""})
    byline = " ".join(byline.split())
    if len(byline) > MAX_BYLINE:
        raise ValidationError({"byline": _("At most %(n)s characters.", n=MAX_BYLINE)})
    put_setting(BYLINE, byline)
    record_event("byline_changed", actor=actor, byline=byline)
