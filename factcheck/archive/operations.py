"""Reading snapshots under the claims' visibility rules, and re-archiving on demand."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.capture import request_capture
from factcheck.archive.models import Snapshot
from factcheck.archive.signals import snapshot_readable
from factcheck.audit import record_event
from factcheck.claims.models import Source
from factcheck.claims.operations import get_claim, may_see_claim
from factcheck.claims.signals import answers
from factcheck.errors import Forbidden, NotFound


def may_read_snapshot(actor: User | Any, snapshot: Snapshot) -> bool:
    """Reviewers and staff read every snapshot; others those of a claim they may see, and those
    a feature above lets them read (publish: cited by a published fact-check)."""
    signed_in = getattr(actor, "is_authenticated", False)
    if signed_in and actor.has_role(Role.REVIEWER):
        return True
    if signed_in and snapshot.source is not None and may_see_claim(actor, snapshot.source.claim_id):
        return True
    return any(answers(snapshot_readable, snapshot, actor=actor))


def get_snapshot(actor: User | Any, snapshot_id: int) -> Snapshot:
    """The snapshot if ``actor`` may read it; 404 otherwise (existence is not revealed)."""
    snapshot = db.session().get(Snapshot, snapshot_id)
    if snapshot is None or not may_read_snapshot(actor, snapshot):
        raise NotFound(_("There is no such archived copy, or you may not see it."))
    return snapshot


def get_source(actor: User, source_id: int) -> Source:
    source = db.session().get(Source, source_id)
    if source is None:
        raise NotFound(_("There is no such link, or you may not see it."))
    get_claim(actor, source.claim_id)
    return source


def rearchive(actor: User, source: Source) -> Snapshot:
    """Capture a source again (reviewer+): a new snapshot joins its timeline."""
    if not actor.has_role(Role.REVIEWER):
        raise Forbidden(_("Only reviewers and staff archive a link again."))
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
        if snapshot.source_id is not None:
            timeline[snapshot.source_id].append(snapshot)
    return timeline
