"""Pages that belong to no one feature: the front door, error pages and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import text

from factcheck import db
from factcheck.accounts.models import Role
from factcheck.i18n import LOCALES
from factcheck.images import ocr
from factcheck.jobs import get_queue
from factcheck.search.service import health_report
from factcheck.web import public, redirect_back

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
    """Database, queue, index and OCR status; 503 when something the workbench needs is down (the
    index: it does not open from disk, does not answer a query, or its outbox lags). OCR is not
    needed: without Tesseract it says "unavailable" and the status stays ok."""
    checks: dict[str, Any] = {}
    try:
        db.session().execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and says which
        checks["database"] = f"error: {type(exc).__name__}"
    checks["queue"] = get_queue().health()
    try:
        checks["index"] = health_report()
    except Exception as exc:  # noqa: BLE001 - report, do not fail the health check's other parts
        checks["index"] = {"ok": False, "error": type(exc).__name__}
    # Reading text in images is optional: without Tesseract the desk runs and says so here.
    checks["ocr"] = ocr.status()
    healthy = (checks["database"] == "ok" and str(checks["queue"]).startswith("ok")
               and bool(checks["index"].get("ok")))
    response = jsonify({"status": "ok" if healthy else "degraded", "checks": checks})
    response.status_code = 200 if healthy else 503
    return response


@bp.get("/language/<code>")
@public
def language(code: str) -> Any:
    """Choose the language of the pages (kept in a cookie), then go back where you were."""
    response = redirect_back(request.args.get("next"))
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
