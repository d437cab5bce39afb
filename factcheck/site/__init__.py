"""What belongs to the whole desk rather than one feature: the front door, the health check, the
language switch, the staff dashboard and what makes the desk an installable app."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add the desk-wide pages to ``app``."""
    from factcheck.site import dashboard, pages, webapp

    app.register_blueprint(pages.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(webapp.bp)
