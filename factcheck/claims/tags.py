"""The tags the desk files claims under: short lower-case words or phrases, one spelling each.

A tag is normalised before it is stored or looked up, so that "Election 2024", "#election_2024"
and "election  2024" are one tag: NFKC (full-width letters become plain ones), invisible format
characters dropped (zero-width joiners, soft hyphens), lower case, a leading ``#`` dropped, runs
of spaces and underscores made one space. What is left may hold letters of any script with their
vowel signs (Devanagari included), digits, spaces and hyphens, at most :data:`MAX_TAG_LENGTH`
characters of it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask_babel import gettext as _

from factcheck.inputs import strip_refused, text_problem

MAX_TAG_LENGTH = 40
MAX_TAGS_PER_CLAIM = 10
_SEPARATORS = re.compile(r"[\s_]+")
_LIST_SEPARATORS = re.compile(r"[,،、\n]")  # commas (Latin, Arabic/Urdu, CJK) and line breaks


class InvalidTag(ValueError):
    """A tag the workbench will not store; the message says why, for the person who typed it."""


def normalise_tag(raw: str) -> str:
    """``raw`` in its one stored spelling, or :class:`InvalidTag` saying what is wrong with it."""
    problem = text_problem(raw)
    if problem:
        raise InvalidTag(problem)
    text = unicodedata.normalize("NFKC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _SEPARATORS.sub(" ", text.lower()).strip().lstrip("#").strip()
    if not text:
        raise InvalidTag(_("a tag cannot be empty"))
    if len(text) > MAX_TAG_LENGTH:
        raise InvalidTag(_("a tag is at most %(count)s characters", count=MAX_TAG_LENGTH))
    if not all(ch.isalnum() or ch in " -" or unicodedata.category(ch).startswith("M") for ch in text) \
            or not any(ch.isalnum() for ch in text):
        raise InvalidTag(_("a tag may hold letters, digits, spaces and hyphens only"))
    return text


def normalise_tags(raw_tags: Iterable[str]) -> list[str]:
    """Each tag of ``raw_tags`` normalised, repeats dropped, in the order given; the first bad
    one raises :class:`InvalidTag` naming it."""
    tags: list[str] = []
    for raw in raw_tags:
        try:
            tag = normalise_tag(raw)
        except InvalidTag as exc:
            raise InvalidTag(_("“%(tag)s”: %(problem)s", tag=strip_refused(raw).strip()[:MAX_TAG_LENGTH + 10],
                               problem=str(exc))) from None
        if tag not in tags:
            tags.append(tag)
    return tags


def split_tags(typed: str) -> list[str]:
    """The tags in what someone typed into one box: separated by commas or line breaks."""
    return [part for part in _LIST_SEPARATORS.split(typed) if part.strip()]
