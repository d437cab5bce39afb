"""Images: the text in screenshots and archived pages' images (OCR, Hindi and English), and
perceptual prints that recognise an image seen before (SPEC §3, Images).

Builds on claims (screenshots) and the archive (archived pages' images); search builds on it
(the text read is indexed, and an uploaded image is looked up).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask

from factcheck.config import Config
from factcheck.jobs import JobQueue, get_queue


def init_app(app: Flask, config: Config, queue: JobQueue) -> None:
    """Add images to ``app``: its jobs, its part in claims, and the capture of archived images."""
    from factcheck.archive import signals as archive_signals
    from factcheck.images import claim_images, tasks

    tasks.register(queue, config)
    queue.add_recovery(lambda q: tasks.requeue_unfinished(q, grace=dt.timedelta(0)))
    claim_images.connect()
    archive_signals.snapshot_archived.connect(_collect_images)


def _collect_images(snapshot: Any, **_: Any) -> None:
    """Collect an archived page's pictures once its capture commits."""
    from factcheck.images.operations import SNAPSHOT_JOB

    get_queue().enqueue_after_commit(SNAPSHOT_JOB, snapshot.id)
