""""Seen before" that stays: the claims and fact-checks a claim was matched with when it was
filed are kept (:class:`~factcheck.notify.models.Match`) and shown on its page to its filer and
to the reviewers, whatever the index says later.

A job after the filing commits asks search for the matches (:func:`similar_for`), keeps those
filed before the claim, and does so once per claim.
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.claims.models import Claim
from factcheck.claims.operations import visible_claims
from factcheck.claims.signals import Panel
from factcheck.jobs import get_queue
from factcheck.notify.models import Match
from factcheck.notify.operations import is_following
from factcheck.notify.present import outcome
from factcheck.search.claim_matches import similar_for

RECORD_JOB = "notify.record_matches"
MATCHES_PANEL_ORDER = 19  # just before search's live "Seen before?"
MAX_MATCHES = 5


def on_claim_filed(claim: Claim, **_: Any) -> None:
    """Keep the new claim's matches once the filing commits."""
    get_queue().enqueue_after_commit(RECORD_JOB, claim.id)


def record_matches(claim_id: int) -> int:
    """Keep the matches of claim ``claim_id`` (once; a second run keeps nothing more); return how
    many were kept. Flushes."""
    session = db.session()
    claim = session.get(Claim, claim_id)
    if claim is None or session.scalar(select(exists().where(Match.claim_id == claim_id))):
        return 0
    kept = 0
    for entry in similar_for(claim.submitted_by, claim, limit=MAX_MATCHES):
        if entry["id"] >= claim.id:  # filed after it: not "seen before"
            continue
        session.add(Match(claim_id=claim.id, matched_claim_id=entry["id"], reason=str(entry["reason"])[:16],
                          score=float(entry["score"])))
        kept += 1
    session.flush()
    return kept


def kept_matches(actor: User, claim: Claim) -> list[dict[str, Any]]:
    """The matches kept at filing, best first, as ``actor`` may read them: a claim ``actor`` may
    not read shows its id, its status and its fact-check, never its text (SPEC §4)."""
    session = db.session()
    rows = list(session.scalars(select(Match).where(Match.claim_id == claim.id)
                                .order_by(Match.reason != "url", Match.score.desc())))
    if not rows:
        return []
    ids = [row.matched_claim_id for row in rows]
    readable = set(ids) if actor.has_role(Role.REVIEWER) else set(session.scalars(
        visible_claims(actor).with_only_columns(Claim.id).where(Claim.id.in_(ids))))
    # The matched claims and their rebuttals in two queries, not two per match: a claim page is
    # read far more often than filed.
    others = {other.id: other for other in session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.rebuttal)))}
    entries = []
    for row in rows:
        other = others.get(row.matched_claim_id)
        if other is None:
            continue
        found = outcome(other)
        entries.append({"id": other.id, "status": other.status, "reason": row.reason, "score": row.score,
                        "found_at": row.found_at, "outcome": found,
                        "text": other.text if other.id in readable else None})
    return entries


def matches_panel(claim: Claim, actor: User, **_: Any) -> Panel | None:
    """"Seen at filing": the kept matches, for the claim's filer and the reviewers."""
    if claim.submitted_by_id != actor.id and not actor.has_role(Role.REVIEWER):
        return None
    matches = kept_matches(actor, claim)
    if not matches:
        return None
    html = render_template("notify/panel_matches.html", claim=claim, matches=matches)
    return Panel(MATCHES_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def claim_detail(claim: Claim, actor: User, data: dict[str, Any], **_: Any) -> None:
    """The API's claim: whether the caller follows it, and (for its filer and the reviewers) what
    it matched when it was filed."""
    if not getattr(actor, "is_authenticated", False):
        return
    data["following"] = is_following(actor, claim)
    if claim.submitted_by_id == actor.id or actor.has_role(Role.REVIEWER):
        data["seen_at_filing"] = [
            {"id": m["id"], "status": m["status"], "reason": m["reason"], "score": m["score"],
             "fact_check": m["outcome"].link if m["outcome"] else None, "text": m["text"]}
            for m in kept_matches(actor, claim)]
