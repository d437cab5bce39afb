"""What publishing tells the features built on it (blinker signals)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

fact_check_corrected = _signals.signal("fact-check-corrected")
"""Sent with the claim after a correction of its published fact-check, with ``actor`` and the
correction's audit ``event`` (flushed, in the correcting transaction)."""
