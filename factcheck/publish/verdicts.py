"""The verdict scale of SPEC §2: each verdict's ClaimReview rating, from 1 (worst) to 5 (best),
and its label in the reader's language.

A verdict's ``name`` is canonical: ClaimReview's ``alternateName``, the API and the database use
it in English, so the scale reads the same to every machine. People read :func:`verdict_label`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from flask_babel import pgettext

from factcheck.publish.language import speaking

WORST_RATING = 1
BEST_RATING = 5


class Severity(IntEnum):
    """How bad a verdict is for the claim, which decides its colour on a share card."""

    FALSE = 1
    MISLEADING = 2
    UNCLEAR = 3
    TRUE = 5


@dataclass(frozen=True)
class Verdict:
    """One verdict: its name (ClaimReview ``alternateName``) and its ``ratingValue``."""

    name: str
    rating: int

    @property
    def severity(self) -> Severity:
        return Severity(self.rating)


VERDICTS: tuple[Verdict, ...] = (
    Verdict("False", 1),
    Verdict("Misleading", 2),
    Verdict("Partly false", 2),
    Verdict("Missing context", 3),
    Verdict("Unproven", 3),
    Verdict("True", 5),
)
VERDICT_NAMES: tuple[str, ...] = tuple(verdict.name for verdict in VERDICTS)

_BY_KEY = {verdict.name.casefold(): verdict for verdict in VERDICTS}


class UnknownVerdict(ValueError):
    """A verdict name that is not on the scale."""


def find_verdict(name: str) -> Verdict | None:
    """The verdict called ``name`` (case and surrounding spaces ignored), or None."""
    return _BY_KEY.get(" ".join(name.split()).casefold())


def get_verdict(name: str) -> Verdict:
    """The verdict called ``name``; raise :class:`UnknownVerdict` naming the allowed ones."""
    verdict = find_verdict(name)
    if verdict is None:
        raise UnknownVerdict(f"unknown verdict {name!r}; expected one of {', '.join(VERDICT_NAMES)}")
    return verdict


def verdict_label(verdict: Verdict | str, language: str | None = None) -> str:
    """The verdict as readers read it, in ``language`` (default: the current page's language).

    A name that is not on the scale is returned as it is.
    """
    name = verdict.name if isinstance(verdict, Verdict) else verdict
    known = find_verdict(name)
    if known is None:
        return name
    if language is None:
        return _labels()[known.name]
    with speaking(language):
        return _labels()[known.name]


def _labels() -> dict[str, str]:
    # Literal pgettext calls, so that `make translations` collects each label; the "verdict"
    # context tells translators what they are, and keeps them apart from a plain yes/no.
    return {
        "False": pgettext("verdict", "False"),
        "Misleading": pgettext("verdict", "Misleading"),
        "Partly false": pgettext("verdict", "Partly false"),
        "Missing context": pgettext("verdict", "Missing context"),
        "Unproven": pgettext("verdict", "Unproven"),
        "True": pgettext("verdict", "True"),
    }
