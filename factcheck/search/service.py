"""The search index in the app: opened on first use, kept current from an outbox after every
commit, merged by a periodic job, rebuilt aside by ``factcheck reindex``, asked for similar
claims at filing, and reporting its health.

Every flush that touches a claim, source, snapshot, rebuttal or revision notes what changed; the
transaction then writes an :class:`IndexRequest` per changed row before it commits (the outbox:
a committed change is never lost to the index). After the commit a ``search.sync`` job is asked
for, at most one per process every ``SYNC_DELAY`` seconds: a burst of commits is one job, run a
moment later, which indexes everything waiting. One sync runs at a time (threads and processes:
``sync.lock`` in the index folder); a job finding another running leaves the work to it, and
the running one looks at the outbox once more after letting go, so nothing waits for the minute's
sweep. Each batch is one index commit that merges nothing; ``search.merge`` merges the small
segments every minute, off the sync's path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from flask import Flask, current_app
from huey import crontab
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.orm import Session

from factcheck import db
from factcheck.archive.models import Snapshot, State
from factcheck.claims.models import Claim, Source
from factcheck.config import config_of, current_config
from factcheck.images.signals import text_read
from factcheck.jobs import JobQueue
from factcheck.publish.models import Rebuttal, Revision
from factcheck.search.documents import all_documents, documents_for
from factcheck.search.engine import SearchIndex, Viewer, exclusive
from factcheck.search.models import IndexRequest

SYNC_JOB = "search.sync"
SWEEP_JOB = "search.sweep"
MERGE_JOB = "search.merge"
SYNC_BATCH = 500
# How long a sync waits after the commit that asked for it, gathering the commits that follow.
SYNC_DELAY = 0.5
SYNC_LOCK = "sync"
REINDEX_LOCK = "reindex"
# The outbox is unhealthy when a request has waited this long (the sweep runs every minute).
MAX_OUTBOX_AGE = 300.0
EXTENSION_KEY = "factcheck.search"
_CHANGED = "factcheck.search.changed"
_QUEUED = "factcheck.search.queued"


def get_index(*, recover_on_open: bool = True) -> SearchIndex:
    """The app's index, opened (and, if missing or broken, rebuilt, or with ``recover_on_open``
    false created empty) on first use."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001 - the app, not its proxy
    holder = app.extensions[EXTENSION_KEY]
    if holder["index"] is None:
        with holder["lock"]:
            if holder["index"] is None:
                holder["index"] = SearchIndex(config_of(app).index_dir, rebuild_source=_source(app),
                                              recover_on_open=recover_on_open)
    return holder["index"]


def _source(app: Flask) -> Callable[[], Iterable[dict[str, Any]]]:
    def documents() -> Iterable[dict[str, Any]]:
        # Documents are read from the database only (no URLs built): an app context is enough.
        with app.app_context():
            yield from all_documents()

    return documents


def warm_up(sample: int = 20) -> None:
    """Open the index and look up what is like a few of its claims, before a web process's first
    request: the word counts and segment statistics every lookup needs are then read once here,
    not by each of the first requests at once (in an app context)."""
    texts = db.session().scalars(select(Claim.text).order_by(Claim.id.desc()).limit(sample)).all()
    db.rollback()
    index = get_index()
    for text in texts:
        index.similar(text)


def viewer_of(user: Any) -> Viewer:
    """The search viewer for the current user (anonymous visitors included)."""
    if not getattr(user, "is_authenticated", False):
        return Viewer(None)
    return Viewer(user.role, user.id)


