"""The staff dashboard: the state of the desk in charts (each downloadable as CSV), a few
headline figures, and the desk's byline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.models import Snapshot, State
from factcheck.audit import Event
from factcheck.claims.models import Claim, Status
from factcheck.errors import NotFound
from factcheck.jobs import get_queue
from factcheck.publish.credits import desk_byline
from factcheck.site import charts
from factcheck.site.chart_csv import series_csv
from factcheck.site.chart_drawing import draw
from factcheck.web import role_label, role_required

bp = Blueprint("dashboard", __name__)


def desk_now() -> dt.datetime:
    """The moment the dashboard describes: now."""
    return db.utcnow()


def desk_zone() -> dt.tzinfo:
    """The time zone whose days and weeks the charts count in."""
    return dt.UTC


def desk_figures(now: dt.datetime) -> dict[str, Any]:
    """The headline figures the charts do not show, each one query."""
    session = db.session()
    week = now - dt.timedelta(days=7)
    day = now - dt.timedelta(days=1)
    captures = dict(session.execute(
        select(Snapshot.state, func.count()).where(Snapshot.requested_at >= day).group_by(Snapshot.state)).all())
    people = dict(session.execute(
        select(User.role, func.count()).where(User.active.is_(True), User.is_system.is_(False))
        .group_by(User.role)).all())
    return {
        "filed_this_week": session.scalar(select(func.count()).select_from(Claim).where(Claim.created_at >= week)),
        "published_this_week": session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "transition", Event.to_status == "published",
                                                          Event.created_at >= week)),
        "oldest_waiting": session.scalar(
            select(func.min(Claim.created_at)).where(Claim.status == Status.SUBMITTED.value)),
        "pending_captures": session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.state == State.PENDING.value)),
        "archived_today": captures.get(State.ARCHIVED.value, 0),
        "failed_today": captures.get(State.FAILED.value, 0),
        "people": [(role_label(role), people.get(role.value, 0)) for role in Role],
        "queue_pending": get_queue().waiting(),
    }


@bp.get("/dashboard")
@role_required(Role.STAFF)
def dashboard() -> Any:
    now, zone = desk_now(), desk_zone()
    drawn = [(series, draw(series)) for series in charts.all_charts(now, zone)]
    return render_template("dashboard.html", figures=desk_figures(now), now=now, zone=str(zone),
                           byline=desk_byline(), charts=drawn, shown=charts.shown)


@bp.get("/dashboard/<key>.csv")
@role_required(Role.STAFF)
def chart_csv(key: str) -> Any:
    """One chart's numbers as a CSV file."""
    chart = charts.CHARTS.get(key)
    if chart is None:
        raise NotFound(_("There is no such chart."))
    now = desk_now()
    response = Response(series_csv(chart(now, desk_zone())), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{key}-{now:%Y-%m-%d}.csv"'
    return response
