"""Capturing a URL: the operation that asks for it, and the job that does it.

The job runs in three short transactions so that no database lock is held while the network is
slow: (1) take a lease on the pending snapshot, (2) record the blob it is about to write, (3) fill
in the snapshot. It is idempotent: a snapshot that is no longer pending is left alone, a run that
finds another's live lease steps aside, and a run that died after writing its blob but before
committing has that blob and WARC removed by the next run, so nothing is duplicated or orphaned.

When the archive cannot store what was fetched (its disk is full, a file is too large for it), the
run removes what it wrote, leaves the snapshot pending with the reason in its ``error_message``
(:data:`STORAGE_FAILURE`) and queues a retry for later, without using up the snapshot's attempts:
the site did nothing wrong, and the capture succeeds once there is room again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import socket
import time
import uuid

from sqlalchemy import exists, or_, select

from factcheck import db
from factcheck.accounts.models import User
from factcheck.archive import extract_pool, signals, warc
from factcheck.archive.extract import Extracted, looks_like_html
from factcheck.archive.fetch import FetchError, FetchPolicy, FetchResult, fetch
from factcheck.archive.models import Snapshot, State
from factcheck.archive.store import Archive
from factcheck.audit import record_event
from factcheck.claims.models import Screenshot, Source
from factcheck.jobs import get_queue
from factcheck.storage import no_room

log = logging.getLogger(__name__)
CAPTURE_JOB = "archive.capture"
MAX_ATTEMPTS = 3
RETRY_DELAYS = (5.0, 30.0)  # seconds before the 2nd and 3rd attempts
LEASE_MARGIN = dt.timedelta(seconds=15)
STORAGE_RETRY_DELAY = 120.0  # seconds before trying again to store a capture the disk had no room for
STORAGE_FAILURE = "storage: "  # how a pending snapshot's error_message starts when storing failed
_RUNNING: set[str] = set()  # the lease tokens of this process's captures now running


def request_capture(url: str, *, source: Source | None = None, actor: User | None = None) -> Snapshot:
    """Add a pending snapshot of ``url`` and queue its capture once the transaction commits."""
    snapshot = Snapshot(url=url, source=source, requested_by=actor, state=State.PENDING.value)
    session = db.session()
    session.add(snapshot)
    session.flush()
    get_queue().enqueue_after_commit(CAPTURE_JOB, snapshot.id)
    return snapshot


def capture(snapshot_id: int, policy: FetchPolicy, archive: Archive) -> Snapshot | None:
    """Run one capture attempt of a pending snapshot (the job's body); commits as it goes."""
    lease = _take_lease(snapshot_id, policy, archive)
    if lease is None:
        return None
    token, url = lease
    try:
        return _capture_leased(snapshot_id, token, url, policy, archive)
    finally:
        # A run that failed on the database (restarting) leaves its lease behind: it is not
        # live any more, so the job's retry takes it over at once.
        _RUNNING.discard(token)


def _capture_leased(snapshot_id: int, token: str, url: str, policy: FetchPolicy, archive: Archive) -> Snapshot | None:
    started = time.perf_counter()
    try:
        result = fetch(url, policy)
    except FetchError as error:
        return _record_failure(snapshot_id, token, error, archive)
    fetched = time.perf_counter()
    extracted = _extract(result)
    extracted_at = time.perf_counter()
    sha256 = hashlib.sha256(result.body).hexdigest()
    if not _stage(snapshot_id, token, sha256):
        return None
    try:  # each write is all or nothing (a temporary file, renamed into place)
        archive.blobs.put(result.body)
        name = warc.write_warc(archive.warc_dir, snapshot_id, result, {"sha256": sha256})
    except OSError as error:  # ENOSPC, EDQUOT, EFBIG, EIO: nothing half-written is left
        return _record_storage_failure(snapshot_id, token, error, archive)
    snapshot = _record_success(snapshot_id, token, result, extracted, sha256, name)
    timings = {"fetch": fetched - started, "extract": extracted_at - fetched,
               "store": time.perf_counter() - extracted_at}
    log.debug("captured snapshot %s: %s", snapshot_id, timings, extra={"capture_timings": timings})
    return snapshot


def _locked(snapshot_id: int) -> Snapshot | None:
    """Read the snapshot as it is now, under the write lock (``FOR UPDATE``; on SQLite the write
    transaction begins first), so that two runs cannot both take or both keep one lease."""
    return db.session().scalar(db.for_update(select(Snapshot).where(Snapshot.id == snapshot_id))
                               .execution_options(populate_existing=True))


def _take_lease(snapshot_id: int, policy: FetchPolicy, archive: Archive) -> tuple[str, str] | None:
    """Claim a pending snapshot for this run, clearing what a dead run may have left; return
    the lease's token and the URL to fetch. Committing ends the transaction before the network
    (an SQLite transaction holds the write lock)."""
    snapshot = _locked(snapshot_id)
    now = db.utcnow()
    if snapshot is None or snapshot.state != State.PENDING:
        db.rollback()
        return None
    if lease_is_live(snapshot, now):
        # Another run holds it, perhaps one in another worker that the database failed under
        # (its lease outlives it there): look again when the lease ends, so that the capture
        # is not left to the sweeper if that run never finishes it.
        wait = (snapshot.lease_until - now).total_seconds() if snapshot.lease_until else 0
        db.rollback()
        get_queue().enqueue(CAPTURE_JOB, snapshot_id, delay=max(1.0, wait + 1.0))
        return None
    if snapshot.staged_sha256 is not None:
        _discard_staged(snapshot, archive)
    token = f"{socket.gethostname()[:40]}/{os.getpid()}/{uuid.uuid4().hex}"
    snapshot.lease_token = token
    snapshot.lease_until = now + dt.timedelta(seconds=policy.timeout) + LEASE_MARGIN
    snapshot.attempts += 1
    url = snapshot.url
    # Running from before the commit: a run in another thread of this process that reads the
    # lease once it is committed must find it live (the caller's ``finally`` discards it).
    _RUNNING.add(token)
    try:
        db.commit()
    except BaseException:
        _RUNNING.discard(token)
        raise
    return token, url


def lease_is_live(snapshot: Snapshot, now: dt.datetime) -> bool:
    """Whether another run holds ``snapshot``: its lease has not run out and, when it was taken
    on this host, its process is still alive (a killed worker's lease is released at once) and,
    when taken by this process, its run has not ended (one the database failed under)."""
    if snapshot.lease_token is None or snapshot.lease_until is None or snapshot.lease_until <= now:
        return False
    host, _, rest = snapshot.lease_token.partition("/")
    pid = rest.partition("/")[0]
    if host == socket.gethostname()[:40] and pid.isdigit():
        if int(pid) == os.getpid():
            return snapshot.lease_token in _RUNNING
        return _process_alive(int(pid))
    return True


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _discard_staged(snapshot: Snapshot, archive: Archive) -> None:
    """Remove the blob and WARC a dead run wrote but never recorded (unless others use the blob)."""
    sha256 = snapshot.staged_sha256
    session = db.session()
    used = session.scalar(select(or_(
        exists().where(Snapshot.sha256 == sha256, Snapshot.state == State.ARCHIVED),
        exists().where(Screenshot.sha256 == sha256),
        exists().where(Snapshot.staged_sha256 == sha256, Snapshot.id != snapshot.id),
    )))
    if not used and sha256 is not None:
        try:
            archive.blobs.path(sha256).unlink()
        except FileNotFoundError:
            pass
    warc.remove_warc(archive.warc_dir, snapshot.id)
    snapshot.staged_sha256 = None


def _holding(snapshot_id: int, token: str) -> Snapshot | None:
    snapshot = _locked(snapshot_id)
    if snapshot is None or snapshot.lease_token != token or snapshot.state != State.PENDING:
        db.rollback()
        return None
    return snapshot


def _stage(snapshot_id: int, token: str, sha256: str) -> bool:
    snapshot = _holding(snapshot_id, token)
    if snapshot is None:
        return False
    snapshot.staged_sha256 = sha256
    db.commit()
    return True


def _extract(result: FetchResult) -> Extracted | None:
    if not looks_like_html(result.content_type, result.body):
        return None
    try:
        return extract_pool.extract(result.body, result.final_url, result.charset)
    except Exception:  # noqa: BLE001 - a page that breaks the extractor is still archived as it is
        log.exception("extraction failed for %s", result.final_url)
        return None


def _fill_response(snapshot: Snapshot, result: FetchResult) -> None:
    snapshot.final_url = result.final_url
    snapshot.redirects = [{"url": hop.url, "status": hop.status, "location": hop.location}
                          for hop in result.redirects]
    snapshot.http_status = result.status
    snapshot.content_type = result.content_type or None
    snapshot.charset = result.charset
    snapshot.size = len(result.body)
    snapshot.peer = result.peer
    snapshot.fetched_at = result.fetched_at


def _record_success(snapshot_id: int, token: str, result: FetchResult, extracted: Extracted | None,
                    sha256: str, name: str) -> Snapshot | None:
    snapshot = _holding(snapshot_id, token)
    if snapshot is None:
        return None
    _fill_response(snapshot, result)
    snapshot.sha256 = sha256
    snapshot.warc_name = name
    if storage_failure(snapshot):
        snapshot.error_message = ""  # the room was found: the earlier failure no longer applies
    if extracted is not None:
        snapshot.charset = extracted.charset
        snapshot.title = extracted.title
        snapshot.main_text = extracted.text
        snapshot.byline = extracted.byline
        snapshot.published_date = extracted.published
        snapshot.canonical_url = extracted.canonical_url
        snapshot.og_title = extracted.og_title
        snapshot.og_description = extracted.og_description
        snapshot.og_image = extracted.og_image
        snapshot.language = extracted.language
        snapshot.links = extracted.links
    _finish(snapshot, State.ARCHIVED)
    return snapshot


def _record_failure(snapshot_id: int, token: str, error: FetchError, archive: Archive) -> Snapshot | None:
    snapshot = _holding(snapshot_id, token)
    if snapshot is None:
        return None
    if error.transient and snapshot.attempts < MAX_ATTEMPTS:
        # Release the lease; lease_until now says when the retry is due, so the sweeper
        # leaves it to the scheduled job. The retry is queued only if this commit succeeds.
        delay = RETRY_DELAYS[min(snapshot.attempts, len(RETRY_DELAYS)) - 1]
        snapshot.lease_token = None
        snapshot.lease_until = db.utcnow() + dt.timedelta(seconds=delay)
        snapshot.error_message = f"attempt {snapshot.attempts}: {error.message}"
        get_queue().enqueue_after_commit(CAPTURE_JOB, snapshot_id, delay=delay)
        db.commit()
        return snapshot
    if error.response is not None:
        _fill_response(snapshot, error.response)
    else:
        snapshot.redirects = [{"url": hop.url, "status": hop.status, "location": hop.location}
                              for hop in error.redirects]
        snapshot.http_status = error.status
        snapshot.fetched_at = db.utcnow()
    snapshot.error_kind = error.kind
    snapshot.error_message = error.message
    _finish(snapshot, State.FAILED)
    return snapshot


def _record_storage_failure(snapshot_id: int, token: str, error: OSError, archive: Archive) -> Snapshot | None:
    """The archive could not store a capture: remove the blob and WARC this run may have written
    (unless others use that blob), keep the snapshot pending with the reason, and try again in
    :data:`STORAGE_RETRY_DELAY` seconds. The attempt does not count against the site."""
    log.error("could not store the capture of snapshot %s (%s); retrying in %.0f s",
              snapshot_id, error, STORAGE_RETRY_DELAY)
    snapshot = _holding(snapshot_id, token)
    if snapshot is None:
        return None  # another run holds it now and cleans up what was staged
    _discard_staged(snapshot, archive)
    snapshot.attempts = max(0, snapshot.attempts - 1)
    snapshot.lease_token = None
    snapshot.lease_until = db.utcnow() + dt.timedelta(seconds=STORAGE_RETRY_DELAY)
    snapshot.error_message = f"{STORAGE_FAILURE}{_storage_problem(error)}: {error.strerror or error}"
    get_queue().enqueue_after_commit(CAPTURE_JOB, snapshot_id, delay=STORAGE_RETRY_DELAY)
    db.commit()
    return snapshot


def _storage_problem(error: OSError) -> str:
    """``full`` when the disk (or the quota) has no room left, ``error`` for any other failure."""
    return "full" if no_room(error) else "error"


def storage_failure(snapshot: Snapshot) -> str | None:
    """``full`` or ``error`` when a pending snapshot waits because the archive could not store it."""
    if snapshot.state != State.PENDING or not (snapshot.error_message or "").startswith(STORAGE_FAILURE):
        return None
    return snapshot.error_message.removeprefix(STORAGE_FAILURE).partition(":")[0]


def _finish(snapshot: Snapshot, state: State) -> None:
    snapshot.state = state.value
    snapshot.lease_token = snapshot.lease_until = snapshot.staged_sha256 = None
    record_event("snapshot_" + state.value, actor=None,
                 claim_id=snapshot.source.claim_id if snapshot.source else None,
                 snapshot_id=snapshot.id, url=snapshot.url, error_kind=snapshot.error_kind,
                 http_status=snapshot.http_status)
    if state is State.ARCHIVED:
        signals.snapshot_archived.send(snapshot)
    db.commit()


def stalled_snapshots(grace: float = 30.0, limit: int = 500) -> list[int]:
    """Pending snapshots nobody is working on, to queue again: their job was lost with a dead
    worker or never queued, or their holder died, or its lease (or a retry's due time) ran out
    ``grace`` seconds ago."""
    now = db.utcnow()
    quiet = now - dt.timedelta(seconds=grace)
    pending = db.session().scalars(
        select(Snapshot).where(Snapshot.state == State.PENDING.value).order_by(Snapshot.id).limit(limit)
    )
    stalled = []
    for snapshot in pending:
        if snapshot.lease_token is not None:
            if not lease_is_live(snapshot, now):
                stalled.append(snapshot.id)
        elif (snapshot.lease_until or snapshot.requested_at) < quiet:
            stalled.append(snapshot.id)
    return stalled
