"""Pages that belong to no one feature: the front door, error pages and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from factcheck import LOCALES, db
from factcheck.accounts.models import Role
from factcheck.search.service import get_index
from factcheck.web import is_api_request, json_error, public

bp = Blueprint("pages", __name__)


@bp.get("/")
@public
def index() -> Any:
    """Staff and reviewers land on the queue, volunteers on their claims, visitors on the fact-checks."""
    if not current_user.is_authenticated:
        return redirect(url_for("publish.index"))
    if current_user.has_role(Role.REVIEWER):
        return redirect(url_for("claims.queue"))
    return redirect(url_for("claims.mine"))


@bp.get("/healthz")
@public
def healthz() -> Any:
    """Database, queue and index status; 503 when something the workbench needs is down."""
    checks: dict[str, Any] = {}
    try:
        db.session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and says which
        checks["database"] = f"error: {type(exc).__name__}"
    queue = current_app.extensions.get("factcheck.queue")
    checks["queue"] = queue.health() if queue is not None else "not configured"
    try:
        checks["index"] = f"ok ({get_index().doc_count()} documents)"
    except Exception as exc:  # noqa: BLE001 - report, do not fail the health check's other parts
        checks["index"] = f"error: {type(exc).__name__}"
    healthy = checks["database"] == "ok" and str(checks["queue"]).startswith("ok")
    response = jsonify({"status": "ok" if healthy else "degraded", "checks": checks})
    response.status_code = 200 if healthy else 503
    return response


@bp.get("/language/<code>")
@public
def language(code: str) -> Any:
    """Choose the language of the pages (kept in a cookie), then go back where you were."""
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("pages.index")
    response = redirect(target)
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def render_error(status: int, message: str) -> Any:
    """An error page, or JSON for API paths."""
    if is_api_request():
        return json_error(status, "error", message)
    return render_template("error.html", status=status, message=message), status
