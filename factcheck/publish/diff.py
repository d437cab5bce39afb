"""What changed between two revisions, field by field, line by line (for reviewers).

Anyone who may write a draft chooses both sides of this diff, so its cost is bounded whatever
they write: common leading and trailing lines are set aside, lines found on one side only are
plain removals or additions, and what is left goes through Myers' O((N+M)·D) algorithm with a
budget of steps. A field with more than ``MAX_LINES`` lines a side, or whose diff would take more
than ``MAX_WORK`` steps, is shown as "too large to compare" rather than computed.
``difflib.ndiff`` is not used: pairing similar lines character by character is roughly cubic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from factcheck.publish.models import Revision

MAX_LINES = 20_000  # a side; a 100,000-character body of real prose has a few thousand lines
MAX_WORK = 500_000  # steps of the edit graph: about 0.2 s of Python at worst

Line = tuple[str, str]  # (mark, text): " " same, "-" removed, "+" added


@dataclass(frozen=True)
class FieldDiff:
    """One field's change: lines marked ``" "`` (same), ``"-"`` (removed) or ``"+"`` (added).

    When ``too_large`` is set the lines were not compared: ``lines`` is empty and
    ``before_count`` / ``after_count`` say how many lines each side has.
    """

    field: str
    lines: list[Line]
    too_large: bool = False
    before_count: int = 0
    after_count: int = 0

    @property
    def changed(self) -> bool:
        return self.too_large or any(mark != " " for mark, _line in self.lines)


@dataclass(frozen=True)
class LineDiff:
    """The lines of a diff (None when it was too large to compute) and the steps it took."""

    lines: list[Line] | None
    work: int


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
        result = diff_lines(before, after)
        if result.lines is None:
            diffs.append(FieldDiff(field, [], too_large=True, before_count=len(before), after_count=len(after)))
        else:
            diffs.append(FieldDiff(field, result.lines, before_count=len(before), after_count=len(after)))
    return diffs


def diff_lines(before: Sequence[str], after: Sequence[str], *, max_lines: int = MAX_LINES,
               max_work: int = MAX_WORK) -> LineDiff:
    """A shortest line diff of ``before`` → ``after``, or ``lines=None`` past either limit.

    Within each run of changes, removed lines come before added ones. ``work`` counts the steps
    taken (lines set aside, lines indexed, edit-graph steps); it never exceeds ``max_work`` by
    more than one step.
    """
    if before == after:  # unchanged: nothing is shown, whatever the size
        return LineDiff([(" ", line) for line in before], len(before))
    if len(before) > max_lines or len(after) > max_lines:
        return LineDiff(None, 0)
    head = 0
    limit = min(len(before), len(after))
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while tail < limit - head and before[-1 - tail] == after[-1 - tail]:
        tail += 1
    old, new = before[head:len(before) - tail], after[head:len(after) - tail]
    work = head + tail + len(old) + len(new)
    # A line found on one side only is in no common subsequence: it is a plain removal or
    # addition, and leaving it out of the search changes nothing but the cost.
    ids: dict[str, int] = {}
    old_ids = [ids.setdefault(line, len(ids)) for line in old]
    new_ids = [ids.setdefault(line, len(ids)) for line in new]
    in_old, in_new = set(old_ids), set(new_ids)
    old_kept = [i for i, line in enumerate(old_ids) if line in in_new]
    new_kept = [j for j, line in enumerate(new_ids) if line in in_old]
    steps, edits = _myers([old_ids[i] for i in old_kept], [new_ids[j] for j in new_kept], max_work - work)
    work += steps
    if edits is None:
        return LineDiff(None, work)
    lines = [(" ", line) for line in before[:head]]
    lines += _merge(old, new, old_kept, new_kept, edits)
    lines += [(" ", line) for line in before[len(before) - tail:]]
    return LineDiff(lines, work)


def _myers(a: list[int], b: list[int], budget: int) -> tuple[int, list[tuple[int, int]] | None]:
    """The steps taken and the edits of a shortest path from (0, 0) to (len(a), len(b)); no
    edits (None) when the path needs more than ``budget`` steps, and then the steps stop at
    ``budget + 1``.

    The greedy forward algorithm of E. Myers (1986): for every edit count d it keeps the
    furthest point reached on each diagonal k = x - y, following each snake of equal elements.
    """
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 0, [(x, -1) for x in range(n)] + [(-1, y) for y in range(m)]
    offset = n + m + 1
    furthest = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    work = 0
    for d in range(n + m + 1):
        low, high = offset - d, offset + d  # diagonal k is at index offset + k
        for index in range(low, high + 1, 2):
            if index == low or (index != high and furthest[index - 1] < furthest[index + 1]):
                x = furthest[index + 1]
            else:
                x = furthest[index - 1] + 1
            work += 1
            if work > budget:
                return work, None
            # Follow the snake, but never past the budget: every step counts as work.
            k = index - offset
            start = x
            limit = n if n < m + k else m + k
            if limit > x + budget - work:
                limit = x + budget - work
            while x < limit and a[x] == b[x - k]:
                x += 1
            furthest[index] = x
            work += x - start
            if x >= n and x - k >= m:
                trace.append(furthest[low:high + 1:2])
                return work, _backtrack(trace, n, m)
        trace.append(furthest[low:high + 1:2])
    raise AssertionError("unreachable: d = n + m always reaches the end")


def _backtrack(trace: list[list[int]], n: int, m: int) -> list[tuple[int, int]]:
    """The edits of the path found, as (x, y) before each one: y is -1 for a removal of a[x],
    x is -1 for an addition of b[y]."""
    edits: list[tuple[int, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        previous = trace[d - 1]  # furthest x by diagonal after d - 1 edits, k = -(d-1) … d-1
        k = x - y
        down = k == -d or (k != d and previous[(k - 1 + d - 1) // 2] < previous[(k + 1 + d - 1) // 2])
        prev_k = k + 1 if down else k - 1
        prev_x = previous[(prev_k + d - 1) // 2]
        prev_y = prev_x - prev_k
        edits.append((-1, prev_y) if down else (prev_x, -1))
        x, y = prev_x, prev_y
    edits.reverse()
    return edits


def _merge(old: Sequence[str], new: Sequence[str], old_kept: list[int], new_kept: list[int],
           edits: list[tuple[int, int]]) -> list[Line]:
    """The full diff of ``old`` → ``new`` from the edits of their kept lines (indexes into
    ``old_kept`` / ``new_kept``); lines that were not kept are removals or additions."""
    removed = [True] * len(old)
    added = [True] * len(new)
    for i in range(len(old_kept)):
        removed[old_kept[i]] = False
    for j in range(len(new_kept)):
        added[new_kept[j]] = False
    for x, y in edits:
        if y == -1:
            removed[old_kept[x]] = True
        else:
            added[new_kept[y]] = True
    lines: list[Line] = []
    i = j = 0
    while i < len(old) or j < len(new):
        minus = [("-", old[p]) for p in range(i, _next_kept(removed, i))]
        plus = [("+", new[q]) for q in range(j, _next_kept(added, j))]
        lines += minus + plus
        i += len(minus)
        j += len(plus)
        if i < len(old) and j < len(new):
            lines.append((" ", old[i]))
            i += 1
            j += 1
        elif not minus and not plus:
            raise AssertionError("a common line without its pair")  # cannot happen: never loop forever
    return lines


def _next_kept(changed: list[bool], start: int) -> int:
    end = start
    while end < len(changed) and changed[end]:
        end += 1
    return end
