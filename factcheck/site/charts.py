"""The dashboard's charts as numbers: each one a :class:`Series` computed from the database.

The page draws them, the CSV downloads write them and the tests check them, all from the same
series. Each is bounded (the last 30 days, the last 12 weeks, the top 10), and each counts in SQL
that runs on SQLite and PostgreSQL alike; days and weeks are those of the time zone given
(see :mod:`factcheck.site.buckets`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from factcheck import db
from factcheck.archive.labels import FAILURE_LABELS, failure_reason
from factcheck.archive.models import Snapshot, State
from factcheck.audit import Event
from factcheck.claims.labels import status_label
from factcheck.claims.models import Claim, Source, Status
from factcheck.publish.models import Rebuttal, Revision
from factcheck.publish.verdicts import VERDICT_NAMES, verdict_label
from factcheck.site.buckets import Window, bucket, last_periods

DAYS = 30
WEEKS = 12
TOP_DOMAINS = 10
TICK_LENGTH = 32  # characters of a label written on the chart; its table has it whole

Number = int | float


@dataclass(frozen=True)
class Measure:
    """One column of numbers in a chart (a chart of medians and 90th percentiles has two)."""

    name: str  # its heading in the table and the CSV, unit included
    values: tuple[Number | None, ...]  # one per label; None where there is nothing to measure


@dataclass(frozen=True)
class Series:
    """One chart's numbers: a value (or several) for each label."""

    key: str  # its address: /dashboard/<key>.csv
    title: str
    unit: str  # what the values count, for the value axis
    axis: str  # what the labels are, for the other axis
    keys: tuple[str, ...]  # each label's stable name (a date, a state, a domain); never shown
    labels: tuple[str, ...]  # as a person reads them, whole: the table and the CSV
    ticks: tuple[str, ...]  # as written beside the bars: short
    measures: tuple[Measure, ...]
    empty: str  # said instead of the chart when there is nothing to draw

    @property
    def values(self) -> tuple[Number | None, ...]:
        """The numbers of the first (often only) measure."""
        return self.measures[0].values

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no values, or counts that are all zero (a duration of 0.0 hours is a
        measurement, so it is drawn)."""
        return all(value is None or (isinstance(value, int) and value == 0)
                   for measure in self.measures for value in measure.values)

    def rows(self) -> list[tuple[str, tuple[Number | None, ...]]]:
        """Each label with its numbers, one per measure."""
        return [(label, tuple(m.values[i] for m in self.measures)) for i, label in enumerate(self.labels)]


def shown(value: Number | None) -> str:
    """A value as the chart, its table and its CSV write it: whole numbers as they are, the
    others with one decimal, nothing for no value."""
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile of ``values`` (not empty), interpolated linearly between the
    closest ranks, as PostgreSQL's ``percentile_cont`` does."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# -- what labels say -------------------------------------------------------------------------------

QUEUE_STATES = (Status.SUBMITTED, Status.RESEARCHING, Status.IN_REVIEW, Status.APPROVED)
def _short(text: str) -> str:
    return text if len(text) <= TICK_LENGTH else text[:TICK_LENGTH - 1] + "…"


def _day_ticks(window: Window, pattern: str) -> tuple[str, ...]:
    return tuple(format_date(day, pattern) for day in window.starts)


# -- the charts ------------------------------------------------------------------------------------


def filed_per_day(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """Claims filed on each of the last 30 days."""
    days = last_periods(now, "day", DAYS, zone)
    day = bucket(Claim.created_at, days)
    counts = dict(db.session().execute(
        select(day, func.count()).where(Claim.created_at >= days.since, Claim.created_at < days.until)
        .group_by(day)).all())
    return Series(
        key="filed-per-day", title=_("Claims filed per day, last %(days)s days", days=DAYS),
        unit=_("claims"), axis=_("Day"),
        keys=tuple(d.isoformat() for d in days.starts), labels=tuple(d.isoformat() for d in days.starts),
        ticks=_day_ticks(days, "EEE d MMM"),
        measures=(Measure(_("Claims filed"), tuple(counts.get(d, 0) for d in days.starts)),),
        empty=_("No claims filed in the last %(days)s days.", days=DAYS))


def queue_by_state(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """The claims waiting at each step of the desk's work, now."""
    states = [state.value for state in QUEUE_STATES]
    counts = dict(db.session().execute(
        select(Claim.status, func.count()).where(Claim.status.in_(states)).group_by(Claim.status)).all())
    labels = tuple(status_label(state) for state in states)
    return Series(
        key="queue-by-state", title=_("The queue by state"), unit=_("claims"), axis=_("State"),
        keys=tuple(states), labels=labels, ticks=labels,
        measures=(Measure(_("Claims"), tuple(counts.get(state, 0) for state in states)),),
        empty=_("No claim is waiting: the queue is empty."))


