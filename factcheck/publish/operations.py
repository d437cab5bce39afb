"""Drafting, reviewing, publishing and correcting rebuttals: named operations that flush.

The lifecycle moves here (submit, request changes, approve, publish) go through
:func:`factcheck.claims.operations.move_claim`, so the transition table and its four-eyes rule
decide them; these operations add what each move means for the rebuttal.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import format_number
from flask_babel import gettext as _
from sqlalchemy import exists, select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.capture import request_capture
from factcheck.archive.models import Snapshot
from factcheck.audit import Event, record_event
from factcheck.claims.labels import status_label
from factcheck.claims.links import InvalidURL, normalise_url
from factcheck.claims.models import Claim, Status
from factcheck.claims.operations import ClaimInput, file_claim, move_claim
from factcheck.errors import Conflict, Forbidden, ValidationError
from factcheck.publish.credits import check_credit
from factcheck.publish.language import PUBLISHING_LANGUAGES, default_language
from factcheck.publish.models import Decision, Rebuttal, Review, Revision, RevisionSource
from factcheck.publish.signals import fact_check_corrected
from factcheck.publish.slugs import slugify, unique_slug
from factcheck.publish.verdicts import find_verdict
from factcheck.storage import BlobStore

MAX_HEADLINE = 200
MAX_SUMMARY = 300
MAX_BODY = 100_000
MAX_NOTE = 2_000
MAX_SOURCES = 30
MAX_REPORT = 5_000
READER_REPORTS = "reader-reports@factcheck.invalid"


class EditConflict(Conflict):
    code = "conflict"


@dataclass(frozen=True)
class DraftInput:
    """A rebuttal as its writer saves it: sources are snapshots of the claim's links, or new URLs."""

    headline: str = ""
    summary: str = ""
    body: str = ""
    verdict: str | None = None
    snapshot_ids: tuple[int, ...] = ()
    new_urls: tuple[str, ...] = ()
    correction_note: str | None = None
    language: str | None = None  # the fact-check's; None keeps the rebuttal's (or the default)


def rebuttal_of(claim: Claim) -> Rebuttal | None:
    return claim.rebuttal


def may_draft(actor: User, claim: Claim) -> bool:
    """Reviewers and staff draft any rebuttal in research; a volunteer the claims assigned to them."""
    if claim.status == Status.RESEARCHING:
        return actor.has_role(Role.REVIEWER) or claim.assignee_id == actor.id
    return claim.status == Status.PUBLISHED and actor.has_role(Role.REVIEWER)


def check_may_draft(actor: User, claim: Claim) -> None:
    """Refuse ``actor`` the rebuttal editor of ``claim``: 409 when the claim's state allows no
    writing, 403 when the state does but the person may not (see :func:`may_draft`)."""
    if claim.status not in (Status.RESEARCHING, Status.PUBLISHED):
        raise EditConflict(
            _("A rebuttal is written while the claim is being researched, or corrected once published; "
              "this claim is %(state)s.", state=status_label(claim.status)), status=claim.status)
    if not may_draft(actor, claim):
        raise Forbidden(_("Only reviewers, staff and the person assigned to the claim write its rebuttal.")
                        if claim.status != Status.PUBLISHED else _("Only reviewers and staff issue corrections."))


def save_draft(actor: User, claim: Claim, data: DraftInput) -> Revision:
    """Save a new revision of the claim's rebuttal (a correction, once it is published)."""
    correcting = claim.status == Status.PUBLISHED
    check_may_draft(actor, claim)
    fields = _validate(data, correcting)
    language = fields.pop("language")
    rebuttal = rebuttal_of(claim)
    session = db.session()
    if rebuttal is None:
        rebuttal = Rebuttal(claim=claim, language=str(language) if language else default_language(claim.language))
        session.add(rebuttal)
        session.flush()
    elif language:
        rebuttal.language = str(language)
    snapshots = _sources(actor, claim, rebuttal, data)
    revision = Revision(
        rebuttal=rebuttal,
        number=len(rebuttal.revisions) + 1,
        author=actor,
        sources=[RevisionSource(snapshot=s, position=i) for i, s in enumerate(snapshots)],
        **fields,
    )
    session.add(revision)
    session.flush()
    if correcting:
        event = record_event("correction", actor=actor, claim_id=claim.id, from_status=claim.status,
                             to_status=claim.status, note=str(fields["correction_note"] or ""),
                             revision=revision.number, language=rebuttal.language)
        fact_check_corrected.send(claim, actor=actor, event=event)
    else:
        record_event("rebuttal_saved", actor=actor, claim_id=claim.id, from_status=claim.status,
                     to_status=claim.status, revision=revision.number, language=rebuttal.language)
    return revision


