"""The staff dashboard: what the desk has on its plate, and how the archive is doing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, render_template
from sqlalchemy import func, select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.archive.models import Snapshot, State
from factcheck.audit import Event
from factcheck.claims.models import Claim, Status
from factcheck.web import role_required

bp = Blueprint("dashboard", __name__)


def desk_figures(now: dt.datetime) -> dict[str, Any]:
    """Counts for the dashboard, each one query."""
    session = db.session()
    week = now - dt.timedelta(days=7)
    day = now - dt.timedelta(days=1)
    by_status = dict(session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())
    captures = dict(session.execute(
        select(Snapshot.state, func.count()).where(Snapshot.requested_at >= day).group_by(Snapshot.state)).all())
    failures = session.execute(
        select(Snapshot.error_kind, func.count()).where(Snapshot.state == State.FAILED.value,
                                                        Snapshot.requested_at >= day)
        .group_by(Snapshot.error_kind).order_by(func.count().desc())).all()
    oldest = session.scalar(select(func.min(Claim.created_at)).where(Claim.status == Status.SUBMITTED.value))
    return {
        "by_status": {status.value: by_status.get(status.value, 0) for status in Status},
        "filed_this_week": session.scalar(select(func.count()).select_from(Claim).where(Claim.created_at >= week)),
        "published_this_week": session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "transition", Event.to_status == "published",
                                                          Event.created_at >= week)),
        "oldest_waiting": oldest,
        "captures": {state.value: captures.get(state.value, 0) for state in State},
        "failures": failures,
        "pending_captures": session.scalar(
            select(func.count()).select_from(Snapshot).where(Snapshot.state == State.PENDING.value)),
        "people": dict(session.execute(select(User.role, func.count()).where(User.active.is_(True))
                                       .group_by(User.role)).all()),
        "queue": current_app.extensions["factcheck.queue"].health(),
    }


@bp.get("/dashboard")
@role_required(Role.STAFF)
def dashboard() -> Any:
    now = db.utcnow()
    return render_template("dashboard.html", figures=desk_figures(now), now=now)
