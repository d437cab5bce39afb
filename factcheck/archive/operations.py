"""Reading snapshots with the visibility rules of claims, and re-archiving on demand."""

from __future__ import annotations

from typing import Any

from flask import url_for
from sqlalchemy import select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.capture import request_capture
from factcheck.archive.models import Snapshot
from factcheck.audit import record_event
from factcheck.claims.models import Source
from factcheck.claims.operations import get_claim
from factcheck.errors import Forbidden, NotFound
from factcheck.publish.models import Rebuttal, Revision, RevisionSource
from factcheck.publish.present import is_cited_publicly


def get_snapshot(actor: User | Any, snapshot_id: int) -> Snapshot:
    """A snapshot ``actor`` may see: any for reviewers and staff; one cited by a published
    fact-check for everyone; otherwise one of a claim (or a claim's rebuttal) they may see."""
    session = db.session()
    snapshot = session.get(Snapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"snapshot {snapshot_id} not found")
    signed_in = getattr(actor, "is_authenticated", False)
    if signed_in and actor.has_role(Role.REVIEWER) or is_cited_publicly(snapshot_id):
        return snapshot
    if not signed_in:
        raise NotFound(f"snapshot {snapshot_id} not found")
    claim_ids = {snapshot.source.claim_id} if snapshot.source is not None else set(session.scalars(
        select(Rebuttal.claim_id).join(Revision, Revision.rebuttal_id == Rebuttal.id)
        .join(RevisionSource, RevisionSource.revision_id == Revision.id)
        .where(RevisionSource.snapshot_id == snapshot_id)))
    for claim_id in claim_ids:
        try:
            get_claim(actor, claim_id)
            return snapshot
        except NotFound:
            continue
    raise NotFound(f"snapshot {snapshot_id} not found")


def get_source(actor: User, source_id: int) -> Source:
    source = db.session().get(Source, source_id)
    if source is None:
        raise NotFound(f"source {source_id} not found")
    get_claim(actor, source.claim_id)
    return source


def rearchive(actor: User, source: Source) -> Snapshot:
    """Capture a source again (reviewer+): a new snapshot joins its timeline."""
    if not actor.has_role(Role.REVIEWER):
        raise Forbidden("only reviewers and staff re-archive sources")
    snapshot = request_capture(source.url, source=source, actor=actor)
    record_event("archive_requested", actor=actor, claim_id=source.claim_id, source_id=source.id,
                 snapshot_id=snapshot.id, url=source.url)
    return snapshot


def latest_snapshots(source_ids: list[int]) -> dict[int, list[Snapshot]]:
    """Every snapshot of each source, oldest first."""
    if not source_ids:
        return {}
    rows = db.session().scalars(select(Snapshot).where(Snapshot.source_id.in_(source_ids)).order_by(Snapshot.id))
    timeline: dict[int, list[Snapshot]] = {source_id: [] for source_id in source_ids}
    for snapshot in rows:
        timeline[snapshot.source_id].append(snapshot)  # type: ignore[index]
    return timeline


def snapshot_as_dict(snapshot: Snapshot, *, detail: bool = False) -> dict[str, Any]:
    """The API's view of a snapshot; ``detail`` adds the extracted text, links and redirects."""
    data: dict[str, Any] = {
        "id": snapshot.id,
        "url": snapshot.url,
        "page": url_for("archive.show", snapshot_id=snapshot.id),
        "source_id": snapshot.source_id,
        "state": snapshot.state,
        "requested_at": snapshot.requested_at.isoformat(),
        "attempts": snapshot.attempts,
        "fetched_at": snapshot.fetched_at.isoformat() if snapshot.fetched_at else None,
        "final_url": snapshot.final_url,
        "http_status": snapshot.http_status,
        "content_type": snapshot.content_type,
        "charset": snapshot.charset,
        "size": snapshot.size,
        "sha256": snapshot.sha256,
        "error_kind": snapshot.error_kind,
        "error_message": snapshot.error_message or None,
        "title": snapshot.title,
        "published_date": snapshot.published_date,
        "language": snapshot.language,
        "raw": url_for("api.snapshot_raw", snapshot_id=snapshot.id) if snapshot.sha256 else None,
    }
    if detail:
        data.update({
            "redirects": snapshot.redirects,
            "byline": snapshot.byline,
            "canonical_url": snapshot.canonical_url,
            "og_title": snapshot.og_title,
            "og_description": snapshot.og_description,
            "og_image": snapshot.og_image,
            "main_text": snapshot.main_text,
            "links": snapshot.links,
            "peer": snapshot.peer,
            "warc": snapshot.warc_name,
        })
    return data
