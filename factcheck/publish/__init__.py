"""Rebuttals, reviews and published fact-checks (SPEC §5).

Builds on claims (its moves in the lifecycle, the rebuttal on the claim page) and on the archive
(rebuttals cite snapshots).
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add publishing to ``app``: its moves, pages, API and its part in claims and the archive."""
    from factcheck.publish import api, claim_rebuttal, views
    from factcheck.publish.verdicts import verdict_label

    claim_rebuttal.connect()
    app.register_blueprint(views.bp)
    api.routes.register(app)
    # Any page may show a verdict: {{ name|verdict_label }}.
    app.add_template_filter(verdict_label, "verdict_label")
