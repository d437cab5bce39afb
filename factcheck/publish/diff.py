"""What changed between two revisions, field by field, line by line (for reviewers)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from factcheck.publish.models import Revision


@dataclass(frozen=True)
class FieldDiff:
    """One field's change: lines marked ``" "`` (same), ``"-"`` (removed) or ``"+"`` (added)."""

    field: str
    lines: list[tuple[str, str]]

    @property
    def changed(self) -> bool:
        return any(mark != " " for mark, _line in self.lines)


def _field_lines(revision: Revision, field: str) -> list[str]:
    if field == "sources":
        return [f"{s.url} (snapshot {s.id})" for s in revision.snapshots]
    value = getattr(revision, field) or ""
    return value.splitlines() or ([""] if field != "body" else [])


def revision_diff(old: Revision, new: Revision) -> list[FieldDiff]:
    """The line diff of every field between ``old`` and ``new`` (unchanged fields included)."""
    diffs = []
    for field in ("headline", "summary", "verdict", "body", "sources", "correction_note"):
        before, after = _field_lines(old, field), _field_lines(new, field)
        lines = [(entry[0], entry[2:]) for entry in difflib.ndiff(before, after) if not entry.startswith("?")]
        diffs.append(FieldDiff(field, lines))
    return diffs
