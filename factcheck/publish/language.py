"""The language a fact-check is written in, which is not always the claim's.

A Hindi forward may be answered in English, and an English post in Hindi. The fact-check's
language decides the words around it on its page, its card, feed entry and share text, whatever
the reader's own language; it can only be one the site has words for (:data:`PUBLISHING_LANGUAGES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import force_locale

from factcheck.i18n import LOCALES, language_name

PUBLISHING_LANGUAGES: tuple[str, ...] = LOCALES
FALLBACK_LANGUAGE = "en"
# Open Graph wants language_TERRITORY; the desk publishes for readers in India.
OPEN_GRAPH_TERRITORY = "IN"


def publishing_language(code: str | None) -> str | None:
    """The publishing language a language tag names (``hi``, ``HI``, ``hi-IN`` → ``hi``), or None."""
    primary = (code or "").strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in PUBLISHING_LANGUAGES else None


def default_language(claim_language: str | None) -> str:
    """A new rebuttal's language: its claim's, when the site speaks it, else English."""
    return publishing_language(claim_language) or FALLBACK_LANGUAGE


def language_choices() -> list[tuple[str, str]]:
    """(code, name) of every language a fact-check may be published in."""
    return [(code, language_name(code)) for code in PUBLISHING_LANGUAGES]


def open_graph_locale(language: str) -> str:
    """The ``og:locale`` of a fact-check in ``language``: ``hi_IN``, ``en_IN``."""
    return f"{language}_{OPEN_GRAPH_TERRITORY}"


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Translate everything inside the block (``gettext``, templates) into ``language``.

    Works in any app context, a job's included; outside one, words stay in English.
    """
    with force_locale(language):
        yield
