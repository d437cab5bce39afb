"""What the images feature tells the features built on it (blinker signals)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

text_read = _signals.signal("image-text-read")
"""Sent with an image whose OCR text changed, with the ``claim_ids`` and ``snapshot_ids`` it
appears in (in the job's transaction): search re-indexes them."""
