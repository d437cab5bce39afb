"""The claim page shows each link's capture go from pending to archived without a reload, and the
capture time it shows live is the one the server shows: in the person's zone and language, with the
UTC value kept in <time datetime> (the accounts tests cover the server side)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from factcheck import close_app, create_app
from factcheck.jobs import BackgroundWorker
from tests.browser.test_phone import login
from tests.httpserver import respond

pytestmark = pytest.mark.browser


@pytest.fixture
def site(http_server):
    return http_server()


@pytest.fixture
def app(config: Any, site: Any) -> Iterator[Any]:
    application = create_app(config.replace(fetch_allow=frozenset({site.allow_entry})))
    worker = BackgroundWorker(application.extensions["factcheck.queue"], workers=1)
    worker.start()
    yield application
    worker.stop()
    close_app(application)


def test_capture_state_updates_live(server, phone, make_user, site):
    def slow_page(request, channel):
        channel.wait(3.0)  # long enough for the page to show "pending" first
        respond(b"<html><head><title>Slow hoax page</title></head><body><p>text</p></body></html>")(request, channel)

    site.route("/slow", slow_page)
    site.route("/missing", respond(b"gone", status=404))
    page = phone()
    login(page, server, make_user("volunteer").email)
    page.goto(f"{server}/claims/new")
    page.fill("#urls", f"{site.url('/slow')}\n{site.url('/missing')}")
    page.select_option("#platform", "web")
    page.click("button:has-text('File the claim')")
    page.wait_for_selector("text=filed the claim")
    first_load = page.evaluate("performance.getEntriesByType('navigation')[0].startTime")
    assert page.locator('.captures li[data-state="pending"]').count() >= 1

    page.wait_for_selector('.captures li[data-state="archived"]', timeout=30_000)
    page.wait_for_selector('.captures li[data-state="failed"]', timeout=30_000)
    assert "Slow hoax page" in page.inner_text(".sources")
    assert "the page was not found (404)" in page.inner_text(".sources").lower()
    assert page.evaluate("performance.getEntriesByType('navigation')[0].startTime") == first_load


def normal_spaces(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


@pytest.mark.parametrize("locale", ["en", "hi"])
def test_a_capture_that_arrives_live_shows_its_time_as_the_server_would(server, phone, make_user, site, locale):
    def slow_page(request, channel):
        channel.wait(2.5)  # long enough for the page to show "pending" first
        respond(b"<html><head><title>Slow hoax page</title></head><body><p>text</p></body></html>")(request, channel)

    site.route("/slow", slow_page)
    user = make_user("volunteer", timezone="Asia/Kolkata", locale=locale)
    page = phone()
    login(page, server, user.email)
    page.goto(f"{server}/claims/new")
    page.fill("#urls", site.url("/slow"))
    page.select_option("#platform", "web")
    page.click("button[type=submit].primary")
    page.wait_for_selector('.captures li[data-state="pending"]')
    page.wait_for_selector('.captures li[data-state="archived"] .capture-detail time', timeout=30_000)
    live = page.locator(".capture-detail time")
    live_values = (live.get_attribute("datetime"), live.get_attribute("data-zone"), normal_spaces(live.inner_text()))
    assert live_values[0].endswith("Z") and live_values[1] == "Asia/Kolkata"

    page.reload()
    served = page.locator(".capture-detail time")
    assert (served.get_attribute("datetime"), served.get_attribute("data-zone"),
            normal_spaces(served.inner_text())) == live_values
