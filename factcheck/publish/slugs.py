"""Slugs for public fact-check URLs, readable in every script.

A slug keeps letters, combining marks and digits of any script (so a Devanagari word keeps its
vowel signs and virama and stays whole), lower-cases what has case, and joins words with hyphens.
Everything else separates words. The result is NFC, so the same headline always gives the same
slug, and percent-encodes cleanly (Flask's ``url_for`` does that).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

FALLBACK_SLUG = "fact-check"
MAX_SUFFIX = 10_000
_VIRAMA = 9  # the canonical combining class of Indic viramas (halant)
# Apostrophes join a word rather than split it: "don't" gives "dont", not "don-t".
_JOINERS = frozenset("'’ʼ`´")


def slugify(headline: str, max_length: int = 80) -> str:
    """A stable, URL-safe slug of at most ``max_length`` characters; never empty."""
    if max_length < len(FALLBACK_SLUG):
        raise ValueError(f"max_length must be at least {len(FALLBACK_SLUG)}")
    text = unicodedata.normalize("NFC", headline).lower()
    words: list[str] = []
    current: list[str] = []
    for char in text:
        if _is_word_char(char, continuing=bool(current)):
            current.append(char)
        elif char not in _JOINERS and current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    slug = _truncate("-".join(words), max_length)
    # lower() can decompose (e.g. "İ"), so normalise again after changing case.
    return unicodedata.normalize("NFC", slug) or FALLBACK_SLUG


def unique_slug(base: str, taken: Callable[[str], bool], max_length: int = 80) -> str:
    """``base``, or ``base-2``, ``base-3``… : the first that ``taken`` says is free."""
    if not taken(base):
        return base
    for number in range(2, MAX_SUFFIX):
        suffix = f"-{number}"
        candidate = _truncate(base, max_length - len(suffix)) + suffix
        if not taken(candidate):
            return candidate
    raise RuntimeError(f"no free slug for {base!r} after {MAX_SUFFIX} tries")


def _truncate(slug: str, max_length: int) -> str:
    """Cut at a hyphen when one is near enough, never inside a letter and its combining marks."""
    if len(slug) <= max_length:
        return slug
    cut = slug.rfind("-", 0, max_length + 1)
    if cut < max_length // 2:
        cut = max_length
        # Back off over combining marks and across a virama, which joins the next consonant.
        while cut > 0 and (_is_mark(slug[cut]) or unicodedata.combining(slug[cut - 1]) == _VIRAMA):
            cut -= 1
    return slug[:cut].strip("-")


def _is_word_char(char: str, *, continuing: bool) -> bool:
    category = unicodedata.category(char)
    if category[0] == "M":
        return continuing  # a mark with no letter before it is stray: drop it
    return category[0] == "L" or category in ("Nd", "Nl")


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"
