"""The JSON API of SPEC §6: one blueprint, declared routes, and the error contract.

Features declare their endpoints with :func:`route`, giving the body and query shapes once; the
same declarations validate requests and make ``/api/openapi.json``. Every error, whatever raised
it, leaves as ``{"error": CODE, "message": TEXT, ...}``; nothing a client sends produces a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException

from factcheck.api.schema import Schema, validate_body, validate_query
from factcheck.errors import WorkbenchError
from factcheck.web import is_api_request, json_error, public

log = logging.getLogger(__name__)
bp = Blueprint("api", __name__, url_prefix="/api")


@dataclass(frozen=True)
class Operation:
    """One documented endpoint."""

    rule: str
    method: str
    endpoint: str
    summary: str
    body: Schema | None = None
    query: Schema | None = None
    multipart: Schema | None = None
    responses: dict[int, str] = field(default_factory=dict)
    public: bool = False
    tag: str = ""


OPERATIONS: list[Operation] = []


def route(
    rule: str,
    method: str,
    *,
    summary: str,
    body: Schema | None = None,
    query: Schema | None = None,
    multipart: Schema | None = None,
    responses: dict[int, str] | None = None,
    is_public: bool = False,
    tag: str = "",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API endpoint on the blueprint.

    The view receives the validated JSON body as ``body`` and the query as ``query`` when those
    are declared. A ``multipart`` schema lets the same endpoint take form data (the view reads
    it itself).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        def handler(**kwargs: Any) -> Any:
            if query is not None:
                kwargs["query"] = validate_query(request.args, query)
            if body is not None:
                if multipart is not None and request.mimetype == "multipart/form-data":
                    kwargs["body"] = None
                else:
                    kwargs["body"] = validate_body(read_json(), body)
            return view(**kwargs)

        handler.__name__ = view.__name__
        handler.__doc__ = view.__doc__
        if is_public:
            public(handler)
        bp.add_url_rule(rule, view.__name__, handler, methods=[method])
        OPERATIONS.append(
            Operation(rule, method, view.__name__, summary, body, query, multipart,
                      responses or {}, is_public, tag)
        )
        return handler

    return decorate


def read_json() -> Any:
    """The request's JSON body, or a 400 that says what is wrong with it."""
    if request.mimetype != "application/json":
        raise WorkbenchError("send a JSON body with Content-Type: application/json")
    try:
        return request.get_json(force=True, silent=False)
    except (BadRequest, ValueError, RecursionError):
        raise WorkbenchError("the body is not valid JSON") from None


def page_of(items: list[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The list shape of SPEC §6."""
    return {"items": items, "total": total, "page": page, "per_page": per_page}


def init_app(app: Flask) -> None:
    """Register the API blueprint and the JSON error contract."""
    from factcheck.api import openapi  # noqa: F401 - registers /api/openapi.json

    app.register_blueprint(bp)

    @app.errorhandler(WorkbenchError)
    def _workbench_error(error: WorkbenchError) -> Any:
        if is_api_request():
            return json_error(error.status, error.code, error.message, **error.extra)
        from factcheck.pages import render_error

        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Any:
        if is_api_request():
            code = (error.name or "error").lower().replace(" ", "_")
            response = json_error(error.code or 500, code, error.description or error.name)
            if error.code == 405 and error.valid_methods:  # type: ignore[attr-defined]
                response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
            return response
        from factcheck.pages import render_error

        return render_error(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        if current_app.config.get("PROPAGATE_EXCEPTIONS"):
            raise error
        if is_api_request():
            return json_error(500, "internal_error", "something went wrong on our side; it has been logged")
        from factcheck.pages import render_error

        return render_error(500, "Something went wrong on our side; it has been logged.")


def json_response(payload: Any, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response
