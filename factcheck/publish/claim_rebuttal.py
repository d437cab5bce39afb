"""Publishing's part in a claim: the moves it owns in the lifecycle, the draft the lifecycle
checks, the rebuttal on the claim's page and in its API detail, and which archived snapshots a
published fact-check opens to everyone."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup

from factcheck.accounts.models import User
from factcheck.archive.models import Snapshot
from factcheck.archive.signals import snapshot_readable
from factcheck.audit import Event
from factcheck.claims import operations as claims
from factcheck.claims import signals, workflow
from factcheck.claims.labels import register_event_sentence
from factcheck.claims.models import Claim, Status
from factcheck.claims.signals import Draft, Panel
from factcheck.claims.workflow import MoveRequest
from factcheck.publish import operations
from factcheck.publish.markdown import render_markdown
from factcheck.publish.models import Revision
from factcheck.publish.present import cited_by_claims, is_cited_publicly
from factcheck.publish.serialise import rebuttal_as_dict

REBUTTAL_PANEL_ORDER = 30
_MISSING = {"headline": lazy_gettext("a headline"), "verdict": lazy_gettext("a verdict"),
            "body": lazy_gettext("a body"), "a source": lazy_gettext("a source")}


def missing_labels(revision: Revision) -> tuple[str, ...]:
    """What a draft still lacks before review, in the reader's words."""
    return tuple(str(_MISSING.get(name, name)) for name in revision.missing())


def draft_of(claim: Claim, **_: Any) -> Draft | None:
    """Who wrote the claim's rebuttal draft and what it still lacks (for the lifecycle's checks)."""
    rebuttal = claim.rebuttal
    if rebuttal is None or rebuttal.current is None:
        return None
    return Draft(writers=rebuttal.writer_ids, missing=missing_labels(rebuttal.current))


def rebuttal_panel(claim: Claim, actor: User, **_: Any) -> Panel:
    """The rebuttal as ``actor`` may read it, the editor's link and the review form."""
    rebuttal = claim.rebuttal
    desk = claims.sees_desk_work(actor, claim)
    if not desk and (rebuttal is None or rebuttal.slug is None):
        rebuttal = None  # a filer sees the fact-check once it is published, not the drafts
    current = rebuttal.current if rebuttal else None
    moves = workflow.moves_for(actor, claim)
    html = render_template(
        "publish/panel_rebuttal.html", claim=claim, rebuttal=rebuttal, desk=desk,
        rebuttal_html=render_markdown(current.body) if current else "",
        last_review=operations.last_review_by(actor, rebuttal) if rebuttal else None,
        may_draft=operations.may_draft(actor, claim), may_review=any(t.four_eyes for t in moves),
        missing=missing_labels(current) if current else (),
    )
    return Panel(REBUTTAL_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def rebuttal_detail(claim: Claim, actor: User, data: dict[str, Any], **_: Any) -> None:
    """The rebuttal in the API's detailed view of a claim (a filer gets only what is published)."""
    if claim.rebuttal is not None:
        data["rebuttal"] = rebuttal_as_dict(claim.rebuttal, desk=claims.sees_desk_work(actor, claim))


def snapshot_is_cited(snapshot: Snapshot, actor: Any = None, **_: Any) -> bool:
    """A snapshot that a published fact-check cites is open to everyone; one cited by a
    rebuttal of a claim the actor may see, to them."""
    if is_cited_publicly(snapshot.id):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    return any(claims.may_see_claim(actor, claim_id) for claim_id in cited_by_claims(snapshot.id))


def _submit(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return operations.submit_for_review(actor, claim, note=request.note)


def _request_changes(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return operations.request_changes(actor, claim, note=request.note)


def _approve(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return operations.approve_rebuttal(actor, claim, note=request.note)


def _publish(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return operations.publish_rebuttal(actor, claim, note=request.note)


def connect() -> None:
    """Register publishing's moves and answer the claims' and the archive's signals."""
    workflow.register_move([Status.RESEARCHING], Status.IN_REVIEW, _submit)
    workflow.register_move([Status.IN_REVIEW], Status.RESEARCHING, _request_changes)
    workflow.register_move([Status.IN_REVIEW], Status.APPROVED, _approve)
    workflow.register_move([Status.APPROVED], Status.PUBLISHED, _publish)
    signals.draft_of.connect(draft_of)
    signals.claim_panels.connect(rebuttal_panel)
    signals.claim_details.connect(rebuttal_detail)
    snapshot_readable.connect(snapshot_is_cited)
    register_event_sentence("rebuttal_saved", lambda event: _("saved revision %(number)s of the rebuttal",
                                                              number=(event.data or {}).get("revision", "?")))
    register_event_sentence("correction", lambda _event: _("corrected the published fact-check"))
