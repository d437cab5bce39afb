"""Images: the text in screenshots and archived pages' images (OCR, Hindi and English), and
perceptual prints that recognise an image seen before (SPEC §3, Images).

Builds on claims (screenshots) and the archive (archived pages' images); search builds on it
(the text read is indexed, and an uploaded image is looked up).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from factcheck import db
from factcheck.config import Config
from factcheck.jobs import JobQueue


def init_app(app: Flask, config: Config, queue: JobQueue) -> None:
    """Add images to ``app``: its jobs, its part in claims, and the capture of archived images."""
    from factcheck.archive.models import Snapshot, State
    from factcheck.images import claim_images, tasks
    from factcheck.images.operations import SNAPSHOT_JOB

    tasks.register(queue, config)
    queue.add_recovery(lambda q: tasks.requeue_unfinished(q, grace=dt.timedelta(0)))
    claim_images.connect()
    factory = db.database_of(app).session_factory

    @event.listens_for(factory, "after_flush")
    def _collect_archived_images(session: Session, _context: Any) -> None:
        for row in session.dirty:
            if (isinstance(row, Snapshot) and row.state == State.ARCHIVED
                    and inspect(row).attrs.state.history.has_changes()):
                queue.enqueue_after_commit(SNAPSHOT_JOB, row.id)
