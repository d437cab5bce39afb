"""The search documents of the database's rows: the database is the source of truth, and the
index can always be rebuilt from these (SPEC §4)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from factcheck import db
from factcheck.archive.models import Snapshot, State
from factcheck.claims.links import domain_of
from factcheck.claims.models import Claim
from factcheck.images.operations import texts_by_claim, texts_by_snapshot
from factcheck.publish.markdown import plain_text
from factcheck.publish.models import Rebuttal
from factcheck.urls import app_path

Document = dict[str, Any]


def claim_document(claim: Claim, ocr: str | None = None) -> Document:
    """A claim's document; ``ocr`` (the text read in its screenshot) is looked up when not given."""
    return {
        "kind": "claim",
        "id": claim.id,
        "body": claim.text,
        "ocr": texts_by_claim([claim.id]).get(claim.id, "") if ocr is None else ocr,
        "urls": [source.url for source in claim.sources],
        "domain": sorted({source.domain for source in claim.sources}),
        "status": claim.status,
        "language": claim.language,
        "platform": claim.platform,
        "date": claim.created_at,
        "owner_id": claim.submitted_by_id,
        "assignee_id": claim.assignee_id,
    }


def snapshot_document(snapshot: Snapshot, ocr: str | None = None) -> Document | None:
    """An archived page's text, with the text read in its images (``ocr``, looked up when not
    given); captures that failed or hold no text are not searchable."""
    if ocr is None:
        ocr = texts_by_snapshot([snapshot.id]).get(snapshot.id, "")
    if snapshot.state != State.ARCHIVED or not (snapshot.main_text or snapshot.title or ocr):
        return None
    urls = list(dict.fromkeys(u for u in (snapshot.url, snapshot.final_url) if u))
    return {
        "kind": "snapshot",
        "id": snapshot.id,
        "claim_id": snapshot.source.claim_id if snapshot.source else None,
        "title": snapshot.title,
        "body": snapshot.main_text,
        "ocr": ocr,
        "url": snapshot.url,
        "urls": urls,
        "domain": sorted({domain_of(u) for u in urls}),
        "language": snapshot.language,
        "date": snapshot.fetched_at,
    }


def factcheck_document(rebuttal: Rebuttal) -> Document | None:
    """A rebuttal's current revision: public once published, found by reviewers before."""
    revision = rebuttal.current
    if revision is None:
        return None
    claim = rebuttal.claim
    return {
        "kind": "factcheck",
        "id": rebuttal.id,
        "claim_id": claim.id,
        "title": revision.headline,
        "summary": revision.summary,
        "body": plain_text(revision.body),  # found by its words, shown without Markdown marks
        "claim_text": claim.text,
        "verdict": revision.verdict,
        "status": claim.status,
        "language": claim.language,
        "platform": claim.platform,
        "url": app_path("publish.factcheck", slug=rebuttal.slug) if rebuttal.slug else None,
        "urls": [source.url for source in claim.sources],
        "date": rebuttal.published_at or revision.created_at,
    }


def documents_for(kind: str, row_id: int) -> tuple[list[Document], list[str]]:
    """The current documents for a changed row, and the keys to delete (rows gone or unsearchable)."""
    session = db.session()
    if kind == "snapshot":
        snapshot = session.get(Snapshot, row_id)
        document = snapshot_document(snapshot) if snapshot else None
        return ([document], []) if document else ([], [f"snapshot:{row_id}"])
    if kind == "rebuttal":
        rebuttal = session.get(Rebuttal, row_id)
        if rebuttal is None:
            return [], [f"factcheck:{row_id}"]
        row_id, kind = rebuttal.claim_id, "claim"
    claim = session.get(Claim, row_id)
    if claim is None:
        return [], [f"claim:{row_id}"]
    documents = [claim_document(claim)]
    rebuttal = claim.rebuttal
    if rebuttal is not None:
        document = factcheck_document(rebuttal)
        if document:
            documents.append(document)
    return documents, []


def all_documents(batch: int = 500) -> Iterator[Document]:
    """Every document, for a rebuild: claims, archived snapshots, fact-checks."""
    session = db.session()
    claim_texts, snapshot_texts = texts_by_claim(), texts_by_snapshot()  # what was read in images
    for claim in session.scalars(select(Claim).options(selectinload(Claim.sources)).execution_options(
            yield_per=batch)):
        yield claim_document(claim, claim_texts.get(claim.id, ""))
    for snapshot in session.scalars(select(Snapshot).where(Snapshot.state == State.ARCHIVED.value)
                                    .options(selectinload(Snapshot.source)).execution_options(yield_per=batch)):
        document = snapshot_document(snapshot, snapshot_texts.get(snapshot.id, ""))
        if document:
            yield document
    for rebuttal in session.scalars(select(Rebuttal).execution_options(yield_per=batch)):
        document = factcheck_document(rebuttal)
        if document:
            yield document


def document_count() -> int:
    """About how many documents :func:`all_documents` yields (for a progress bar)."""
    session = db.session()
    claims = session.scalar(select(func.count()).select_from(Claim)) or 0
    snapshots = session.scalar(select(func.count()).select_from(Snapshot)
                               .where(Snapshot.state == State.ARCHIVED.value)) or 0
    rebuttals = session.scalar(select(func.count()).select_from(Rebuttal)) or 0
    return claims + snapshots + rebuttals
