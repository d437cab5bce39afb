"""The search index in the app: opened on first use, kept current by jobs after every commit,
rebuilt aside by ``factcheck reindex``, and asked for similar claims at filing.

Every flush that touches a claim, source, snapshot, rebuttal or revision notes what changed; the
transaction then writes an :class:`IndexRequest` per changed row before it commits, and queues a
``search.sync`` job once it has. The job re-reads each waiting row from the database and writes
its current documents, all in one index commit (so the last write always wins, many changes at
once lose nothing, and a lost job is made good by the minute's sweep).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

from flask import Flask, current_app, url_for
from huey import crontab
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.models import Snapshot, State
from factcheck.claims.models import Claim, Source
from factcheck.claims.operations import visible_claims
from factcheck.jobs import JobQueue
from factcheck.publish.models import Rebuttal, Revision
from factcheck.publish.present import absolute
from factcheck.search.documents import all_documents, documents_for
from factcheck.search.engine import SearchIndex, Viewer
from factcheck.search.models import IndexRequest

SYNC_JOB = "search.sync"
SWEEP_JOB = "search.sweep"
SYNC_BATCH = 500
MAX_DEFERRALS = 30  # at most a minute behind while captures run
DEFER_SECONDS = 2.0
EXTENSION_KEY = "factcheck.search"
_CHANGED = "factcheck.search.changed"
_QUEUED = "factcheck.search.queued"


def get_index() -> SearchIndex:
    """The app's index, opened (and, if missing or broken, rebuilt) on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    holder = app.extensions[EXTENSION_KEY]
    if holder["index"] is None:
        with holder["lock"]:
            if holder["index"] is None:
                holder["index"] = SearchIndex(app.config["FACTCHECK"].index_dir, rebuild_source=_source(app))
    return holder["index"]


def _source(app: Flask) -> Callable[[], Iterable[dict[str, Any]]]:
    def documents() -> Iterable[dict[str, Any]]:
        with app.test_request_context(base_url=app.config["FACTCHECK"].public_url):
            yield from all_documents()

    return documents


def viewer_of(user: Any) -> Viewer:
    """The search viewer for the current user (anonymous visitors included)."""
    if not getattr(user, "is_authenticated", False):
        return Viewer(None)
    return Viewer(user.role, user.id)


def init_app(app: Flask, queue: JobQueue) -> None:
    """Register the sync jobs and the listeners that write index requests with every change."""
    app.extensions[EXTENSION_KEY] = {"index": None, "lock": threading.Lock()}
    factory = app.extensions[db.EXTENSION_KEY].session_factory

    @queue.task(SYNC_JOB, retries=3, retry_delay=5)
    def sync(deferred: int = 0) -> None:
        # Evidence first: while pages are being captured, let the captures have the CPU and
        # index them together a little later (a bounded number of times, then index anyway).
        if deferred < MAX_DEFERRALS and _captures_running():
            db.rollback()
            queue.enqueue(SYNC_JOB, deferred + 1, delay=DEFER_SECONDS)
            return
        with current_app.test_request_context(base_url=current_app.config["FACTCHECK"].public_url):
            if sync_index() == SYNC_BATCH:
                queue.enqueue(SYNC_JOB)  # more are waiting

    @queue.periodic(SWEEP_JOB, crontab(minute="*"))
    def sweep() -> None:
        if db.session().scalar(select(IndexRequest.id).limit(1)) is not None:
            queue.enqueue(SYNC_JOB)

    @event.listens_for(factory, "after_flush")
    def _note_changes(session: Session, _context: Any) -> None:
        changed = session.info.setdefault(_CHANGED, set())
        for row in chain(session.new, session.dirty, session.deleted):
            if isinstance(row, Claim):
                changed.add(("claim", row.id))
            elif isinstance(row, Source):
                changed.add(("claim", row.claim_id))
            elif isinstance(row, Snapshot) and (row in session.deleted or _became_archived(row)):
                changed.add(("snapshot", row.id))
            elif isinstance(row, Rebuttal):
                changed.add(("rebuttal", row.id))
            elif isinstance(row, Revision):
                changed.add(("rebuttal", row.rebuttal_id))

    @event.listens_for(factory, "before_commit")
    def _write_requests(session: Session) -> None:
        changed = session.info.pop(_CHANGED, set())
        if changed:
            session.add_all(IndexRequest(kind=kind, row_id=row_id) for kind, row_id in sorted(changed))
            session.flush()
            session.info[_QUEUED] = True

    @event.listens_for(factory, "after_commit")
    def _queue_sync(session: Session) -> None:
        if session.info.pop(_QUEUED, False):
            queue.enqueue(SYNC_JOB)

    @event.listens_for(factory, "after_soft_rollback")
    def _forget_changes(session: Session, _previous: Any) -> None:
        if not session.in_transaction():
            session.info.pop(_CHANGED, None)
            session.info.pop(_QUEUED, None)


