"""A desk full of work for the dashboard tests: claims, fact-checks and captures at known times,
and what was put in, to compute each chart from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import update

from factcheck import db
from factcheck.accounts.models import User
from factcheck.archive.models import Snapshot
from factcheck.audit import Event
from factcheck.claims.models import Claim, Source
from factcheck.publish import operations as publish

# Noon today (UTC): every timestamp the tests write is placed relative to it.
NOW = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(12), tzinfo=dt.UTC)
TODAY = NOW.date()
KEYS = ["filed-per-day", "queue-by-state", "time-to-publication", "top-domains", "verdicts", "capture-failures"]


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass
class Desk:
    """What a test put in the database, to compute each chart's numbers from."""

    filed: list[dt.datetime] = field(default_factory=list)  # every claim's created_at
    states: list[str] = field(default_factory=list)  # every claim's status
    domains: list[tuple[int, str, dt.datetime]] = field(default_factory=list)  # (claim id, domain, when)
    published: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)  # (filed, published)
    verdicts: list[str] = field(default_factory=list)  # the current verdict of each published one
    failures: list[tuple[str, int | None, dt.datetime]] = field(default_factory=list)  # (kind, status, when)


def set_times(app: Any, claim_id: int, filed: dt.datetime) -> None:
    """Move a claim's filing (and its links') to ``filed``."""
    with app.app_context():
        session = db.session()
        session.execute(update(Claim).where(Claim.id == claim_id).values(created_at=filed))
        session.execute(update(Source).where(Source.claim_id == claim_id).values(created_at=filed))
        db.commit()


def publish_event(app: Any, claim_id: int, at: dt.datetime) -> None:
    with app.app_context():
        db.session().add(Event(kind="transition", claim_id=claim_id, from_status="approved", to_status="published",
                               created_at=at))
        db.commit()


def failed_snapshot(app: Any, kind: str, status: int | None, at: dt.datetime) -> None:
    with app.app_context():
        db.session().add(Snapshot(url="https://example.net/gone", state="failed", error_kind=kind, http_status=status,
                                  requested_at=at, error_message="test"))
        db.commit()


@pytest.fixture
def desk(app, make_user, make_claim) -> Desk:
    """A desk with a month of claims, a queue, published fact-checks (one corrected), links to a
    few domains and failed captures: each timestamp set in the database."""
    built = Desk()
    volunteer, writer = make_user("volunteer"), make_user("reviewer")

    def claim(days_ago: float, *, status: str | None = None, urls: tuple[str, ...] = (), **kwargs: Any) -> Claim:
        made = make_claim(f"claim filed {days_ago} days ago", by=volunteer, status=status, urls=urls, **kwargs)
        filed = NOW - dt.timedelta(days=days_ago)
        set_times(app, made.id, filed)
        built.filed.append(filed)
        built.states.append(status or "submitted")
        with app.app_context():
            for source in db.session().get(Claim, made.id).sources:
                built.domains.append((made.id, source.domain, filed))
        return made

    # Filed over the last month and before it; some days get several.
    for days_ago in (0, 0.25, 1, 1, 1, 3, 7.5, 13, 29, 29.6, 30, 45):
        claim(days_ago, urls=(f"https://news.example.in/story-{days_ago}",) if days_ago < 20 else ())
    claim(2, status="researching", urls=("https://www.viral.example.com/a", "https://viral.example.com/b"))
    claim(2, status="researching", urls=("https://viral.example.com/c", "https://blog.example.org/x"))
    claim(4, status="in_review", draft_by=writer, urls=("https://blog.example.org/y",), verdict="Misleading")
    claim(5, status="approved", draft_by=writer)
    original = claim(6, status="rejected")
    claim(6, status="duplicate", duplicate_of=original.id)
    claim(40, urls=("https://old.example.net/z",))  # outside the domains' 30 days

    # Published fact-checks, filed and published at known times (one 13 weeks ago: not shown).
    for filed_days_ago, hours_to_publish, verdict in (
            (3, 5, "False"), (4, 30, "False"), (5, 2.5, "Misleading"), (9, 50, "True"), (10, 1, "False"),
            (16, 8, "Partly false"), (40, 72, "False"), (95, 3, "Unproven")):
        made = claim(filed_days_ago, status="published", draft_by=writer, verdict=verdict,
                     headline=f"Published after {hours_to_publish} hours")
        published_at = NOW - dt.timedelta(days=filed_days_ago) + dt.timedelta(hours=hours_to_publish)
        publish_event(app, made.id, published_at)
        built.published.append((NOW - dt.timedelta(days=filed_days_ago), published_at))
        built.verdicts.append(verdict)
    # A correction changes the verdict the chart counts: the current revision's.
    corrected = made
    with app.test_request_context():
        session = db.session()
        target = session.get(Claim, corrected.id)
        publish.save_draft(session.get(User, writer.id), target, publish.DraftInput(
            headline="Corrected", summary="Now unproven.", body="We were too quick.", verdict="Missing context",
            snapshot_ids=(target.sources[0].snapshots[0].id,), correction_note="New evidence"))
        db.commit()
    built.verdicts[-1] = "Missing context"

    # Failed captures: recent ones, and one too old to count.
    for kind, status, days_ago in (
            ("http_error", 404, 1), ("http_error", 404, 2), ("http_error", 410, 3), ("http_error", 503, 1),
            ("http_error", 403, 8), ("timeout", None, 1), ("timeout", None, 2), ("timeout", None, 20),
            ("blocked_address", None, 0), ("too_large", None, 5), ("connection_error", None, 31)):
        at = NOW - dt.timedelta(days=days_ago)
        failed_snapshot(app, kind, status, at)
        built.failures.append((kind, status, at))
    return built


