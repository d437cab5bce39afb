"""What the claims feature tells the features built on it, and what it asks of them.

Claims is the lowest feature: archive, publish and search build on it and never the other way.
Where claims needs something from above (capture a claim's links, show its rebuttal or the
claims like it, know its draft), it sends one of these blinker signals and the higher feature,
connected in its ``init_app``, answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from blinker import Namespace, Signal
from markupsafe import Markup

_signals = Namespace()

claim_filed = _signals.signal("claim-filed")
"""Sent with the new claim (flushed, in the filing's transaction) and ``actor``."""

claim_moved = _signals.signal("claim-moved")
"""Sent with the claim after a move, with ``actor`` and the move's audit ``event``."""

draft_of = _signals.signal("draft-of")
"""Asked with a claim: a :class:`Draft` describing its rebuttal draft, or None."""

claim_panels = _signals.signal("claim-panels")
"""Asked with a claim and ``actor`` on the claim page: :class:`Panel`s to show, or None."""

claim_details = _signals.signal("claim-details")
"""Sent with a claim, ``actor`` and ``data`` (the API's dict of it, detailed): receivers add
their part (a source's snapshots, the rebuttal)."""

similar_claims = _signals.signal("similar-claims")
"""Asked with a claim and ``actor``: the claims and fact-checks like it, each a dict."""


@dataclass(frozen=True)
class Draft:
    """What the lifecycle needs to know about a claim's rebuttal draft."""

    writers: frozenset[int]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Panel:
    """A section of the claim page that a feature above claims renders; lower ``order`` first."""

    order: int
    html: Markup


def answers(signal: Signal, sender: Any, **kwargs: Any) -> list[Any]:
    """The non-None return values of ``signal``'s receivers (Indico's values_from_signal)."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value is not None]


def flattened(values: Sequence[Any]) -> list[Any]:
    """Answers that are lists, joined into one list."""
    return [item for value in values for item in (value if isinstance(value, list | tuple) else [value])]