def time_to_publication(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """Median and 90th percentile of the hours from filing to publication, for the fact-checks
    published in each of the last 12 weeks."""
    weeks = last_periods(now, "week", WEEKS, zone)
    week = bucket(Event.created_at, weeks)
    published = db.session().execute(
        select(week, Claim.created_at, Event.created_at).join(Claim, Claim.id == Event.claim_id)
        .where(Event.kind == "transition", Event.to_status == Status.PUBLISHED.value,
               Event.created_at >= weeks.since, Event.created_at < weeks.until)).all()
    hours: dict[dt.date, list[float]] = defaultdict(list)
    for start, filed_at, published_at in published:
        hours[start].append((published_at - filed_at).total_seconds() / 3600)

    def measure(fraction: float) -> tuple[float | None, ...]:
        return tuple(round(percentile(hours[start], fraction), 1) if hours[start] else None
                     for start in weeks.starts)

    return Series(
        key="time-to-publication",
        title=_("Time from filing to publication, per week"), unit=_("hours"),
        axis=_("Week starting"),
        keys=tuple(d.isoformat() for d in weeks.starts), labels=tuple(d.isoformat() for d in weeks.starts),
        ticks=_day_ticks(weeks, "d MMM"),
        measures=(Measure(_("Median (hours)"), measure(0.5)),
                  Measure(_("90th percentile (hours)"), measure(0.9))),
        empty=_("No fact-check published in the last %(weeks)s weeks.", weeks=WEEKS))


def top_domains(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """The ten domains linked to by the most claims filed in the last 30 days."""
    days = last_periods(now, "day", DAYS, zone)
    # The window's links first, then their domains: grouping all links at once would have SQLite
    # walk the domain index over every link ever filed (seconds on a busy desk, not milliseconds).
    recent = (select(Source.domain, Source.claim_id)
              .where(Source.created_at >= days.since, Source.created_at < days.until, Source.domain != "")
              .cte("recent_links").prefix_with("MATERIALIZED"))
    claims = func.count(recent.c.claim_id.distinct())
    rows = db.session().execute(
        select(recent.c.domain, claims).group_by(recent.c.domain)
        .order_by(claims.desc(), recent.c.domain).limit(TOP_DOMAINS)).all()
    domains = tuple(domain for domain, _count in rows)
    return Series(
        key="top-domains", title=_("Top source domains, last %(days)s days", days=DAYS),
        unit=_("claims linking to it"), axis=_("Domain"),
        keys=domains, labels=domains, ticks=tuple(_short(domain) for domain in domains),
        measures=(Measure(_("Claims"), tuple(count for _domain, count in rows)),),
        empty=_("No links filed in the last %(days)s days.", days=DAYS))


def verdict_mix(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """The verdicts of all published fact-checks, as their current revisions give them."""
    current = (select(Revision.rebuttal_id, func.max(Revision.number).label("number"))
               .group_by(Revision.rebuttal_id).subquery())
    counts = dict(db.session().execute(
        select(Revision.verdict, func.count())
        .join(current, (current.c.rebuttal_id == Revision.rebuttal_id) & (current.c.number == Revision.number))
        .join(Rebuttal, Rebuttal.id == Revision.rebuttal_id)
        .where(Rebuttal.published_at.is_not(None)).group_by(Revision.verdict)).all())
    labels = tuple(verdict_label(name) for name in VERDICT_NAMES)
    return Series(
        key="verdicts", title=_("Verdicts of published fact-checks"), unit=_("fact-checks"),
        axis=_("Verdict"), keys=VERDICT_NAMES, labels=labels, ticks=labels,
        measures=(Measure(_("Fact-checks"), tuple(counts.get(name, 0) for name in VERDICT_NAMES)),),
        empty=_("No fact-check has been published yet."))


def capture_failures(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> Series:
    """Why captures failed in the last 30 days, most common first."""
    days = last_periods(now, "day", DAYS, zone)
    rows = db.session().execute(
        select(Snapshot.error_kind, Snapshot.http_status, func.count())
        .where(Snapshot.state == State.FAILED.value, Snapshot.requested_at >= days.since,
               Snapshot.requested_at < days.until)
        .group_by(Snapshot.error_kind, Snapshot.http_status)).all()
    counts: Counter[str] = Counter()
    for kind, status, count in rows:
        counts[failure_reason(kind or "", status)] += count
    order = list(FAILURE_LABELS)
    reasons = sorted(counts, key=lambda reason: (-counts[reason], order.index(reason)))
    labels = tuple(str(FAILURE_LABELS[reason]) for reason in reasons)
    return Series(
        key="capture-failures", title=_("Capture failures by kind, last %(days)s days", days=DAYS),
        unit=_("failed captures"), axis=_("Reason"),
        keys=tuple(reasons), labels=labels, ticks=tuple(_short(label) for label in labels),
        measures=(Measure(_("Failed captures"), tuple(counts[reason] for reason in reasons)),),
        empty=_("No capture failed in the last %(days)s days.", days=DAYS))


Chart = Callable[[dt.datetime, dt.tzinfo], Series]
CHARTS: dict[str, Chart] = {
    "filed-per-day": filed_per_day,
    "queue-by-state": queue_by_state,
    "time-to-publication": time_to_publication,
    "top-domains": top_domains,
    "verdicts": verdict_mix,
    "capture-failures": capture_failures,
}


def all_charts(now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> list[Series]:
    """Every chart of the dashboard, in the order the page shows them."""
    return [chart(now, zone) for chart in CHARTS.values()]
