"""Evidence archiving: guarded fetching, extraction, content-addressed storage and WARC (SPEC §3).

Builds on claims (it captures a claim's links); publishing and search build on it.
"""

from __future__ import annotations

from flask import Flask

from factcheck.config import Config
from factcheck.jobs import JobQueue


def init_app(app: Flask, config: Config, queue: JobQueue) -> None:
    """Add the archive to ``app``: its store, jobs, pages, API, command and its part in claims."""
    from factcheck.archive import api, claim_sources, cli, labels, tasks, views
    from factcheck.archive.store import ARCHIVE_KEY, Archive
    from factcheck.storage import current_blobs

    with app.app_context():
        archive = app.extensions[ARCHIVE_KEY] = Archive.at(config.archive_dir, current_blobs())
    tasks.register(queue, config, archive)
    queue.add_recovery(lambda q: tasks.requeue_stalled(q, grace=0))
    app.register_blueprint(views.bp)
    api.routes.register(app)
    cli.register(app.cli)
    claim_sources.connect()
    labels.init_app(app)
