"""The claims' jobs: clear away pending uploads (shares never filed) once they expire."""

from __future__ import annotations

from huey import crontab

from factcheck.claims import pending
from factcheck.jobs import JobQueue


def register(queue: JobQueue) -> None:
    """Register the claims' jobs on ``queue``."""

    @queue.periodic(pending.CLEANUP_JOB, crontab(minute="*/10"))
    def remove_expired_uploads() -> None:
        pending.remove_expired()
