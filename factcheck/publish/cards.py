"""A published fact-check's share card, in its language, drawn once and kept on disk.

A card is named after its revision and a digest of every word drawn on it, so a correction, a
new translation of the verdict or a renamed site draws a new card instead of serving a stale one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask_babel import gettext as _

from factcheck.publish.language import speaking
from factcheck.publish.models import Rebuttal
from factcheck.publish.share_card import render_share_card
from factcheck.publish.verdicts import verdict_label
from factcheck.storage import write_atomically
from factcheck.urls import site_name


def share_card_png(rebuttal: Rebuttal, folder: Path) -> bytes:
    """The PNG card of the rebuttal's current revision, from ``folder`` or drawn into it."""
    revision = rebuttal.current
    if revision is None:
        raise ValueError("a rebuttal without a revision has no card")
    language = rebuttal.language
    with speaking(language):
        label = verdict_label(revision.verdict or "")
        kicker = _("Fact check")
    words = (revision.headline, revision.verdict or "", label, kicker, site_name(), language)
    digest = hashlib.sha256("\x1f".join(words).encode()).hexdigest()[:16]
    path = folder / f"{rebuttal.id}-{revision.number}-{digest}.png"
    if not path.is_file():
        write_atomically(path, render_share_card(revision.headline, revision.verdict or "", site_name(),
                                                 language=language, label=label, kicker=kicker))
    return path.read_bytes()
