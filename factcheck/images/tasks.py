"""The images feature's jobs: hash an image, read its text, collect an archived page's images,
and a sweeper that queues again the work a lost job left undone."""

from __future__ import annotations

import datetime as dt
import logging

from huey import crontab
from sqlalchemy import select

from factcheck import db
from factcheck.archive.fetch import FetchPolicy
from factcheck.config import Config
from factcheck.images import operations, snapshots
from factcheck.images.models import Image, OcrState
from factcheck.images.operations import HASH_JOB, OCR_JOB, SNAPSHOT_JOB
from factcheck.jobs import JobQueue

log = logging.getLogger(__name__)
SWEEP_JOB = "images.sweep"
SWEEP_GRACE = dt.timedelta(minutes=5)
REHASH_BATCH = 500  # images whose prints are of an older version, requeued per sweep


def register(queue: JobQueue, config: Config) -> None:
    """Register the images jobs on ``queue``."""
    policy = FetchPolicy.from_config(config)
    max_bytes = min(config.fetch_max_bytes, config.screenshot_max_bytes)

    @queue.task(HASH_JOB, retries=3, retry_delay=5, priority=5, redone_if_lost=True)  # the sweep below
    def hash_image(image_id: int) -> None:
        operations.hash_image(image_id)

    @queue.task(OCR_JOB, retries=2, retry_delay=30, redone_if_lost=True)
    def read_image(image_id: int) -> None:
        operations.read_image(image_id)

    @queue.task(SNAPSHOT_JOB, retries=3, retry_delay=10)
    def snapshot_images(snapshot_id: int) -> None:
        for image_id in snapshots.collect(snapshot_id, policy, max_bytes):
            queue.enqueue_after_commit(HASH_JOB, image_id)
            queue.enqueue_after_commit(OCR_JOB, image_id)

    @queue.periodic(SWEEP_JOB, crontab(minute="*/5"))
    def sweep() -> None:
        requeue_unfinished(queue)


def requeue_unfinished(queue: JobQueue, grace: dt.timedelta = SWEEP_GRACE) -> int:
    """Queue again the hashing and reading of images left unfinished (older than ``grace``), and
    the hashing of a batch of images whose prints are of an older version of the views."""
    session = db.session()
    before = db.utcnow() - grace
    unhashed = list(session.scalars(select(Image.id).where(Image.hashed_at.is_(None), Image.created_at <= before)))
    unhashed += operations.outdated_image_ids(REHASH_BATCH)
    unread = list(session.scalars(select(Image.id).where(Image.ocr_state == OcrState.PENDING.value,
                                                         Image.created_at <= before)))
    for image_id in unhashed:
        queue.enqueue(HASH_JOB, image_id)
    for image_id in unread:
        queue.enqueue(OCR_JOB, image_id)
    if unhashed or unread:
        log.info("requeued %d image hashings and %d readings", len(unhashed), len(unread))
    return len(unhashed) + len(unread)
