"""The claim page shows each link's capture go from pending to archived without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from factcheck import create_app, db
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
    application.extensions[db.EXTENSION_KEY].dispose()


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
    assert "http_error" in page.inner_text(".sources")
    assert page.evaluate("performance.getEntriesByType('navigation')[0].startTime") == first_load
