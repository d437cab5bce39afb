"""What the claims feature shows in words: states, moves, platforms and history entries, in the
reader's language. No internal code (``in_review``, ``tags_changed``) ever reaches a page.

A history entry is told by the feature that recorded it: the archive says how a capture went,
publishing how a rebuttal changed. They register their sentences with
:func:`register_event_sentence` when they start (claims cannot import them).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup, escape

from factcheck.audit import Event
from factcheck.claims.models import Platform, Status

EventSentence = Callable[[Event], str]
_SENTENCES: dict[str, EventSentence] = {}

_MOVES = {
    (Status.SUBMITTED, Status.RESEARCHING): lazy_gettext("Start the research"),
    (Status.SUBMITTED, Status.REJECTED): lazy_gettext("Reject"),
    (Status.RESEARCHING, Status.REJECTED): lazy_gettext("Reject"),
    (Status.SUBMITTED, Status.DUPLICATE): lazy_gettext("Mark as a duplicate"),
    (Status.RESEARCHING, Status.DUPLICATE): lazy_gettext("Mark as a duplicate"),
    (Status.RESEARCHING, Status.IN_REVIEW): lazy_gettext("Send for review"),
    (Status.IN_REVIEW, Status.RESEARCHING): lazy_gettext("Request changes"),
    (Status.IN_REVIEW, Status.APPROVED): lazy_gettext("Approve"),
    (Status.APPROVED, Status.PUBLISHED): lazy_gettext("Publish"),
    (Status.REJECTED, Status.SUBMITTED): lazy_gettext("Reopen"),
    (Status.DUPLICATE, Status.SUBMITTED): lazy_gettext("Reopen"),
}
_PLATFORMS = {
    Platform.WHATSAPP: "WhatsApp", Platform.FACEBOOK: "Facebook", Platform.X: "X", Platform.YOUTUBE: "YouTube",
    Platform.INSTAGRAM: "Instagram", Platform.TELEGRAM: "Telegram",
    Platform.WEB: lazy_gettext("a web page"), Platform.OTHER: lazy_gettext("somewhere else"),
}


def status_label(status: str | None) -> str:
    """A claim state in the reader's words ("in review", "समीक्षा में")."""
    try:
        return Status(status or "").label
    except ValueError:
        return _("unknown state")


def move_label(source: str, target: str) -> str:
    """The button that makes a move, saying what it does ("Send for review")."""
    label = _MOVES.get((Status(source), Status(target)))
    return str(label) if label is not None else _("Move to %(state)s", state=status_label(target))


def platform_label(platform: str | None) -> str:
    """Where a post was seen, as people name it."""
    try:
        return str(_PLATFORMS[Platform(platform or "")])
    except ValueError:
        return _("somewhere else")


def register_event_sentence(kind: str, sentence: EventSentence) -> None:
    """Say how history entries of ``kind`` read (each feature registers the kinds it records)."""
    _SENTENCES[kind] = sentence


def event_sentence(event: Event) -> Markup:
    """What happened, after the actor's name ("moved it from submitted to researching")."""
    sentence = _SENTENCES.get(event.kind)
    text = sentence(event) if sentence is not None else _("made a change")
    return escape(text)


def _transition(event: Event) -> str:
    decision = (event.data or {}).get("decision")
    if decision == "approve":
        return _("approved the rebuttal")
    if decision == "request_changes":
        return _("asked for changes to the rebuttal")
    return _("moved it from %(before)s to %(after)s", before=status_label(event.from_status),
             after=status_label(event.to_status))


def _tags(event: Event) -> str:
    data = event.data or {}
    added, removed = data.get("added") or [], data.get("removed") or []
    parts = []
    if added:
        parts.append(_("added the tags: %(tags)s", tags=", ".join(added)))
    if removed:
        parts.append(_("removed the tags: %(tags)s", tags=", ".join(removed)))
    return "; ".join(parts)


def _claims_sentences() -> None:
    register_event_sentence("filed", lambda _event: _("filed the claim"))
    register_event_sentence("transition", _transition)
    register_event_sentence("assigned", lambda event: _("changed who researches it")
                            if (event.data or {}).get("assignee_id") else _("removed the assignment"))
    register_event_sentence("priority_changed", lambda event: _("marked it as a priority")
                            if (event.data or {}).get("priority") else _("removed the priority mark"))
    register_event_sentence("tags_changed", _tags)


def init_app(app: Flask) -> None:
    """The template filters of these words, and the sentences of the claims' own history entries."""
    _claims_sentences()
    app.add_template_filter(status_label)
    app.add_template_filter(platform_label)
    app.add_template_filter(event_sentence)
    app.add_template_global(move_label)
