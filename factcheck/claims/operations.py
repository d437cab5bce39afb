"""Named operations on claims: each validates, changes rows, records its audit event and flushes.

They never commit: the request, CLI command or job that called them does, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.audit import Event, record_event
from factcheck.claims import workflow
from factcheck.claims.labels import platform_label
from factcheck.claims.language import guess_language
from factcheck.claims.links import InvalidURL, domain_of, link_from_typed
from factcheck.claims.models import Claim, ClaimTag, Platform, Screenshot, Source, Status
from factcheck.claims.queue import Assigned, Order, QueueFilter, filtered, ordered
from factcheck.claims.screenshots import VerifiedImage
from factcheck.claims.signals import claim_filed, claim_moved
from factcheck.claims.tags import MAX_TAGS_PER_CLAIM, InvalidTag, normalise_tag, normalise_tags
from factcheck.claims.workflow import MoveRequest
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
    """Check a filing; return the cleaned text, normalised URLs and language, or raise 400.

    Every link that cannot be used is reported, each under ``urls[i]`` (its place in
    ``data.urls``, counted from 0, blank entries included), with ``urls`` saying how many.
    """
    errors: dict[str, str] = {}
    text = data.text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_LENGTH:
        errors["text"] = _("the text is %(length)s characters; at most %(limit)s fit",
                           length=f"{len(text):,}", limit=f"{MAX_TEXT_LENGTH:,}")
    urls, link_errors = _checked_links(data.urls)
    errors.update(link_errors)
    if data.platform not in {p.value for p in Platform}:
        errors["platform"] = _("choose one of: %(platforms)s",
                               platforms=", ".join(platform_label(p.value) for p in Platform))
    language = (data.language or "").strip() or None
    if language is not None and not LANGUAGE_CODE.match(language):
        errors["language"] = _("a language code such as hi or en")
    if not errors and not text and not urls and data.screenshot is None:
        errors["text"] = _("give the post's text, a link or a screenshot")
    if errors:
        raise ValidationError(errors)
    return text, urls, language or guess_language(text)


def _checked_links(raw_urls: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """The links of a filing in their normal form, each once, and a problem per bad link."""
    given = [(position, raw) for position, raw in enumerate(raw_urls) if raw.strip()]
    if len(given) > MAX_URLS:
        return [], {"urls": _("%(count)s links given; at most %(limit)s per claim", count=len(given), limit=MAX_URLS)}
    urls: list[str] = []
    problems: dict[str, str] = {}
    for position, raw in given:
        try:
            url = link_from_typed(raw)
        except InvalidURL as exc:
            problems[f"urls[{position}]"] = f"{raw.strip()[:80]}: {exc}"
            continue
        if url not in urls:
            urls.append(url)
    if problems:
        problems = {"urls": ngettext("%(num)s link cannot be used", "%(num)s links cannot be used",
                                     len(problems)), **problems}
    return urls, problems


def file_claim(actor: User, data: ClaimInput, blobs: BlobStore) -> Claim:
    """File a claim with its sources and screenshot; the features above hear of it (archive
    captures its links once the filing commits)."""
    return add_claim(actor, build_claim(actor, data, blobs))


def build_claim(actor: User, data: ClaimInput, blobs: BlobStore) -> Claim:
    """The claim a filing describes, checked (or 400) but not yet added: what is like it can be
    looked up before the filing writes (on SQLite, before it takes the database's write lock)."""
    text, urls, language = validate_claim_input(data)
    claim = Claim(
        text=text,
        platform=data.platform,
        language=language,
        status=Status.SUBMITTED.value,
        submitted_by=actor,
        sources=[Source(url=url, domain=domain_of(url), position=i) for i, url in enumerate(urls)],
        # A new claim has neither yet: said here, showing it after the flush asks the database nothing.
        tags=[],
        screenshot=None,
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
    return claim


def add_claim(actor: User, claim: Claim) -> Claim:
    """Add a claim from :func:`build_claim`: its rows, its event, and the signal it was filed."""
    session = db.session()
    session.add(claim)
    session.flush()
    record_event("filed", actor=actor, claim_id=claim.id, to_status=claim.status, urls=len(claim.sources))
    claim_filed.send(claim, actor=actor)
    return claim


def visible_claims(actor: User) -> Select[Claim]:
    """A query for the claims ``actor`` may see: all for reviewers, their own or assigned otherwise."""
    query = select(Claim)
    if not actor.has_role(Role.REVIEWER):
        query = query.where(or_(Claim.submitted_by_id == actor.id, Claim.assignee_id == actor.id))
    return query


def sees_desk_work(actor: User, claim: Claim) -> bool:
    """Whether ``actor`` reads the desk's internal notes and unpublished drafts on ``claim``:
    reviewers and staff, and whoever is assigned to write it (not its filer as such)."""
    return actor.has_role(Role.REVIEWER) or claim.assignee_id == actor.id


OUTCOME_STATES = frozenset({Status.REJECTED.value, Status.DUPLICATE.value})


def shown_note(actor: User, claim: Claim, event: Event) -> str:
    """An event's note as ``actor`` may read it: the desk reads every note; a filer reads only
    the notes that explain an outcome (why it was rejected or marked a duplicate)."""
    if sees_desk_work(actor, claim) or event.to_status in OUTCOME_STATES and event.kind == "transition":
        return event.note
    return ""


def may_see_claim(actor: User, claim_id: int) -> bool:
    """Whether ``actor`` may see claim ``claim_id``."""
    found = db.session().scalar(visible_claims(actor).with_only_columns(Claim.id).where(Claim.id == claim_id))
    return found is not None


def get_claim(actor: User, claim_id: int) -> Claim:
    """The claim ``claim_id`` if ``actor`` may see it; 404 otherwise (existence is not revealed)."""
    claim = db.session().scalar(
        visible_claims(actor)
        .where(Claim.id == claim_id)
        # Its one screenshot and one rebuttal in the same query: every detail view reads both.
        .options(selectinload(Claim.sources), joinedload(Claim.screenshot), joinedload(Claim.rebuttal))
    )
    if claim is None:
        raise NotFound(_("There is no claim #%(id)s, or you may not see it.", id=claim_id))
    return claim


def list_claims(
    actor: User,
    *,
    status: str | None = None,
    assignee_id: int | None = None,
    mine: bool = False,
    assigned: Assigned | None = None,
    priority: bool | None = None,
    tag: str | None = None,
    order: Order = Order.OLDEST,
    page: int = 1,
    per_page: int = 25,
) -> tuple[list[Claim], int]:
    """A page of visible claims, oldest first (the reviewers' queue), and the total.

    ``status`` is a state or ``"open"`` (not yet decided); ``assigned`` is ``me`` or ``none``;
    ``tag`` is normalised here (400 when it cannot be a tag); ``order`` puts priority claims first.
    """
    if tag is not None:
        try:
            tag = normalise_tag(tag)
        except InvalidTag as exc:
            raise ValidationError({"tag": str(exc)}) from None
    queue = QueueFilter(status=status, assignee_id=assignee_id, assigned=assigned, mine=mine,
                        priority=priority, tag=tag, order=order)
    query = filtered(visible_claims(actor), actor, queue)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        ordered(query, order)
        .options(selectinload(Claim.sources), selectinload(Claim.tags), selectinload(Claim.assignee))
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
    """The active person ``user_id`` (a system account is nobody to assign work to), or 400."""
    user = db.session().get(User, user_id)
    if user is None or not user.active or user.is_system:
        raise ValidationError({"assignee": _("There is no active user %(id)s.", id=user_id)})
    return user


def desk_people(*, writers_only: bool = False) -> list[User]:
    """The people work can be assigned to: active accounts, no system ones, by name.

    ``writers_only`` keeps the desk (reviewers and staff) and the volunteers who have been given
    a claim before: a desk with thousands of volunteers does not send them all in every menu.
    """
    query = select(User).where(User.active.is_(True), User.is_system.is_(False))
    if writers_only:
        query = query.where(or_(User.role.in_([Role.REVIEWER.value, Role.STAFF.value]),
                                User.id.in_(select(Claim.assignee_id).where(Claim.assignee_id.is_not(None)))))
    return list(db.session().scalars(query.order_by(User.name, User.email)))


def find_original(duplicate_of_id: int) -> Claim:
    """The root of the claim a duplicate points at (following duplicate chains)."""
    original = db.session().get(Claim, duplicate_of_id)
    if original is None:
        raise ValidationError({"duplicate_of": _("There is no claim %(id)s.", id=duplicate_of_id)})
    return workflow.duplicate_root(original)


# -- moves --------------------------------------------------------------------------------------


def move_claim(actor: User, claim: Claim, target: Status, *, note: str = "",
               duplicate_of: Claim | None = None, **data: object) -> Event:
    """Check a move against the lifecycle table, make it, and record its one audit event."""
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationError({"note": _("Notes are at most %(count)s characters.", count=f"{MAX_NOTE_LENGTH:,}")})
    db.lock(claim)  # another request may have moved it since it was read: check the latest state
    workflow.check_move(actor, claim, target.value, note=note, duplicate_of=duplicate_of)
    before = claim.status
    claim.status = target.value
    claim.duplicate_of = duplicate_of if target is Status.DUPLICATE else None
    db.session().flush()
    event = record_event(
        "transition", actor=actor, claim_id=claim.id, from_status=before, to_status=target.value,
        note=note.strip(), **data,
    )
    claim_moved.send(claim, actor=actor, event=event)
    return event


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
            raise ValidationError({"duplicate_of": _("a claim cannot duplicate itself")})
    return move_claim(actor, claim, Status.DUPLICATE, note=note, duplicate_of=original,
                 duplicate_of_id=original.id if original else None)


def reopen_claim(actor: User, claim: Claim, *, note: str) -> Event:
    """rejected/duplicate → submitted (staff), with a note."""
    return move_claim(actor, claim, Status.SUBMITTED, note=note)


def assign_claim(actor: User, claim: Claim, assignee: User | None) -> Event:
    """Give a claim in research to someone (reviewer+); recorded like every other change."""
    _require_desk(actor, _("only reviewers and staff assign claims"))
    before = claim.assignee_id
    claim.assignee = assignee
    db.session().flush()
    return record_event(
        "assigned", actor=actor, claim_id=claim.id, from_status=claim.status, to_status=claim.status,
        previous_assignee_id=before, assignee_id=assignee.id if assignee else None,
    )


def set_priority(actor: User, claim: Claim, priority: bool) -> Event | None:
    """Mark ``claim`` as a priority (or take the mark away): reviewer+, one audit event; ``None``
    when it already was as asked (nothing changes, nothing is recorded)."""
    _require_desk(actor, _("only reviewers and staff mark priorities"))
    db.lock(claim)
    if claim.priority == priority:
        return None
    claim.priority = priority
    db.session().flush()
    return record_event("priority_changed", actor=actor, claim_id=claim.id, from_status=claim.status,
                        to_status=claim.status, priority=priority)


def set_tags(actor: User, claim: Claim, tags: Iterable[str]) -> Event | None:
    """Give ``claim`` exactly the tags ``tags`` (normalised; 400 naming a bad one): reviewer+,
    one audit event naming what was added and removed; ``None`` when nothing changes."""
    _require_desk(actor, _("only reviewers and staff tag claims"))
    wanted = _normalised(tags)
    return _change_tags(actor, claim, lambda current: wanted)


def add_tags(actor: User, claim: Claim, tags: Iterable[str]) -> Event | None:
    """Add ``tags`` to ``claim``'s (those it has already stay as they are)."""
    _require_desk(actor, _("only reviewers and staff tag claims"))
    new = _normalised(tags)
    return _change_tags(actor, claim, lambda current: current + [t for t in new if t not in current])


def remove_tags(actor: User, claim: Claim, tags: Iterable[str]) -> Event | None:
    """Take ``tags`` off ``claim`` (a tag it does not have is no error)."""
    _require_desk(actor, _("only reviewers and staff tag claims"))
    gone = set(_normalised(tags))
    return _change_tags(actor, claim, lambda current: [t for t in current if t not in gone])


def _normalised(tags: Iterable[str]) -> list[str]:
    try:
        return normalise_tags(tags)
    except InvalidTag as exc:
        raise ValidationError({"tags": str(exc)}) from None


def _change_tags(actor: User, claim: Claim, wanted_from: Callable[[list[str]], list[str]]) -> Event | None:
    """Give ``claim`` the tags ``wanted_from`` its current ones, and record what was added and
    removed; ``None`` when nothing changes."""
    db.lock(claim)  # two desks tagging one claim at once: the second sees the first's tags
    session = db.session()
    session.refresh(claim, ["tags"])
    current = claim.tag_names
    wanted = wanted_from(current)
    if len(wanted) > MAX_TAGS_PER_CLAIM:
        raise ValidationError({"tags": _("a claim has at most %(count)s tags", count=MAX_TAGS_PER_CLAIM)})
    added = sorted(set(wanted) - set(current))
    removed = sorted(set(current) - set(wanted))
    if not added and not removed:
        return None
    claim.tags = [tag for tag in claim.tags if tag.tag not in removed] + [ClaimTag(tag=t) for t in added]
    session.flush()
    return record_event("tags_changed", actor=actor, claim_id=claim.id, from_status=claim.status,
                        to_status=claim.status, added=added, removed=removed)


def _require_desk(actor: User, message: str) -> None:
    if not actor.has_role(Role.REVIEWER):
        raise Forbidden(message)


# -- the moves this feature makes, by the lifecycle's entry point ------------------------------------


def _triage(actor: User, claim: Claim, request: MoveRequest) -> Event:
    assignee = find_user(request.assignee_id) if request.assignee_id is not None else None
    return triage_claim(actor, claim, assignee=assignee, note=request.note)


def _duplicate(actor: User, claim: Claim, request: MoveRequest) -> Event:
    original = find_original(request.duplicate_of_id) if request.duplicate_of_id is not None else None
    return mark_duplicate(actor, claim, original=original, note=request.note)


def _reject(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return reject_claim(actor, claim, note=request.note)


def _reopen(actor: User, claim: Claim, request: MoveRequest) -> Event:
    return reopen_claim(actor, claim, note=request.note)


def register_moves() -> None:
    """Register the moves this feature owns with the lifecycle's entry point."""
    workflow.register_move([Status.SUBMITTED], Status.RESEARCHING, _triage)
    workflow.register_move([Status.SUBMITTED, Status.RESEARCHING], Status.DUPLICATE, _duplicate)
    workflow.register_move([Status.SUBMITTED, Status.RESEARCHING], Status.REJECTED, _reject)
    workflow.register_move([Status.REJECTED, Status.DUPLICATE], Status.SUBMITTED, _reopen)
