"""Errors an operation raises for its caller to show, and the one table of error codes.

The API turns them into SPEC §6 JSON (``{"error": CODE, "message": TEXT, ...}``), the web views into
messages beside the form or an error page. Every status has exactly one code (:data:`ERROR_CODES`),
whichever layer answers it: an operation, Werkzeug, Flask-WTF, the rate limiter or the database.

Creating one of these errors while a request is handled marks that request as failed, so the
request edge rolls back even when a view catches the error and redirects (see
:meth:`factcheck.web.WorkbenchApp.dispatch_request`): no view has to remember to roll back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import g, has_request_context

ERROR_CODES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "invalid request; validation errors name each field in `fields`",
    401: "not logged in, or the API token is not valid: send `Authorization: Bearer <token>`",
    403: "your role does not allow this (the four-eyes rule included)",
    404: "not found, or not visible to you",
    405: "this method is not allowed here (see the Allow header)",
    409: "conflicts with the current state; `allowed` lists the states that may come next",
    413: "the upload or body is too large",
    415: "send JSON (Content-Type: application/json) or multipart/form-data",
    429: "too many requests: wait for the Retry-After seconds",
    500: "something went wrong on our side; it has been logged",
    503: "busy or restarting: retry after the Retry-After seconds",
}
_FAILED = "factcheck_operation_failed"


def error_code(status: int) -> str:
    """The one code of ``status`` (``error`` for a status the table does not know)."""
    return ERROR_CODES.get(status, "error")


def request_failed() -> bool:
    """Whether an operation failed during the current request (its changes must not commit)."""
    return bool(g.get(_FAILED)) if has_request_context() else False


def failure_handled() -> None:
    """Say that the operations that failed so far in this request were undone (each in its own
    savepoint) and reported: what the others did may commit."""
    if has_request_context():
        g.pop(_FAILED, None)


class WorkbenchError(Exception):
    """Base of the errors a user can cause; ``status`` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra
        if has_request_context():
            setattr(g, _FAILED, True)

    @property
    def code(self) -> str:
        return error_code(self.status)

    @property
    def said(self) -> str:
        """The error as a page tells a person (a flash message, a refusal in a list)."""
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.extra}


class ValidationError(WorkbenchError):
    """Bad input; ``fields`` maps each field name to what is wrong with it."""

    def __init__(self, fields: Mapping[str, str], message: str | None = None) -> None:
        self.fields = {str(name): str(problem) for name, problem in fields.items()}
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in self.fields.items()), fields=self.fields)

    @property
    def said(self) -> str:
        """What is wrong with each field, without the fields' internal names."""
        return "; ".join(self.fields.values()) or self.message


class Forbidden(WorkbenchError):
    status = 403


class NotFound(WorkbenchError):
    status = 404


class Conflict(WorkbenchError):
    """A move the lifecycle does not allow; ``allowed`` lists the states that may come next."""

    status = 409

    def __init__(self, message: str, allowed: Sequence[str] = (), **extra: Any) -> None:
        super().__init__(message, allowed=list(allowed), **extra)
        self.allowed = list(allowed)


class TooLarge(WorkbenchError):
    status = 413


class Unavailable(WorkbenchError):
    """Busy or restarting (a database lock not granted in time): retry after ``retry_after`` s."""

    status = 503

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