def _captures_running() -> bool:
    recent = db.utcnow() - dt.timedelta(seconds=60)
    return db.session().scalar(select(Snapshot.id).where(Snapshot.state == State.PENDING.value,
                                                         Snapshot.requested_at > recent).limit(1)) is not None


def sync_index(batch: int | None = None) -> int:
    """Index the rows waiting in the outbox, oldest first, in one index commit; return how many
    requests were done. Requests written meanwhile stay for the next run, so nothing is lost."""
    limit = batch or SYNC_BATCH
    session = db.session()
    requests = session.execute(select(IndexRequest.id, IndexRequest.kind, IndexRequest.row_id)
                               .order_by(IndexRequest.id).limit(limit)).all()
    if not requests:
        db.rollback()
        return 0
    documents, deleted = [], []
    for kind, row_id in dict.fromkeys((kind, row_id) for _id, kind, row_id in requests):
        found, gone = documents_for(kind, row_id)
        documents += found
        deleted += gone
    db.rollback()  # the database is only read here: do not hold its lock while indexing
    index = get_index()
    if documents:
        index.update(documents)
    if deleted:
        index.delete(deleted)
    session.execute(delete(IndexRequest).where(IndexRequest.id.in_([row.id for row in requests])))
    db.commit()
    return len(requests)


def _became_archived(snapshot: Snapshot) -> bool:
    # A capture commits three times (lease, staged blob, result); only the result is searchable.
    return snapshot.state == State.ARCHIVED and inspect(snapshot).attrs.state.history.has_changes()


def reindex(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rebuild the whole index from the database, aside, then swap it in; return the count.

    ``procs`` > 1 forks indexing processes: for the command line, not a threaded server."""
    return get_index().rebuild(all_documents(), progress=progress, procs=procs)


def similar_for(actor: User | Any, claim: Claim, limit: int = 5) -> list[dict[str, Any]]:
    """Claims and fact-checks like ``claim``: the same link (exactly, from the database) or a
    similar text (from the index). A match the actor may not read shows only its id, status and,
    once published, its fact-check link (SPEC §4)."""
    session = db.session()
    found: dict[int, tuple[str, float]] = {}
    urls = [source.url for source in claim.sources]
    if urls:
        same_link = session.scalars(select(Source.claim_id).where(Source.url.in_(urls), Source.claim_id != claim.id))
        for claim_id in same_link:
            found.setdefault(claim_id, ("url", 1.0))
    for match in get_index().similar(claim.text, urls, limit=limit * 2, exclude=[f"claim:{claim.id}"]):
        claim_id = match.id
        if match.kind == "factcheck":
            rebuttal = session.get(Rebuttal, match.id)
            if rebuttal is None:
                continue
            claim_id = rebuttal.claim_id
        if claim_id != claim.id:
            found.setdefault(claim_id, (match.reason, match.score))
    readable = set()
    if found and getattr(actor, "is_authenticated", False):
        readable = set(session.scalars(visible_claims(actor).with_only_columns(Claim.id)
                                       .where(Claim.id.in_(found))))
    results = []
    for claim_id, (reason, score) in sorted(found.items(), key=lambda item: (item[1][0] != "url", -item[1][1])):
        other = session.get(Claim, claim_id)
        if other is None:
            continue
        rebuttal = other.rebuttal  # type: ignore[attr-defined]
        published = rebuttal is not None and rebuttal.slug is not None
        entry: dict[str, Any] = {"id": other.id, "status": other.status, "reason": reason, "score": score,
                                 "fact_check": absolute(url_for("publish.factcheck", slug=rebuttal.slug))
                                 if published else None}
        if published:
            entry["verdict"] = rebuttal.current.verdict
            entry["headline"] = rebuttal.current.headline
        if other.id in readable or (getattr(actor, "is_authenticated", False) and actor.has_role(Role.REVIEWER)):
            entry["text"] = other.text
        results.append(entry)
        if len(results) >= limit:
            break
    return results