class _SyncRequests:
    """This process's pending sync job: a commit asks for one only when none is due to start.

    A job runs no earlier than its due time, so it sees every commit made before then; and the
    job says it has started (:meth:`started`) before reading the outbox, so a commit after
    that asks for another.
    """

    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue
        self._due: float | None = None
        self._lock = threading.Lock()

    def ask(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._due is not None and now < self._due:
                return  # the job already asked for starts after this commit
            self._due = now + SYNC_DELAY
        self._queue.enqueue(SYNC_JOB, delay=SYNC_DELAY)

    def started(self) -> None:
        with self._lock:
            self._due = None


def init_app(app: Flask, queue: JobQueue) -> None:
    """Register the sync, sweep and merge jobs and the listeners that write index requests."""
    requests = _SyncRequests(queue)
    app.extensions[EXTENSION_KEY] = {"index": None, "lock": threading.Lock(), "sync_requests": requests}
    factory = db.database_of(app).session_factory

    @queue.task(SYNC_JOB, retries=3, retry_delay=5, redone_if_lost=True)  # the outbox keeps its requests
    def sync() -> None:
        requests.started()
        db.rollback()
        sync_outbox()

    @queue.periodic(SWEEP_JOB, crontab(minute="*"))
    def sweep() -> None:
        # A lost job, or a sync that failed for good: the outbox still holds the requests.
        if db.session().scalar(select(IndexRequest.id).limit(1)) is not None:
            queue.enqueue(SYNC_JOB)

    @queue.periodic(MERGE_JOB, crontab(minute="*"))
    def merge() -> None:
        db.rollback()
        get_index().merge()

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

    text_read.connect(_note_image_text)

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
            requests.ask()

    @event.listens_for(factory, "after_soft_rollback")
    def _forget_changes(session: Session, _previous: Any) -> None:
        if not session.in_transaction():
            session.info.pop(_CHANGED, None)
            session.info.pop(_QUEUED, None)


def _note_image_text(_image: Any, claim_ids: Iterable[int] = (), snapshot_ids: Iterable[int] = (),
                     **_: Any) -> None:
    """The text read in an image is part of its claims' and snapshots' documents: index them."""
    changed = db.session().info.setdefault(_CHANGED, set())
    changed.update(("claim", claim_id) for claim_id in claim_ids)
    changed.update(("snapshot", snapshot_id) for snapshot_id in snapshot_ids)



def sync_outbox() -> int:
    """Index everything waiting in the outbox unless another sync is at it; return how many
    requests this call did (in an app context)."""
    index = get_index()
    done = 0
    while True:
        with index.exclusive(SYNC_LOCK) as held:
            if not held:
                return done  # the running sync looks at the outbox again once it lets go
            while batch := sync_index():
                done += batch
        # Requests committed after this sync's last look, while it held the lock, were left to
        # it by their own jobs: look once more now that the lock is free.
        if db.session().scalar(select(IndexRequest.id).limit(1)) is None:
            db.rollback()
            return done
        db.rollback()


def sync_index(batch: int | None = None) -> int:
    """Index up to ``batch`` rows waiting in the outbox, oldest first, in one index commit;
    return how many requests were done. Requests written meanwhile stay for the next run."""
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


@dataclass(frozen=True)
class OutboxLag:
    """How far the index is behind the database: requests waiting, and the oldest one's age."""

    waiting: int
    oldest_seconds: float | None

    def as_dict(self) -> dict[str, object]:
        age = None if self.oldest_seconds is None else round(self.oldest_seconds, 1)
        return {"waiting": self.waiting, "oldest_seconds": age}


def outbox_lag() -> OutboxLag:
    """The outbox's backlog, from the database (read only)."""
    waiting, oldest = db.session().execute(
        select(func.count(IndexRequest.id), func.min(IndexRequest.created_at))).one()
    age = None if oldest is None else max(0.0, (db.utcnow() - oldest).total_seconds())
    return OutboxLag(int(waiting or 0), age)


def health_report() -> dict[str, Any]:
    """The index's health for ``/healthz``: ``ok`` false when the index does not open or answer,
    or when a change has waited in the outbox over ``MAX_OUTBOX_AGE`` seconds."""
    report: dict[str, Any] = get_index().health().as_dict()
    try:
        lag = outbox_lag()
        report["outbox"] = lag.as_dict()
        late = lag.oldest_seconds is not None and lag.oldest_seconds > MAX_OUTBOX_AGE
    except Exception as exc:  # noqa: BLE001 - reported, like the index's own failures
        report["outbox"] = {"error": type(exc).__name__}
        late = True
    report["ok"] = bool(report["ok"]) and not late
    return report


def _became_archived(snapshot: Snapshot) -> bool:
    # A capture commits three times (lease, staged blob, result); only the result is searchable.
    return snapshot.state == State.ARCHIVED and inspect(snapshot).attrs.state.history.has_changes()


class ReindexRunning(RuntimeError):
    """Another ``reindex`` of the same index folder is running."""


def reindex(progress: Callable[[int], None] | None = None, procs: int = 1) -> int:
    """Rebuild the whole index from the database, aside, then swap it in; return the count.

    One at a time per index folder (threads and processes): a second call raises
    :class:`ReindexRunning` at once rather than build the same thing twice. ``procs`` > 1 forks
    indexing processes: for the command line, not a threaded server."""
    path = current_config().index_dir
    with exclusive(path, REINDEX_LOCK) as held:
        if not held:
            raise ReindexRunning(f"another reindex of {path} is running")
        return get_index(recover_on_open=False).rebuild(all_documents(), progress=progress, procs=procs)