def _validate(data: DraftInput, correcting: bool) -> dict[str, object]:
    errors: dict[str, str] = {}
    headline = " ".join(data.headline.split())
    summary = " ".join(data.summary.split())  # one line: it travels in share previews
    body = data.body.replace("\r\n", "\n").strip()
    for name, value, limit in (("headline", headline, MAX_HEADLINE), ("summary", summary, MAX_SUMMARY),
                               ("body", body, MAX_BODY)):
        if len(value) > limit:
            errors[name] = _("at most %(count)s characters", count=format_number(limit))
    verdict = None
    if data.verdict:
        found = find_verdict(data.verdict)
        if found is None:
            errors["verdict"] = _("choose a verdict from the list")
        else:
            verdict = found.name
    note = " ".join((data.correction_note or "").split()) or None
    if correcting and note is None:
        errors["correction_note"] = _("a published fact-check is changed only with a public correction note")
    if note is not None and len(note) > MAX_NOTE:
        errors["correction_note"] = _("at most %(count)s characters", count=format_number(MAX_NOTE))
    if not correcting and note is not None:
        errors["correction_note"] = _("corrections are for published fact-checks")
    if len(data.snapshot_ids) + len(data.new_urls) > MAX_SOURCES:
        errors["sources"] = _("at most %(count)s sources", count=MAX_SOURCES)
    language = data.language.strip() if data.language is not None else None
    if language is not None and language not in PUBLISHING_LANGUAGES:
        errors["language"] = _("one of: %(languages)s", languages=", ".join(PUBLISHING_LANGUAGES))
    if errors:
        raise ValidationError(errors)
    return {"headline": headline, "summary": summary, "body": body, "verdict": verdict, "correction_note": note,
            "language": language}


def _sources(actor: User, claim: Claim, rebuttal: Rebuttal, data: DraftInput) -> list[Snapshot]:
    """The cited snapshots: those of the claim's links or already cited here, then new URLs."""
    session = db.session()
    chosen: list[Snapshot] = []
    for snapshot_id in dict.fromkeys(data.snapshot_ids):
        snapshot = session.get(Snapshot, snapshot_id)
        belongs = snapshot is not None and (
            (snapshot.source is not None and snapshot.source.claim_id == claim.id)
            or session.scalar(select(exists().where(
                RevisionSource.snapshot_id == snapshot_id,
                RevisionSource.revision_id.in_(select(Revision.id).where(Revision.rebuttal_id == rebuttal.id)),
            )))
        )
        if snapshot is None or not belongs:
            raise ValidationError({"sources": _("archived copy #%(id)s is not a source of this claim", id=snapshot_id)})
        chosen.append(snapshot)
    for position, raw in enumerate(data.new_urls, start=1):
        try:
            url = normalise_url(raw)
        except InvalidURL as exc:
            raise ValidationError({"sources": _("link %(position)s (%(link)s): %(problem)s", position=position,
                                                 link=raw[:80], problem=exc)}) from None
        chosen.append(request_capture(url, actor=actor))
    return chosen


# -- readers ------------------------------------------------------------------------------------


def file_reader_report(message: str, *, url: str = "", contact: str = "", blobs: BlobStore) -> Claim:
    """File a reader's error report (or tip) as a claim, under the reader-reports account."""
    message = message.strip()
    if not message:
        raise ValidationError({"message": _("tell us what is wrong")})
    if len(message) > MAX_REPORT:
        raise ValidationError({"message": _("at most %(count)s characters", count=format_number(MAX_REPORT))})
    contact = " ".join(contact.split())[:200]
    text = f"Reader report: {message}" + (f"\n\nContact: {contact}" if contact else "")
    urls = (url.strip(),) if url.strip() else ()
    return file_claim(_reader_reports_account(), ClaimInput(text=text, urls=urls, platform="web"), blobs)


