"""Errors an operation raises for its caller to show: the API turns them into SPEC §6 JSON,
the web views into messages beside the form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class WorkbenchError(Exception):
    """Base of the errors a user can cause; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class ValidationError(WorkbenchError):
    """Bad input; ``fields`` maps each field name to what is wrong with it."""

    code = "validation_error"

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = dict(fields)
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in self.fields.items()), fields=self.fields)


class Unauthorized(WorkbenchError):
    status = 401
    code = "unauthorized"


class Forbidden(WorkbenchError):
    status = 403
    code = "forbidden"


class NotFound(WorkbenchError):
    status = 404
    code = "not_found"


class Conflict(WorkbenchError):
    """A move the lifecycle does not allow; ``allowed`` lists the states that may come next."""

    status = 409
    code = "invalid_transition"

    def __init__(self, message: str, allowed: Sequence[str] = (), **extra: Any) -> None:
        super().__init__(message, allowed=list(allowed), **extra)
        self.allowed = list(allowed)


class TooLarge(WorkbenchError):
    status = 413
    code = "too_large"
