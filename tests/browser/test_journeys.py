"""A day's work at the desk on phones, in Hindi and in English: file a claim, triage and assign
it, draft, request changes, revise, approve by a second reviewer, publish, read the public page and
find it by a Hindi word. A screenshot of every step is kept under build/journeys/<language>/.

Selectors never rely on English words, so the same journey runs in both languages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from factcheck import close_app, create_app
from tests.browser.conftest import header_rows, next_steps
from tests.conftest import PASSWORD
from tests.httpserver import respond
from tests.live import live_server

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "build" / "journeys"
HOAX = ("<!doctype html><html lang='hi'><head><meta charset='utf-8'><title>बैंक दस दिन बंद</title></head><body>"
        "<article><h1>सभी बैंक दस दिन बंद रहेंगे</h1><p>वायरल संदेश में दावा किया गया कि सभी बैंक दस दिन बंद रहेंगे। "
        "यह संदेश तेज़ी से फैल रहा है।</p></article></body></html>")
# Controls a thumb must hit: at least 44 CSS pixels high (WCAG 2.5.5), checkboxes aside (their
# labels are the targets).
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, .button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), summary,'
    + ' .top nav a, .pager a, .facet a, .filters a'))
  .filter(el => el.offsetParent !== null)
  .map(el => [el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 30),
              el.getBoundingClientRect().height])
  .filter(([, height]) => height > 0 && height < 43.5)"""
INTERNAL_CODES = re.compile(r"\b(in_review|blocked_address|http_error|connection_error|too_many_redirects|"
                            r"unsupported_content|tags_changed|priority_changed|rebuttal_saved|snapshot_failed)\b")


@pytest.fixture
def desk_app(config, http_server) -> Iterator[tuple[Any, Any]]:
    site = http_server()
    site.route("/hoax", respond(HOAX.encode(), content_type="text/html; charset=utf-8"))
    app = create_app(config.replace(fetch_allow=frozenset({site.allow_entry}), fetch_timeout=5.0))
    yield app, site
    close_app(app)


