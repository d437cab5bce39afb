"""Search's part in a claim: the claims and fact-checks like it, at filing (the API's
``similar``) and on its page, where reviewers can mark it a duplicate of one of them.

A match is the same link (exactly, from the database), the same image (its perceptual prints,
from the images feature) or a similar text (from the index; the text read in the claim's
screenshot counts as its text, so a text card and a typed forward find each other). A
match the actor may not read shows only its id, its status and, once published, its fact-check
link: never its text (SPEC §4).
"""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup
from sqlalchemy import select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.claims import signals, workflow
from factcheck.claims.models import Claim, Source, Status
from factcheck.claims.operations import visible_claims
from factcheck.claims.signals import Panel
from factcheck.images.operations import claim_image_text, claims_with_same_image
from factcheck.images.prints import MATCH_DISTANCE
from factcheck.publish.models import Rebuttal
from factcheck.search.service import get_index
from factcheck.urls import absolute_url

SIMILAR_PANEL_ORDER = 20


def similar_for(actor: User | Any, claim: Claim, limit: int = 5) -> list[dict[str, Any]]:
    """The claims and fact-checks most like ``claim``, best first, as ``actor`` may see them."""
    return match_entries(actor, _matching_claims(claim, limit), limit)


def match_entries(actor: User | Any, found: dict[int, tuple[str, float]], limit: int) -> list[dict[str, Any]]:
    """The matches ``found`` (claim id → reason, score), best first, as ``actor`` may see them."""
    signed_in = getattr(actor, "is_authenticated", False)
    readable: set[int] = set()
    if found and signed_in:
        readable = set(db.session().scalars(visible_claims(actor).with_only_columns(Claim.id)
                                            .where(Claim.id.in_(found))))
    sees_all = signed_in and actor.has_role(Role.REVIEWER)
    results = []
    order = {"url": 0, "image": 1}
    for claim_id, (reason, score) in sorted(found.items(), key=lambda item: (order.get(item[1][0], 2), -item[1][1])):
        other = db.session().get(Claim, claim_id)
        if other is None:
            continue
        entry = _match_entry(other, reason, score)
        if sees_all or other.id in readable:
            entry["text"] = other.text
        results.append(entry)
        if len(results) >= limit:
            break
    return results


def _matching_claims(claim: Claim, limit: int) -> dict[int, tuple[str, float]]:
    """Claim id → (reason, score) for the same link, the same image and for similar texts."""
    session = db.session()
    found: dict[int, tuple[str, float]] = {}
    urls = [source.url for source in claim.sources]
    # A claim being filed is looked up before it is added (it has no id yet): then it has no
    # images recorded and no rows of its own to leave out ("= NULL" would match nothing, and
    # "IS NULL" every image that belongs to no claim).
    added = claim.id is not None
    if urls:
        query = select(Source.claim_id).where(Source.url.in_(urls))
        for claim_id in session.scalars(query.where(Source.claim_id != claim.id) if added else query):
            found.setdefault(claim_id, ("url", 1.0))
    if added:
        for claim_id, distance in claims_with_same_image(claim.id).items():
            found.setdefault(claim_id, ("image", image_score(distance)))
    text = "\n".join(part for part in (claim.text, claim_image_text(claim.id) if added else "") if part)
    for match in get_index().similar(text, urls, limit=limit * 2, exclude=[f"claim:{claim.id}"]):
        claim_id = match.id
        if match.kind == "factcheck":
            rebuttal = session.get(Rebuttal, match.id)
            if rebuttal is None:
                continue
            claim_id = rebuttal.claim_id
        if claim_id != claim.id:
            found.setdefault(claim_id, (match.reason, match.score))
    return found


def image_score(distance: int) -> float:
    """A same-image match's score: 1.0 for the same prints, falling to 0.5 at the match distance."""
    return round(1.0 - 0.5 * distance / MATCH_DISTANCE, 3)


def _match_entry(other: Claim, reason: str, score: float) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": other.id, "status": other.status, "reason": reason, "score": score,
                             "fact_check": None}
    rebuttal = other.rebuttal
    if rebuttal is not None and rebuttal.slug is not None and rebuttal.current is not None:
        entry["fact_check"] = absolute_url("publish.factcheck", slug=rebuttal.slug)
        entry["verdict"] = rebuttal.current.verdict
        entry["headline"] = rebuttal.current.headline
    return entry


def similar_claims(claim: Claim, actor: User, **_: Any) -> list[dict[str, Any]]:
    """The claims and fact-checks like ``claim``, as ``actor`` may see them."""
    return similar_for(actor, claim)


def similar_panel(claim: Claim, actor: User, **_: Any) -> Panel | None:
    """"Seen before?": the matches, each with a one-step "mark as a duplicate" for reviewers."""
    similar = similar_for(actor, claim)
    if not similar:
        return None
    may_mark_duplicate = any(t.target == Status.DUPLICATE for t in workflow.moves_for(actor, claim))
    html = render_template("search/panel_similar.html", claim=claim, similar=similar,
                           may_mark_duplicate=may_mark_duplicate)
    return Panel(SIMILAR_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def connect() -> None:
    """Answer the claims feature's signals."""
    signals.similar_claims.connect(similar_claims)
    signals.claim_panels.connect(similar_panel)
