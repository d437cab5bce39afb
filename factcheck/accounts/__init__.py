"""People: users, roles, passwords (and their reset by e-mail), sessions, API tokens and each
person's own settings."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add accounts to ``app``: who is asking (sessions, tokens), the pages, the jobs and the
    commands."""
    from factcheck.accounts import cli, sessions, tasks, views
    from factcheck.jobs import queue_of

    sessions.init_app(app)
    app.register_blueprint(views.bp)
    tasks.register(queue_of(app))
    cli.register(app.cli)