class Journey:
    """One language's run: pages at phone size, a screenshot per step, checks on every page."""

    def __init__(self, chromium: Any, base: str, language: str) -> None:
        self.chromium, self.base, self.language = chromium, base, language
        self.folder = SHOTS / language
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.contexts: list[Any] = []

    def person(self, email: str | None) -> Any:
        from tests.browser.conftest import PHONE

        context = self.chromium.new_context(**PHONE)
        context.add_cookies([{"name": "lang", "value": self.language, "url": self.base}])
        self.contexts.append(context)
        page = context.new_page()
        if email is not None:
            page.goto(f"{self.base}/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_load_state()
        return page

    def shot(self, page: Any, name: str) -> None:
        """Save the step's screenshot and check the page: its language, no internal codes, no
        sideways scrolling at phone width."""
        self.step += 1
        page.screenshot(path=str(self.folder / f"{self.step:02d}-{name}.png"), full_page=True)
        assert page.evaluate("document.documentElement.lang") in (self.language, "hi", "en")
        text = page.inner_text("body")
        assert not INTERNAL_CODES.search(text), (name, INTERNAL_CODES.search(text))
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        assert page.evaluate(SMALL_TARGETS) == [], name
        assert header_rows(page) <= 2, (name, "the navigation wraps into a third row")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.mark.parametrize("language", ["hi", "en"])
def test_a_day_at_the_desk_on_phones(desk_app, chromium, make_user, language):
    app, site = desk_app
    volunteer = make_user("volunteer", name="Vani")
    triager = make_user("reviewer", name="Ravi")
    writer = make_user("reviewer", name="Wasim")
    approver = make_user("reviewer", name="Sita")
    jobs = app.extensions["factcheck.queue"]
    with live_server(app) as base:
        journey = Journey(chromium, base, language)
        try:
            # 1. A volunteer files the forward from her phone.
            vani = journey.person(volunteer.email)
            vani.goto(f"{base}/claims/new")
            vani.fill("#text", "*Forwarded as received*\nसभी बैंक दस दिन बंद रहेंगे, कृपया सबको बताएं 🙏")
            vani.fill("#urls", site.url("/hoax"))
            vani.select_option("#platform", "whatsapp")
            journey.shot(vani, "filing-form")
            vani.click("#claim-form button[type=submit]")
            vani.wait_for_selector("article.claim")
            claim_url = vani.url
            jobs.run_pending()  # the link is archived
            vani.reload()
            vani.wait_for_selector('.captures li[data-state="archived"]')
            journey.shot(vani, "filed")

            # 2. A reviewer triages it and assigns a writer.
            ravi = journey.person(triager.email)
            ravi.goto(claim_url)
            assert next_steps(ravi) == {"buttons": [["move-researching", True]], "cardsBefore": 0}  # main first
            ravi.select_option(".move-researching select[name=assignee]", str(writer.id))
            journey.shot(ravi, "triage")
            ravi.click(".move-researching button[type=submit]")
            ravi.wait_for_selector(".claim .status-researching")
            journey.shot(ravi, "triaged")

            # 3. The writer drafts, citing the archived page, and sends it for review.
            wasim = journey.person(writer.email)
            wasim.goto(claim_url)
            assert wasim.locator(".move-in_review").count() == 0  # no complete draft yet
            assert wasim.locator("#not-ready-in_review").count() == 1
            wasim.click("#rebuttal a.button")
            wasim.fill("#headline", "बैंक दस दिन बंद नहीं रहेंगे: वायरल दावा झूठा")
            wasim.fill("#summary", "रिज़र्व बैंक ने ऐसी कोई घोषणा नहीं की है।")
            wasim.select_option("#verdict", "False")
            wasim.fill("#body", "रिज़र्व बैंक की **छुट्टियों की सूची** में ऐसा कुछ नहीं है।")
            wasim.check("input[name=snapshot]")
            journey.shot(wasim, "draft")
            wasim.click("#rebuttal-form button[type=submit]")
            wasim.wait_for_selector(".move-in_review")
            wasim.click(".move-in_review button[type=submit]")
            wasim.wait_for_selector("#waiting-for-review")
            journey.shot(wasim, "sent-for-review")

            # 4. The triager asks for changes.
            ravi.goto(claim_url)
            ravi.fill("#review-note", "स्रोत में आरबीआई की सूची का लिंक जोड़ें")
            journey.shot(ravi, "review")
            ravi.click(".review-form button[value=request_changes]")
            ravi.wait_for_selector(".claim .status-researching")
            journey.shot(ravi, "changes-requested")

            # 5. The writer sees the request at the top of the editor, revises and resubmits.
            wasim.goto(claim_url)
            wasim.click("#rebuttal a.button")
            assert "आरबीआई की सूची" in wasim.inner_text("#changes-asked")
            journey.shot(wasim, "editor-with-request")
            wasim.fill("#body", "रिज़र्व बैंक की **छुट्टियों की सूची** में ऐसा कुछ नहीं है। सूची: rbi.org.in")
            wasim.click("#rebuttal-form button[type=submit]")
            wasim.wait_for_selector(".move-in_review")
            wasim.click(".move-in_review button[type=submit]")
            wasim.wait_for_selector("#waiting-for-review")

            # 6. A second reviewer approves; the triager publishes.
            sita = journey.person(approver.email)
            sita.goto(claim_url)
            sita.click(".review-form button[value=approve]")
            sita.wait_for_selector(".claim .status-approved")
            journey.shot(sita, "approved")
            ravi.goto(claim_url)
            ravi.click(".move-published button[type=submit]")
            ravi.wait_for_selector(".claim .status-published")
            journey.shot(ravi, "published")
            public_url = ravi.get_attribute("#rebuttal h2 a", "href")
            jobs.run_pending()  # the index learns of the fact-check

            # 7. Anyone reads the public page; the volunteer finds it by a Hindi word.
            reader = journey.person(None)
            reader.goto(public_url if public_url.startswith("http") else base + public_url)
            assert "बैंक दस दिन बंद नहीं रहेंगे" in reader.inner_text("#headline")
            journey.shot(reader, "public-page")
            vani.goto(f"{base}/search?q=छुट्टियों")
            vani.wait_for_selector("ol.results li")
            assert "बैंक दस दिन बंद नहीं रहेंगे" in vani.inner_text("ol.results")
            first = vani.locator("ol.results li").first.bounding_box()
            assert first is not None and first["y"] < 844, "the first result is on the first screen"
            journey.shot(vani, "found-by-hindi-word")
        finally:
            journey.close()
