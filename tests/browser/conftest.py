"""Headless Chromium (Debian's) driven by Playwright, against the app on a real local server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live import live_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "user_agent": "Mozilla/5.0 (Linux; Android 14) Mobile FactcheckTest"}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make system-deps installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    with live_server(app) as base_url:
        yield base_url


@pytest.fixture
def phone(chromium: Any) -> Any:
    """A factory of phone-sized browser pages, one fresh context (cookies) each."""
    contexts = []

    def open_page() -> Any:
        context = chromium.new_context(**PHONE)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# The rows of text the page's top bar takes: the line boxes of its visible text, grouped by height
# on the page (a link whose words wrap counts twice; the closed menu counts not at all).
HEADER_ROWS = """() => {
  const walker = document.createTreeWalker(document.querySelector("header.top"), NodeFilter.SHOW_TEXT);
  const lines = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!node.textContent.trim() || element.closest("details:not([open]) > :not(summary)")
        || !element.checkVisibility()) { continue; }
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const box of range.getClientRects()) {
      if (box.width > 0 && box.height > 0) { lines.push([box.top, box.bottom]); }
    }
  }
  lines.sort((a, b) => a[0] - b[0]);
  let rows = 0, bottom = -Infinity;
  for (const [top, end] of lines) {
    if (top >= bottom - 2) { rows += 1; bottom = end; } else { bottom = Math.max(bottom, end); }
  }
  return rows;
}"""

# The claim page's next steps as a thumb meets them: each visible button of the "next steps" card,
# top to bottom (its move, whether it is the primary one), and whether that card comes before every
# other card below the claim.
NEXT_STEPS = """() => {
  const card = document.querySelector("section.actions");
  if (!card) { return null; }
  const buttons = Array.from(card.querySelectorAll("button")).filter(b => b.checkVisibility())
    .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
    .map(b => [b.closest("form").className.replace("move ", ""), b.classList.contains("primary")]);
  const top = card.getBoundingClientRect().top;
  const before = Array.from(document.querySelectorAll("main > section.card"))
    .filter(c => c !== card && c.offsetParent !== null && c.getBoundingClientRect().top < top).length;
  return {buttons: buttons, cardsBefore: before};
}"""


def header_rows(page: Any) -> int:
    """How many rows of text the top bar (brand and navigation) takes."""
    return int(page.evaluate(HEADER_ROWS))


def next_steps(page: Any) -> dict[str, Any] | None:
    """The claim page's visible move buttons in order, and how many cards come before them."""
    return page.evaluate(NEXT_STEPS)
