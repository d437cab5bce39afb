"""Declared request shapes: validated strictly at the edge and published as OpenAPI.

One declaration serves both the check and the document, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import format_number
from flask_babel import gettext as _

from factcheck.db import MAX_ID
from factcheck.errors import ValidationError
from factcheck.inputs import strip_refused, text_problem


@dataclass(frozen=True)
class Field:
    """One field of a JSON body or query string."""

    kind: str  # "string", "integer", "boolean" or "array"
    required: bool = False
    nullable: bool = False
    description: str = ""
    max_length: int | None = None
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    items: Field | None = None
    max_items: int | None = None
    format: str | None = None
    properties: Mapping[str, Field] | None = None  # for kind "object": its fields, none other allowed
    strip_controls: bool = False  # turn control characters into spaces instead of refusing (search text)

    def openapi(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.kind}
        if self.nullable:
            schema["type"] = [self.kind, "null"]
        for key, value in (
            ("description", self.description),
            ("maxLength", self.max_length),
            ("enum", list(self.enum) if self.enum else None),
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("maxItems", self.max_items),
            ("format", self.format),
        ):
            if value not in (None, ""):
                schema[key] = value
        if self.items is not None:
            schema["items"] = self.items.openapi()
        if self.properties is not None:
            schema.update(object_schema(self.properties))
            schema["type"] = [self.kind, "null"] if self.nullable else self.kind
        return schema


def Id(description: str = "", **kwargs: Any) -> Field:  # named like a type: it reads as one in schemas
    """A database id: a positive integer that fits the id columns."""
    return Field("integer", minimum=1, maximum=MAX_ID, description=description, **kwargs)


def Page() -> Field:
    return Field("integer", minimum=1, maximum=100_000, description="page number, from 1")


def PerPage(default: int = 25) -> Field:
    return Field("integer", minimum=1, maximum=100, description=f"items per page (default {default})")


Schema = Mapping[str, Field]


def object_schema(schema: Schema) -> dict[str, Any]:
    """The OpenAPI (JSON Schema) object for a declared body."""
    result: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: field.openapi() for name, field in schema.items()},
    }
    required = [name for name, field in schema.items() if field.required]
    if required:
        result["required"] = required
    return result


def validate_body(body: Any, schema: Schema) -> dict[str, Any]:
    """Check a decoded JSON body against ``schema``: unknown fields, types, bounds; raise 400."""
    if not isinstance(body, dict):
        raise ValidationError({"body": _("expected a JSON object")})
    errors: dict[str, str] = {}
    for name in body:
        if name not in schema:
            errors[str(name)[:100]] = _("unknown field")
    values: dict[str, Any] = {}
    for name, field in schema.items():
        if name not in body:
            if field.required:
                errors[name] = _("this field is required")
            continue
        problem, value = _check(body[name], field)
        if problem:
            errors[name] = problem
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


def validate_query(args: Mapping[str, str], schema: Schema) -> dict[str, Any]:
    """Check query-string parameters (strings on the wire) against ``schema``; ignore others."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, field in schema.items():
        raw = args.get(name)
        if raw is None or raw == "":
            if field.required:
                errors[name] = _("this parameter is required")
            continue
        value: Any = raw
        if field.kind == "integer":
            if not raw.strip().lstrip("-").isdigit() or len(raw) > 20:
                errors[name] = _("expected a whole number")
                continue
            value = int(raw)
        elif field.kind == "boolean":
            if raw.lower() not in ("true", "false", "1", "0"):
                errors[name] = _("expected true or false")
                continue
            value = raw.lower() in ("true", "1")
        problem, value = _check(value, field)
        if problem:
            errors[name] = problem
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


def _check(value: Any, field: Field) -> tuple[str | None, Any]:
    if value is None:
        return (None, None) if field.nullable else ("must not be null", None)
    if field.kind == "string":
        if not isinstance(value, str):
            return _("expected a string"), None
        if field.strip_controls:
            value = strip_refused(value)
        if field.max_length is not None and len(value) > field.max_length:
            return _("at most %(count)s characters", count=format_number(field.max_length)), None
        problem = text_problem(value)
        if problem:
            return problem, None
        if field.enum is not None and value not in field.enum:
            return _("one of: %(values)s", values=", ".join(field.enum)), None
        return None, value
    if field.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return _("expected a whole number"), None
        if field.minimum is not None and value < field.minimum:
            return _("at least %(count)s", count=field.minimum), None
        if field.maximum is not None and value > field.maximum:
            return _("at most %(count)s", count=field.maximum), None
        return None, value
    if field.kind == "boolean":
        return (None, value) if isinstance(value, bool) else (_("expected true or false"), None)
    if field.kind == "object":
        if not isinstance(value, dict):
            return _("expected an object"), None
        try:
            return None, validate_body(value, field.properties or {})
        except ValidationError as error:
            return "; ".join(f"{k}: {v}" for k, v in error.fields.items()), None
    if field.kind == "array":
        if not isinstance(value, list):
            return _("expected a list"), None
        if field.max_items is not None and len(value) > field.max_items:
            return _("at most %(count)s items", count=field.max_items), None
        checked = []
        for position, item in enumerate(value, start=1):
            problem, item_value = _check(item, field.items) if field.items else (None, item)
            if problem:
                return _("item %(position)s: %(problem)s", position=position, problem=problem), None
            checked.append(item_value)
        return None, checked
    raise AssertionError(f"unknown field kind {field.kind}")
