"""Claims, their sources and screenshots, and the lifecycle that moves them.

The lowest feature: archive, publish and search build on it and answer its signals
(:mod:`factcheck.claims.signals`).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add claims to ``app``: the lifecycle's own moves, the pages, the API and the jobs."""
    from factcheck.claims import api, labels, operations, screenshots, tasks, views
    from factcheck.jobs import queue_of

    screenshots.limit_pillow()  # Pillow's limits are process-wide: set them before any upload
    operations.register_moves()
    labels.init_app(app)
    app.register_blueprint(views.bp)
    api.routes.register(app)
    tasks.register(queue_of(app))
