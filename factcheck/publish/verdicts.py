"""The verdict scale of SPEC §2: each verdict's ClaimReview rating, from 1 (worst) to 5 (best)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

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


def is_verdict(name: str) -> bool:
    """Whether ``name`` is on the scale."""
    return find_verdict(name) is not None


def rating_of(name: str) -> int:
    """The ClaimReview ``ratingValue`` of a verdict (1 worst to 5 best)."""
    return get_verdict(name).rating
