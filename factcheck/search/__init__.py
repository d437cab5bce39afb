"""Search: the Indic-aware Whoosh index of claims, snapshots and fact-checks (SPEC §4).

The highest feature: it indexes what claims, the archive and publishing hold, and answers the
claims' question "what is this claim like?".
"""

from __future__ import annotations

from flask import Flask

from factcheck.jobs import JobQueue


def init_app(app: Flask, queue: JobQueue) -> None:
    """Add search to ``app``: the index and its jobs, the pages, the API and the commands."""
    from factcheck.search import by_image, claim_matches, cli, service, views

    service.init_app(app, queue)
    app.register_blueprint(views.bp)
    views.routes.register(app)
    app.register_blueprint(by_image.bp)
    by_image.routes.register(app)
    cli.register(app.cli)
    claim_matches.connect()
