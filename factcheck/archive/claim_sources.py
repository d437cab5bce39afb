"""The archive's part in a claim: its links are captured when it is filed, and their captures
are shown on its page and in its API detail."""

from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from factcheck.accounts.models import User
from factcheck.archive.capture import request_capture
from factcheck.archive.operations import latest_snapshots
from factcheck.archive.serialise import snapshot_as_dict
from factcheck.claims import signals
from factcheck.claims.models import Claim
from factcheck.claims.signals import Panel

SOURCES_PANEL_ORDER = 10


def capture_sources(claim: Claim, actor: User | None = None, **_: Any) -> None:
    """Capture each of a newly filed claim's links (the jobs run once the filing commits)."""
    for source in claim.sources:
        request_capture(source.url, source=source, actor=actor)


def sources_panel(claim: Claim, actor: User, **_: Any) -> Panel | None:
    """The claim's links, each with its timeline of captures (kept live by static/claim.js)."""
    if not claim.sources:
        return None
    snapshots = latest_snapshots([source.id for source in claim.sources])
    html = render_template("archive/panel_sources.html", claim=claim, snapshots=snapshots, actor=actor)
    return Panel(SOURCES_PANEL_ORDER, Markup(html))  # noqa: S704 - a template rendered with autoescaping


def source_snapshots(claim: Claim, data: dict[str, Any], **_: Any) -> None:
    """Add each source's snapshots to the API's detailed view of the claim."""
    timeline = latest_snapshots([source.id for source in claim.sources])
    for source in data["sources"]:
        source["snapshots"] = [snapshot_as_dict(s) for s in timeline.get(source["id"], [])]


def connect() -> None:
    """Answer the claims feature's signals."""
    signals.claim_filed.connect(capture_sources)
    signals.claim_panels.connect(sources_panel)
    signals.claim_details.connect(source_snapshots)
