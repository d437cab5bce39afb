"""The revision diff: correct, and bounded whatever two drafts contain (issue 9).

No clocks here: the work is counted, both by the diff's own step counter and, independently of
how the diff is written, by counting every function call made while it runs (the profiler stops
a run that goes past its allowance, so a slow algorithm fails fast instead of hanging).
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from factcheck.publish.diff import MAX_LINES, MAX_WORK, FieldDiff, LineDiff, diff_lines, revision_diff
from factcheck.publish.models import Revision
from factcheck.publish.operations import MAX_BODY


class TooMuchWork(Exception):
    pass


def call_counted(allowance: int, function: Callable[..., Any], *args: Any) -> tuple[Any, int]:
    """Run ``function(*args)`` counting every Python and C call it makes; stop past ``allowance``."""
    calls = 0

    def profile(_frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1
            if calls > allowance:
                sys.setprofile(None)
                raise TooMuchWork(f"more than {allowance:,} calls")

    sys.setprofile(profile)
    try:
        result = function(*args)
    finally:
        sys.setprofile(None)
    return result, calls


def body_lines(count: int, width: int = 60, seed: int = 1) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice("abcdefghij ") for _ in range(width)) for _ in range(count)]


def rebuilt(lines: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    return [text for mark, text in lines if mark in " -"], [text for mark, text in lines if mark in " +"]


def lcs_length(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    return table[0][0]


def numbered(count: int) -> list[str]:
    return [f"line {i:05d}" for i in range(count)]


def symbols(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return [rnd.choice("ab") for _ in range(count)]


def fits_a_body(lines: list[str]) -> list[str]:
    assert len("\n".join(lines)) <= MAX_BODY
    return lines


# The worst pairs of bodies a 100,000-character draft allows, by what they defeat.
WORST = {
    # issue 9's report: a few hundred slightly different lines (difflib.ndiff: about a minute)
    "slightly different lines": (body_lines(300), [line[:-1] + "Z" for line in body_lines(300)]),
    # every line common but in the opposite order: the longest edit script for its size
    "reversed": (fits_a_body(numbered(9000)), fits_a_body(numbered(9000)[::-1])),
    "shuffled": (fits_a_body(numbered(2000)), fits_a_body(random.Random(3).sample(numbered(2000), 2000))),
    # two symbols: everything matches something, nothing lines up
    "two symbols": (fits_a_body(symbols(MAX_LINES, seed=4)), fits_a_body(symbols(MAX_LINES, seed=5))),
    "shifted pattern": (fits_a_body(["a", "b", "c"] * (MAX_LINES // 3)),
                        fits_a_body(["c", "b", "a"] * (MAX_LINES // 3))),
    # more lines than the cap: refused before any comparison
    "blank lines": ([""] * 49_000 + ["x"], ["x"] + [""] * 49_000),
    "two symbols, many lines": (fits_a_body(symbols(45_000, seed=6)), fits_a_body(symbols(45_000, seed=7))),
}


def bounded_diff(before: list[str], after: list[str]) -> LineDiff:
    """``diff_lines``, allowed a fixed number of calls per line however it is written."""
    result, _calls = call_counted(20 * (len(before) + len(after)) + 10_000, diff_lines, before, after)
    return result


@pytest.mark.parametrize("name", WORST)
def test_the_worst_bodies_are_diffed_or_refused_within_the_budget(name: str) -> None:
    before, after = WORST[name]
    result = bounded_diff(before, after)
    assert result.work <= MAX_WORK + 1
    if result.lines is not None:
        assert rebuilt(result.lines) == (before, after)


def test_slightly_different_lines_are_shown_in_full() -> None:
    before, after = WORST["slightly different lines"]
    result = bounded_diff(before, after)
    assert result.lines == [("-", line) for line in before] + [("+", line) for line in after]
    assert result.work <= 4 * (len(before) + len(after))


def test_past_the_work_budget_the_diff_is_too_large() -> None:
    before, after = WORST["reversed"]
    assert bounded_diff(before, after).lines is None
    small = numbered(40)
    assert diff_lines(small, small[::-1]).lines is not None
    assert diff_lines(small, small[::-1], max_work=100).lines is None


def test_past_the_line_cap_the_diff_is_too_large() -> None:
    many = ["x"] * (MAX_LINES + 1)
    assert diff_lines(many, many[:-1]).lines is None
    assert diff_lines(many, list(many)).lines == [(" ", "x")] * len(many)  # unchanged: nothing to compare


def test_a_change_in_a_long_body_costs_its_length_not_its_square() -> None:
    before = numbered(9000)
    after = before[:4000] + ["a new line"] + before[4001:]
    result = bounded_diff(before, after)
    assert result.lines is not None
    assert [entry for entry in result.lines if entry[0] != " "] == [("-", "line 04000"), ("+", "a new line")]
    assert result.work <= 3 * (len(before) + len(after))


def test_removed_lines_come_before_added_ones_in_each_change() -> None:
    result = diff_lines(["a", "b", "c", "d"], ["a", "x", "c", "y", "z"])
    assert result.lines == [(" ", "a"), ("-", "b"), ("+", "x"), (" ", "c"), ("-", "d"), ("+", "y"), ("+", "z")]


LINES = st.lists(st.sampled_from(["a", "b", "c", "", "a b", "कांग्रेस"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(LINES, LINES)
def test_the_diff_rebuilds_both_sides_and_is_shortest(before: list[str], after: list[str]) -> None:
    result = diff_lines(before, after)
    assert result.lines is not None
    assert rebuilt(result.lines) == (before, after)
    assert sum(mark == " " for mark, _ in result.lines) == lcs_length(before, after)
    changes = "".join(mark for mark, _ in result.lines)
    assert "+-" not in changes  # within a run of changes, removals first


@settings(max_examples=200, deadline=None)
@given(LINES, LINES, st.integers(min_value=0, max_value=60))
def test_a_small_budget_gives_a_right_answer_or_none(before: list[str], after: list[str], budget: int) -> None:
    result = diff_lines(before, after, max_work=budget)
    if result.lines is None:
        assert result.work > budget
    else:
        assert rebuilt(result.lines) == (before, after)


def revision(body: str, headline: str = "Headline") -> Revision:
    return Revision(headline=headline, summary="Summary", body=body, verdict="False")


def test_revision_diff_flags_a_field_too_large_with_its_line_counts() -> None:
    before, after = WORST["reversed"]
    diffs, _calls = call_counted(1_000_000, revision_diff, revision("\n".join(before)), revision("\n".join(after)))
    diffs = {d.field: d for d in diffs}
    body = diffs["body"]
    assert body.too_large and body.changed and body.lines == []
    assert (body.before_count, body.after_count) == (len(before), len(after))
    assert not diffs["headline"].changed and not diffs["headline"].too_large


def test_revision_diff_of_ordinary_edits() -> None:
    diffs = {d.field: d for d in revision_diff(revision("one\ntwo", headline="Old"),
                                               revision("one\n2", headline="New"))}
    assert diffs["headline"].lines == [("-", "Old"), ("+", "New")]
    assert diffs["body"] == FieldDiff("body", [(" ", "one"), ("-", "two"), ("+", "2")], before_count=2,
                                      after_count=2)
    assert not diffs["summary"].changed


# -- through the app -------------------------------------------------------------------------------


@pytest.fixture
def drafted(make_claim, desk, api_client):
    """A claim with a rebuttal draft by the writer; returns a function saving another revision."""
    claim = make_claim(draft_by=desk["writer"])
    writer = api_client(desk["writer"])
    snapshot_id = writer.get(f"/api/claims/{claim.id}").json["sources"][0]["snapshots"][0]["id"]

    def save(body: str) -> None:
        response = writer.put(f"/api/claims/{claim.id}/rebuttal", json={
            "headline": "No, the moon is not made of cheese", "summary": "The viral post is false.",
            "body": body, "verdict": "False", "sources": [{"snapshot_id": snapshot_id}]})
        assert response.status_code == 200, response.json

    return claim.id, save


def test_the_revisions_page_of_worst_case_drafts_answers(drafted, desk, browser) -> None:
    claim_id, save = drafted
    before, after = WORST["reversed"]
    save("\n".join(before))
    save("\n".join(after))
    reviewer = browser(desk["reviewer"])
    page, _calls = call_counted(1_000_000, reviewer.get, f"/claims/{claim_id}/rebuttal/revisions?from=2&to=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"Too large to compare: {len(before)} lines before, {len(after)} lines after." in html
    assert "line 04500" not in html  # the lines were not listed


def test_the_revisions_page_shows_slightly_different_lines(drafted, desk, browser) -> None:
    claim_id, save = drafted
    before, after = WORST["slightly different lines"]
    save("\n".join(before))
    save("\n".join(after))
    reviewer = browser(desk["reviewer"])
    page, _calls = call_counted(1_000_000, reviewer.get, f"/claims/{claim_id}/rebuttal/revisions?from=2&to=3")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('<span class="del">') == len(before) and html.count('<span class="add">') == len(after)
