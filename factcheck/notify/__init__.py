"""Follow and notify (issue 12): the debunk back to everyone who sent the hoax.

The filer of a claim, the filers of every claim marked its duplicate, and whoever follows any of
them are told when it is published, rejected or corrected: in the app (an inbox with an unread
count) and by e-mail for those who asked (:mod:`factcheck.mail`), each once, in their language,
with the verdict, the summary, the public link and a WhatsApp share link. Also here: each
person's own page, and the "seen before" matches of a claim kept from its filing.

It builds on search and publish, and hears of claims' moves and corrections through their signals.
"""

from __future__ import annotations

from flask import Flask

from factcheck.jobs import JobQueue


def init_app(app: Flask, queue: JobQueue) -> None:
    """Add notify to ``app``: its receivers, jobs, pages, API and the nav's unread count."""
    from factcheck.claims import signals as claim_signals
    from factcheck.notify import api, operations, seen_before, tasks, views
    from factcheck.publish import signals as publish_signals

    claim_signals.claim_moved.connect(operations.on_claim_moved)
    claim_signals.claim_filed.connect(seen_before.on_claim_filed)
    claim_signals.claim_panels.connect(views.follow_panel)
    claim_signals.claim_panels.connect(seen_before.matches_panel)
    claim_signals.claim_details.connect(seen_before.claim_detail)
    publish_signals.fact_check_corrected.connect(operations.on_corrected)
    tasks.register(queue)
    app.register_blueprint(views.bp)
    api.routes.register(app)
    app.add_template_global(views.unread_notifications, "unread_notifications")
