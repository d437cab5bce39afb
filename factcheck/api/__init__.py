"""The JSON API of SPEC §6: declared routes, per feature, and the error contract.

Each feature declares its endpoints on its own :class:`Routes` (``routes = Routes("claims")``,
then ``@routes.route(...)``), giving the body and query shapes once; its ``init_app`` adds them to
the app with :meth:`Routes.register`. The same declarations validate requests and make
``/api/openapi.json``. Every error, whatever raised it, leaves as
``{"error": CODE, "message": TEXT, ...}`` (see :mod:`factcheck.web`); nothing a client sends
produces a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest

from factcheck.api.schema import Schema, validate_body, validate_query
from factcheck.errors import WorkbenchError
from factcheck.web import public

PREFIX = "/api"
OPERATIONS_KEY = "factcheck.api.operations"


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


class Routes:
    """One feature's API endpoints, under ``/api`` (blueprint ``<name>_api``)."""

    def __init__(self, name: str) -> None:
        self.blueprint = Blueprint(f"{name}_api", __name__, url_prefix=PREFIX)
        self.operations: list[Operation] = []

    def route(
        self,
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
        """Declare an endpoint.

        The view receives the validated JSON body as ``body`` and the query as ``query`` when
        those are declared. A ``multipart`` schema lets the same endpoint take form data (the
        view reads it itself).
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
            self.blueprint.add_url_rule(rule, view.__name__, handler, methods=[method])
            self.operations.append(Operation(rule, method, view.__name__, summary, body, query, multipart,
                                             responses or {}, is_public, tag))
            return handler

        return decorate

    def register(self, app: Flask) -> None:
        """Add these endpoints to ``app`` (and to its OpenAPI document)."""
        app.register_blueprint(self.blueprint)
        app.extensions.setdefault(OPERATIONS_KEY, []).extend(self.operations)


def operations() -> list[Operation]:
    """Every endpoint the running app serves under ``/api``."""
    found: list[Operation] = current_app.extensions.get(OPERATIONS_KEY, [])
    return found


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


def json_response(payload: Any, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    """Serve the OpenAPI document of every registered endpoint."""
    from factcheck.api.openapi import routes as openapi_routes

    app.register_blueprint(openapi_routes)
