"""``/api/openapi.json``: the OpenAPI 3.1 document built from the declared routes."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint

from factcheck.api import PREFIX, Operation, json_response, operations
from factcheck.api.schema import MAX_ID, object_schema
from factcheck.errors import ERROR_CODES, ERROR_DESCRIPTIONS
from factcheck.web import public

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "description": "Every error. `error` is the one code of its status: "
                   + ", ".join(f"{status} `{code}`" for status, code in ERROR_CODES.items()) + ".",
    "properties": {
        "error": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "400: what is wrong with each field"},
        "allowed": {"type": "array", "items": {"type": "string"},
                    "description": "409: the states a claim may move to next"},
    },
}
# The statuses every operation may answer (500 never should; 405 and 415 are the client's mistake).
STANDARD_ERRORS = (400, 401, 403, 404, 409, 413, 429, 503)
_PATH_PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> str:
    return "/api" + _PATH_PARAMETER.sub(lambda m: "{" + m.group(2) + "}", rule)


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
        for _converter, name in _PATH_PARAMETER.findall(op.rule)
    ]
    for name, field in (op.query or {}).items():
        parameters.append({"name": name, "in": "query", "required": field.required, "schema": field.openapi()})
    responses: dict[str, Any] = {
        str(code): {"description": text, "content": {"application/json": {"schema": {"type": "object"}}}}
        for code, text in (op.responses or {200: "success"}).items()
    }
    for status in STANDARD_ERRORS:
        responses.setdefault(str(status), {"$ref": f"#/components/responses/Error{status}"})
    document: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag] if op.tag else [],
        "parameters": parameters,
        "responses": responses,
    }
    if not op.public:
        document["security"] = [{"bearer": []}, {"session": []}]
    else:
        document["security"] = [{}, {"bearer": []}]
    if op.body is not None:
        content: dict[str, Any] = {"application/json": {"schema": object_schema(op.body)}}
        if op.multipart is not None:
            multipart = object_schema(op.multipart)
            content["multipart/form-data"] = {"schema": multipart}
        document["requestBody"] = {"required": True, "content": content}
    return document


def _error_response(status: int) -> dict[str, Any]:
    schema = {"allOf": [{"$ref": "#/components/schemas/Error"},
                        {"properties": {"error": {"const": ERROR_CODES[status]}}}]}
    return {"description": ERROR_DESCRIPTIONS[status], "content": {"application/json": {"schema": schema}}}


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations():
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Factcheck Workbench API",
            "version": "1",
            "description": "File claims, move them through review, search and read fact-checks.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "responses": {f"Error{status}": _error_response(status) for status in ERROR_CODES},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `factcheck create-token`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


routes = Blueprint("api", __name__, url_prefix=PREFIX)


@routes.get("/openapi.json")
@public
def openapi_document() -> Any:
    """The OpenAPI document of this API."""
    return json_response(build_document())
