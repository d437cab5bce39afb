"""Gunicorn settings the web tier needs beyond its command line (``--config python:factcheck.gunicorn_config``)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from factcheck import db
from factcheck.search import service
from factcheck.web import hand_over_often


def post_fork(_server: Any, _worker: Any) -> None:
    """In each web process, as it starts: hand the interpreter between threads every millisecond."""
    hand_over_often()


def post_worker_init(worker: Any) -> None:
    """In each web process, before its first request: open its database connections and warm the
    search index's caches (a server started under load answered its first second of requests
    several times slower than the rest, issue 14)."""
    app = worker.wsgi
    if not isinstance(app, Flask):
        return  # serving another WSGI app with these settings: nothing of ours to open
    with app.app_context():
        db.open_connections(app)
        service.warm_up()
