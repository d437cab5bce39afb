"""What the archive shows in words: how a capture went, and why one failed, as a person would say
it ("the page was not found (404)", "this address cannot be archived"), never the error kind."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from factcheck.archive.capture import storage_failure
from factcheck.archive.models import Snapshot
from factcheck.audit import Event
from factcheck.claims.labels import register_event_sentence

# Why a capture failed, by reason: an HTTP error is told by its status (see failure_reason).
FAILURE_LABELS = {
    "not_found": lazy_gettext("the page was not found"),
    "refused": lazy_gettext("the site refused access"),
    "rate_limited": lazy_gettext("the site asked us to slow down"),
    "server_error": lazy_gettext("the site had an error"),
    "http_error": lazy_gettext("the site answered with an error"),
    "timeout": lazy_gettext("the site took too long to answer"),
    "connection_error": lazy_gettext("could not connect to the site"),
    "too_large": lazy_gettext("the page is too large to archive"),
    "too_many_redirects": lazy_gettext("the page redirects too many times"),
    "unsupported_content": lazy_gettext("not a page or file that can be archived"),
    "blocked_address": lazy_gettext("this address cannot be archived"),
}
# Why a capture waits: the archive could not store it (capture.storage_failure), and retries.
STORAGE_LABELS = {
    "full": lazy_gettext("waiting: the archive's disk is full, archiving will be tried again"),
    "error": lazy_gettext("waiting: the archive could not save it, archiving will be tried again"),
}
_STATES = {"pending": lazy_gettext("archiving…"), "archived": lazy_gettext("archived"),
           "failed": lazy_gettext("not archived")}


def failure_reason(error_kind: str | None, http_status: int | None = None) -> str:
    """The key of :data:`FAILURE_LABELS` for a failed capture."""
    if error_kind != "http_error" or http_status is None:
        return error_kind if error_kind in FAILURE_LABELS else "http_error"
    if http_status in (404, 410):
        return "not_found"
    if http_status in (401, 403, 451):
        return "refused"
    if http_status == 429:
        return "rate_limited"
    return "server_error" if http_status >= 500 else "http_error"


def failure_text(error_kind: str | None, http_status: int | None = None) -> str:
    """Why a capture failed, in the reader's words, with the HTTP status when there is one."""
    text = str(FAILURE_LABELS[failure_reason(error_kind, http_status)])
    return f"{text} ({http_status})" if error_kind == "http_error" and http_status else text


def capture_state(snapshot: Snapshot) -> str:
    """A capture's state in words; a failed one says why."""
    if snapshot.state == "failed":
        return failure_text(snapshot.error_kind, snapshot.http_status)
    storage = storage_failure(snapshot)
    if storage is not None:
        return str(STORAGE_LABELS.get(storage, STORAGE_LABELS["error"]))
    return str(_STATES.get(snapshot.state, _STATES["pending"]))


def _captured(event: Event) -> str:
    return _("archived a link")


def _not_captured(event: Event) -> str:
    data = event.data or {}
    return _("could not archive a link: %(reason)s", reason=failure_text(data.get("error_kind"),
                                                                        data.get("http_status")))


def init_app(app: Flask) -> None:
    """The template filters of these words, and the sentences of the archive's history entries."""
    app.add_template_filter(capture_state)
    app.add_template_filter(failure_text)
    register_event_sentence("snapshot_archived", _captured)
    register_event_sentence("snapshot_failed", _not_captured)
    register_event_sentence("archive_requested", lambda _event: _("asked to archive a link again"))
