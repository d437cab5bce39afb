"""Named operations on claims: each validates, changes rows, records its audit event and flushes.

They never commit: the request, CLI command or job that called them does, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.capture import request_capture
from factcheck.audit import Event, record_event
from factcheck.claims import workflow
from factcheck.claims.language import guess_language
from factcheck.claims.models import Claim, Platform, Screenshot, Source, Status
from factcheck.claims.screenshots import VerifiedImage
from factcheck.claims.urls import InvalidURL, domain_of, normalise_url
from factcheck.errors import Forbidden, NotFound, ValidationError
from factcheck.storage import BlobStore

MAX_TEXT_LENGTH = 10_000
MAX_URLS = 10
MAX_NOTE_LENGTH = 2_000
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True)
class ClaimInput:
    """A claim as a volunteer files it, before validation."""

    text: str = ""
    urls: tuple[str, ...] = ()
    platform: str = ""
    language: str | None = None
    screenshot: VerifiedImage | None = None


def validate_claim_input(data: ClaimInput) -> tuple[str, list[str], str | None]:
    """Check a filing; return the cleaned text, normalised URLs and language, or raise 400."""
    errors: dict[str, str] = {}
    text = data.text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_LENGTH:
        errors["text"] = f"the text is {len(text):,} characters; at most {MAX_TEXT_LENGTH:,} fit"
    urls: list[str] = []
    raw_urls = [u for u in data.urls if u.strip()]
    if len(raw_urls) > MAX_URLS:
        errors["urls"] = f"{len(raw_urls)} links given; at most {MAX_URLS} per claim"
    else:
        for position, raw in enumerate(raw_urls, start=1):
            try:
                url = normalise_url(raw)
            except InvalidURL as exc:
                errors["urls"] = f"link {position} ({raw[:80]}): {exc}"
                break
            if url not in urls:
                urls.append(url)
    if data.platform not in {p.value for p in Platform}:
        errors["platform"] = "choose one of: " + ", ".join(p.value for p in Platform)
    language = (data.language or "").strip() or None
    if language is not None and not LANGUAGE_CODE.match(language):
        errors["language"] = "a language code such as hi or en"
    if not errors and not text and not urls and data.screenshot is None:
        errors["text"] = "give the post's text, a link or a screenshot"
    if errors:
        raise ValidationError(errors)
    return text, urls, language or guess_language(text)


def file_claim(actor: User, data: ClaimInput, blobs: BlobStore) -> Claim:
    """File a claim with its sources and screenshot; archiving follows after commit."""
    text, urls, language = validate_claim_input(data)
    claim = Claim(
        text=text,
        platform=data.platform,
        language=language,
        status=Status.SUBMITTED.value,
        submitted_by=actor,
        sources=[Source(url=url, domain=domain_of(url), position=i) for i, url in enumerate(urls)],
    )
    if data.screenshot is not None:
        image = data.screenshot
        sha256, size = blobs.put(image.data)
        claim.screenshot = Screenshot(
            sha256=sha256,
            content_type=image.content_type,
            size=size,
            width=image.width,
            height=image.height,
            filename=image.filename,
        )
    session = db.session()
    session.add(claim)
    session.flush()
    record_event("filed", actor=actor, claim_id=claim.id, to_status=claim.status, urls=len(urls))
    for source in claim.sources:
        request_capture(source.url, source=source, actor=actor)
    return claim


def visible_claims(actor: User) -> Select[tuple[Claim]]:
    """A query for the claims ``actor`` may see: all for reviewers, their own or assigned otherwise."""
    query = select(Claim)
    if not actor.has_role(Role.REVIEWER):
        query = query.where(or_(Claim.submitted_by_id == actor.id, Claim.assignee_id == actor.id))
    return query


def get_claim(actor: User, claim_id: int) -> Claim:
    """The claim ``claim_id`` if ``actor`` may see it; 404 otherwise (existence is not revealed)."""
    claim = db.session().scalar(
        visible_claims(actor)
        .where(Claim.id == claim_id)
        .options(selectinload(Claim.sources), selectinload(Claim.screenshot))
    )
    if claim is None:
        raise NotFound(f"claim {claim_id} not found")
    return claim


def list_claims(
    actor: User,
    *,
    status: str | None = None,
    assignee_id: int | None = None,
    mine: bool = False,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[Claim], int]:
    """A page of visible claims, oldest first (the reviewers' queue), and the total."""
    query = visible_claims(actor)
    if status:
        query = query.where(Claim.status == status)
    if assignee_id is not None:
        query = query.where(Claim.assignee_id == assignee_id)
    if mine:
        query = query.where(or_(Claim.submitted_by_id == actor.id, Claim.assignee_id == actor.id))
    session = db.session()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.options(selectinload(Claim.sources))
        .order_by(Claim.created_at, Claim.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


def claim_events(claim: Claim) -> list[Event]:
    """The claim's history, oldest first."""
    return list(
        db.session().scalars(
            select(Event)
            .where(Event.claim_id == claim.id)
            .options(selectinload(Event.actor))
            .order_by(Event.id)
        )
    )


def find_user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None or not user.active:
        raise ValidationError({"assignee": f"no active user {user_id}"})
    return user


def find_original(duplicate_of_id: int) -> Claim:
    """The root of the claim a duplicate points at (following duplicate chains)."""
    original = db.session().get(Claim, duplicate_of_id)
    if original is None:
        raise ValidationError({"duplicate_of": f"no claim {duplicate_of_id}"})
    return workflow.duplicate_root(original)


# -- moves --------------------------------------------------------------------------------------


def move_claim(actor: User, claim: Claim, target: Status, *, note: str = "",
               duplicate_of: Claim | None = None, **data: object) -> Event:
    """Check a move against the lifecycle table, make it, and record its one audit event."""
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": f"notes are at most {MAX_NOTE_LENGTH:,} characters"})
    workflow.check_move(actor, claim, target.value, note=note, duplicate_of=duplicate_of)
    before = claim.status
    claim.status = target.value
    claim.duplicate_of = duplicate_of if target is Status.DUPLICATE else None
    db.session().flush()
    return record_event(
        "transition", actor=actor, claim_id=claim.id, from_status=before, to_status=target.value,
        note=note.strip(), **data,
    )


def triage_claim(actor: User, claim: Claim, *, assignee: User | None = None, note: str = "") -> Event:
    """submitted → researching, optionally assigning someone to research it."""
    if assignee is not None:
        claim.assignee = assignee
    return move_claim(actor, claim, Status.RESEARCHING, note=note,
                 assignee_id=assignee.id if assignee else None)


def reject_claim(actor: User, claim: Claim, *, note: str) -> Event:
    """submitted/researching → rejected, with a note saying why."""
    return move_claim(actor, claim, Status.REJECTED, note=note)


def mark_duplicate(actor: User, claim: Claim, *, original: Claim | None, note: str = "") -> Event:
    """submitted/researching → duplicate of ``original`` (the root of its chain)."""
    if original is not None:
        original = workflow.duplicate_root(original)
        if original.id == claim.id:
            raise ValidationError({"duplicate_of": "a claim cannot duplicate itself"})
    return move_claim(actor, claim, Status.DUPLICATE, note=note, duplicate_of=original,
                 duplicate_of_id=original.id if original else None)


def reopen_claim(actor: User, claim: Claim, *, note: str) -> Event:
    """rejected/duplicate → submitted (staff), with a note."""
    return move_claim(actor, claim, Status.SUBMITTED, note=note)


def assign_claim(actor: User, claim: Claim, assignee: User | None) -> Event:
    """Give a claim in research to someone (reviewer+); recorded like every other change."""
    if not actor.has_role(Role.REVIEWER):
        raise Forbidden("only reviewers and staff assign claims")
    before = claim.assignee_id
    claim.assignee = assignee
    db.session().flush()
    return record_event(
        "assigned", actor=actor, claim_id=claim.id, from_status=claim.status, to_status=claim.status,
        previous_assignee_id=before, assignee_id=assignee.id if assignee else None,
    )