def _reader_reports_account() -> User:
    """The account reader reports are filed under; it cannot log in."""
    session = db.session()
    user = session.scalar(select(User).where(User.email == READER_REPORTS))
    if user is None:
        user = User(email=READER_REPORTS, name="Reader report", role=Role.VOLUNTEER.value, active=False,
                    is_system=True, password_hash="!" + secrets.token_hex(16))
        session.add(user)
        session.flush()
    return user


# -- the moves ----------------------------------------------------------------------------------


def submit_for_review(actor: User, claim: Claim, *, note: str = "") -> Event:
    """researching → in_review, once the draft is complete (its writer, or reviewer+)."""
    return move_claim(actor, claim, Status.IN_REVIEW, note=note)


def request_changes(actor: User, claim: Claim, *, note: str) -> Event:
    """in_review → researching with the reviewer's note (never by the draft's writers)."""
    return _review(actor, claim, Decision.REQUEST_CHANGES, note)


def approve_rebuttal(actor: User, claim: Claim, *, note: str = "") -> Event:
    """in_review → approved (four-eyes: never by anyone who wrote or revised the draft)."""
    return _review(actor, claim, Decision.APPROVE, note)


def review_rebuttal(actor: User, claim: Claim, decision: str, note: str = "") -> Event:
    """A review decision (approve or request changes), as the reviews API takes it."""
    if decision == Decision.APPROVE:
        return approve_rebuttal(actor, claim, note=note)
    if decision == Decision.REQUEST_CHANGES:
        return request_changes(actor, claim, note=note)
    raise ValidationError({"decision": _("approve, or ask for changes")})


def _review(actor: User, claim: Claim, decision: Decision, note: str) -> Event:
    target = Status.APPROVED if decision is Decision.APPROVE else Status.RESEARCHING
    rebuttal = rebuttal_of(claim)
    revision = rebuttal.current if rebuttal else None
    event = move_claim(actor, claim, target, note=note, decision=decision.value,
                       revision=revision.number if revision else None)
    if rebuttal is not None and revision is not None:
        db.session().add(Review(rebuttal=rebuttal, revision=revision, reviewer=actor, decision=decision.value,
                                note=note.strip()))
        db.session().flush()
    return event


def publish_rebuttal(actor: User, claim: Claim, *, note: str = "") -> Event:
    """approved → published: the fact-check gets its public address and goes live."""
    event = move_claim(actor, claim, Status.PUBLISHED, note=note)
    rebuttal = rebuttal_of(claim)
    if rebuttal is None or rebuttal.current is None:  # the move above needs a complete draft: never true
        raise RuntimeError(f"claim {claim.id} was approved without a rebuttal")
    check_credit(rebuttal, actor)
    if rebuttal.slug is None:
        rebuttal.slug = unique_slug(slugify(rebuttal.current.headline), _slug_taken)
    rebuttal.published_at = rebuttal.published_at or db.utcnow()
    rebuttal.published_by = actor
    db.session().flush()
    return event


def _slug_taken(slug: str) -> bool:
    return bool(db.session().scalar(select(exists().where(Rebuttal.slug == slug))))


def changes_requested(rebuttal: Rebuttal) -> Review | None:
    """The latest review when it asked for changes (until the draft goes back to review)."""
    latest = rebuttal.reviews[-1] if rebuttal.reviews else None
    if latest is None or latest.decision != Decision.REQUEST_CHANGES:
        return None
    return latest if rebuttal.claim.status == Status.RESEARCHING else None


def last_review_by(reviewer: User, rebuttal: Rebuttal) -> Review | None:
    """``reviewer``'s latest review of ``rebuttal`` (to show what changed since)."""
    return db.session().scalar(
        select(Review).where(Review.rebuttal_id == rebuttal.id, Review.reviewer_id == reviewer.id)
        .order_by(Review.id.desc()).limit(1)
    )

