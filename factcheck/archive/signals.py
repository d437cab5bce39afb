"""What the archive asks of the features built on it (blinker signals)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

snapshot_readable = _signals.signal("snapshot-readable")
"""Asked with a snapshot and ``actor`` (maybe anonymous): True when a feature above lets the
actor read it (publish: a published fact-check cites it)."""

snapshot_archived = _signals.signal("snapshot-archived")
"""Sent with a snapshot whose capture just succeeded, before that is committed (images: its
pictures are collected once it commits)."""
