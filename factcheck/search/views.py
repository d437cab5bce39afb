"""``/search`` and ``GET /api/search`` (SPEC §4, §6): the same query, filters and visibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext
from flask_login import current_user

from factcheck.api import Routes, json_response
from factcheck.api.schema import Field, Page, PerPage, validate_query
from factcheck.claims.labels import platform_label, status_label
from factcheck.claims.models import Platform, Status
from factcheck.errors import ValidationError
from factcheck.i18n import language_name
from factcheck.publish.verdicts import VERDICT_NAMES, find_verdict, verdict_label
from factcheck.search.engine import SearchPage
from factcheck.search.schema import KINDS
from factcheck.search.serialise import hit_as_dict, link_of
from factcheck.search.service import get_index, viewer_of
from factcheck.web import public

bp = Blueprint("search", __name__)
routes = Routes("search")
SEARCH_QUERY = {
    "q": Field("string", max_length=10_000, strip_controls=True,
               description="Whoosh query syntax: AND, OR, NOT, \"phrases\", field:"),
    "kind": Field("string", enum=KINDS),
    "status": Field("string", enum=tuple(s.value for s in Status)),
    "verdict": Field("string", enum=VERDICT_NAMES),
    "language": Field("string", max_length=16),
    "platform": Field("string", enum=tuple(p.value for p in Platform)),
    "domain": Field("string", max_length=255),
    "from": Field("string", format="date", max_length=10, description="YYYY-MM-DD"),
    "to": Field("string", format="date", max_length=10, description="YYYY-MM-DD"),
    "sort": Field("string", enum=("relevance", "date")),
    "page": Page(),
    "per_page": PerPage(20),
}


def run_search(query: dict[str, Any]) -> SearchPage:
    """Search as the current user may; filters and dates already validated."""
    dates = {}
    for name in ("from", "to"):
        if query.get(name):
            try:
                dates[name] = dt.date.fromisoformat(query[name])
            except ValueError:
                raise ValidationError({name: str(lazy_gettext("Give a date as YYYY-MM-DD."))}) from None
    return get_index().search(
        query.get("q") or "", viewer=viewer_of(current_user), kind=query.get("kind"), status=query.get("status"),
        verdict=query.get("verdict"), language=query.get("language"), platform=query.get("platform"),
        domain=query.get("domain"), date_from=dates.get("from"), date_to=dates.get("to"),
        sort=query.get("sort") or "relevance", page=query.get("page", 1), per_page=query.get("per_page", 20),
    )


KIND_LABELS = {"claim": lazy_gettext("claim"), "snapshot": lazy_gettext("archived page"),
               "factcheck": lazy_gettext("fact-check")}


def facet_label(name: str, value: str) -> str:
    """A facet value in the reader's words (a state, verdict, language or platform name)."""
    if name == "kind":
        return str(KIND_LABELS.get(value, value))
    if name == "status":
        return status_label(value)
    if name == "verdict":
        return verdict_label(value) if find_verdict(value) else value
    if name == "language":
        return language_name(value)
    if name == "platform":
        return platform_label(value)
    return value


@routes.route("/search", "GET", summary="Search claims, archived pages and fact-checks you may see",
       query=SEARCH_QUERY, is_public=True, tag="search")
def search_api(query: dict[str, Any]) -> Any:
    found = run_search(query)
    answer = {"total": found.total, "page": found.page, "per_page": found.per_page,
              "results": [hit_as_dict(hit) for hit in found.results], "facets": found.facets}
    if found.notice:
        answer["notice"] = found.notice  # "rebuilding" or "unavailable": the results may be missing
    return json_response(answer)


@bp.get("/search")
@public
def search_page() -> Any:
    args = {k: v for k, v in request.args.items() if k in SEARCH_QUERY and v}
    try:
        query = validate_query(args, SEARCH_QUERY)
        found = run_search(query)
        error = None
    except ValidationError as exc:
        query, found, error = args, SearchPage.empty(), "; ".join(exc.fields.values())
    return render_template("search.html", query=query, args=args, found=found, error=error, link_of=link_of,
                           facet_label=facet_label,
                           kinds=KINDS, verdicts=VERDICT_NAMES, statuses=[s.value for s in Status])
