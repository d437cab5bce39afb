"""``/api/openapi.json``: the OpenAPI 3.1 document built from the declared routes."""

from __future__ import annotations

import re
from typing import Any

from factcheck.api import OPERATIONS, Operation, bp, json_response
from factcheck.api.schema import MAX_ID, object_schema
from factcheck.web import public

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
}
STANDARD_ERRORS = {
    400: "invalid request (validation errors name their `fields`)",
    401: "not logged in, or the API token is not valid",
    403: "your role does not allow this",
    404: "not found, or not visible to you",
    409: "the move conflicts with the current state",
    413: "the upload is too large",
    429: "too many requests",
}
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
    for code, text in STANDARD_ERRORS.items():
        responses.setdefault(
            str(code),
            {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        )
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


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
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
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `factcheck create-token`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


@bp.get("/openapi.json")
@public
def openapi_document() -> Any:
    """The OpenAPI document of this API."""
    return json_response(build_document())
