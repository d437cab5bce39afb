"""A volunteer files a claim from a phone; a reviewer triages it; the history shows both."""

from __future__ import annotations

import pytest

from tests.browser.conftest import header_rows, next_steps
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def login(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_file_on_a_phone_then_triage(server, phone, make_user, tmp_path):
    volunteer = make_user("volunteer", name="Vani")
    reviewer = make_user("reviewer", name="Ravi")

    page = phone()
    login(page, server, volunteer.email)
    page.click("text=File a claim")
    page.wait_for_selector("#claim-form")
    assert no_horizontal_scroll(page)
    assert header_rows(page) <= 2, "the navigation wraps into a third row"
    page.fill("#text", "*Forwarded as received*\nकल से सभी बैंक 10 दिन बंद रहेंगे 🙏")
    page.fill("#urls", "https://example.com/banks?utm_source=whatsapp")
    page.select_option("#platform", "whatsapp")
    page.screenshot(path=str(tmp_path / "form.png"), full_page=True)
    page.click("button:has-text('File the claim')")
    page.wait_for_selector("text=filed the claim")
    assert "कल से सभी बैंक 10 दिन बंद रहेंगे" in page.inner_text("blockquote")
    assert page.inner_text(".source-url") == "https://example.com/banks"
    assert no_horizontal_scroll(page)
    claim_url = page.url

    desk = phone()
    login(desk, server, reviewer.email)
    desk.wait_for_selector("h1:has-text('Queue')")
    desk.click("ol.claims a")
    desk.wait_for_selector("section.actions")
    assert desk.url == claim_url
    assert header_rows(desk) <= 2, "the navigation wraps into a third row"
    # The main action first, the only primary one; rejecting or marking a duplicate is one tap further.
    assert next_steps(desk) == {"buttons": [["move-researching", True]], "cardsBefore": 0}
    desk.fill(".move-researching textarea[name=note]", "Checking with the banks")
    desk.click(".move-researching button")
    desk.wait_for_selector("text=moved it from submitted to researching")
    assert no_horizontal_scroll(desk)

    page.reload()
    history = page.inner_text(".history")
    assert "Vani" in history and "filed the claim" in history
    assert "Ravi" in history and "moved it from submitted to researching" in history
    assert "Checking with the banks" not in history, "the desk's note is internal"
    assert "Checking with the banks" in desk.inner_text(".history")
    assert page.inner_text(".claim .status") == "RESEARCHING"


def test_form_errors_are_readable_on_a_phone(server, phone, make_user):
    volunteer = make_user("volunteer")
    page = phone()
    login(page, server, volunteer.email)
    page.goto(f"{server}/claims/new")
    page.fill("#urls", "javascript:alert(document.cookie)")
    page.select_option("#platform", "x")
    page.click("button:has-text('File the claim')")
    error = page.wait_for_selector("#urls-error")
    assert "http" in error.inner_text()
    assert page.get_attribute("#urls", "aria-invalid") == "true"
    assert no_horizontal_scroll(page)
