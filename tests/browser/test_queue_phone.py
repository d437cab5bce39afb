"""The queue on a phone: select claims, bulk-assign them, and find them among the assignee's claims.

(It lives with the browser tests, whose Chromium is one per session; the rest of the queue's tests
are in tests/claims/test_queue.py.)"""

from __future__ import annotations

import re

import pytest

from factcheck import db
from factcheck.claims.models import Claim
from tests.browser.test_phone import login, no_horizontal_scroll

pytestmark = pytest.mark.browser


def assignee_of(app, claim_id: int) -> int | None:
    with app.app_context():
        return db.session().get(Claim, claim_id).assignee_id


def test_select_claims_and_bulk_assign_on_a_phone(app, server, phone, make_user, make_claim, tmp_path):
    reviewer = make_user("reviewer", name="Ravi Reviewer")
    writer = make_user("volunteer", name="Vani Volunteer")
    earlier = make_claim("Vani's earlier work", assignee=writer, status="researching")
    claims = [make_claim(f"फॉरवर्ड किया गया: दावा {i} " + "लंबा पाठ " * 20) for i in range(3)]
    page = phone()
    login(page, server, reviewer.email)
    page.goto(f"{server}/claims")
    page.wait_for_selector("h1:has-text('Queue')")
    assert no_horizontal_scroll(page)
    page.screenshot(path=str(tmp_path / "queue.png"))
    # The selection boxes are big enough to tap; the script shows only the field the action needs.
    box = page.locator("label.select-claim").first.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    assert page.is_hidden("#bulk-tag")
    page.locator(f"label.select-claim:has(input[value='{claims[0].id}'])").tap()
    page.locator(f"label.select-claim:has(input[value='{claims[2].id}'])").tap()
    assert page.inner_text(".selected-count") == "(2 selected)"
    page.select_option("#bulk-action", "assign")
    assert page.is_visible("#bulk-assignee") and page.is_hidden("#bulk-tag")
    page.select_option("#bulk-assignee", str(writer.id))
    page.screenshot(path=str(tmp_path / "selected.png"))
    page.click("button:has-text('Apply')")
    page.wait_for_selector("h1:has-text('What happened')")
    assert no_horizontal_scroll(page)
    assert page.inner_text(".bulk-summary").startswith("2 claims changed")
    assert page.locator("text=assigned to Vani Volunteer").count() == 2
    page.screenshot(path=str(tmp_path / "result.png"))
    page.click("text=Back to the queue")
    page.wait_for_selector("h1:has-text('Queue')")
    assert page.locator("text=assigned to Vani Volunteer").count() == 2
    assert [assignee_of(app, c.id) for c in claims] == [writer.id, None, writer.id]

    # Vani sees them among her claims.
    mine = phone()
    login(mine, server, writer.email)
    mine.goto(f"{server}/claims/mine")
    assert {int(n) for n in re.findall(r"#(\d+)", mine.inner_text("ol.claims"))} == {
        earlier.id, claims[0].id, claims[2].id}
    assert no_horizontal_scroll(mine)
