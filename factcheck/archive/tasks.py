"""The archive's jobs: capture a snapshot, and a sweeper that requeues captures nobody is doing."""

from __future__ import annotations

import logging

from huey import crontab

from factcheck.archive import extract_pool
from factcheck.archive.capture import CAPTURE_JOB, Archive, capture, stalled_snapshots
from factcheck.archive.fetch import FetchPolicy
from factcheck.config import Config
from factcheck.jobs import JobQueue

log = logging.getLogger(__name__)
SWEEP_JOB = "archive.sweep"


def register(queue: JobQueue, config: Config, archive: Archive) -> None:
    """Register the archive's jobs on ``queue``."""
    policy = FetchPolicy.from_config(config)
    extract_pool.configure(config.extract_processes)

    # Evidence first: captures run before index updates waiting in the same queue.
    @queue.task(CAPTURE_JOB, priority=10, redone_if_lost=True)  # the sweep below
    def capture_snapshot(snapshot_id: int) -> None:
        capture(snapshot_id, policy, archive)

    @queue.periodic(SWEEP_JOB, crontab(minute="*"))
    def sweep() -> None:
        requeue_stalled(queue)


def requeue_stalled(queue: JobQueue, grace: float = 30.0) -> int:
    """Queue the capture of every stalled snapshot again (at worker start and every minute)."""
    stalled = stalled_snapshots(grace)
    for snapshot_id in stalled:
        queue.enqueue(CAPTURE_JOB, snapshot_id)
    if stalled:
        log.info("requeued %d stalled captures", len(stalled))
    return len(stalled)
