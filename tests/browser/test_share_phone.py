"""From Android's share sheet to a filed claim, at phone size (issue 12): the share target posted
to as Android posts it, the form prefilled, links found as text is pasted, a 12 MB camera photo
shrunk by the page so that it files, and a service worker that keeps nothing private."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from factcheck import db
from factcheck.claims.models import Claim
from tests.browser.conftest import PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FORWARD = ("*Forwarded as received*\nकल से सभी बैंक 10 दिन बंद रहेंगे 🙏 पूरी खबर: "
           "https://example.com/banks?utm_source=whatsapp और bit.ly/bank-hoax👇")
FORWARD_LINKS = ["https://example.com/banks", "https://bit.ly/bank-hoax"]
DEVANAGARI = re.compile("[\u0900-\u097f]")

# A page posting the way Android posts to a Web Share Target: a multipart form, no CSRF token.
SHARE = """(args) => {
  const form = document.createElement("form");
  form.method = "POST";
  form.enctype = "multipart/form-data";
  form.action = args.action;
  for (const [name, value] of Object.entries(args.fields)) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = name; input.value = value;
    form.appendChild(input);
  }
  const file = document.createElement("input");
  file.type = "file"; file.name = "image"; file.id = "shared-file";
  form.appendChild(file);
  document.body.appendChild(form);
}"""


def login(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def share_like_android(page, base_url: str, fields: dict[str, str], image: Path | None) -> None:
    """Build the share sheet's POST in the page that is open, attach ``image`` and send it."""
    page.evaluate(SHARE, {"action": f"{base_url}/claims/share", "fields": fields})
    if image is not None:
        page.set_input_files("#shared-file", str(image))
    with page.expect_navigation():
        page.evaluate("document.querySelector('#shared-file').form.submit()")


def write_image(path: Path, size: tuple[int, int], noise: bool = False, quality: int = 90) -> Path:
    image = (Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise
             else Image.new("RGB", size, "#cc3333"))
    image.save(path, "JPEG", quality=quality)
    return path


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def the_claim(app) -> Claim:
    with app.app_context():
        claim = db.session().scalars(select(Claim)).one()
        claim.sources, claim.screenshot  # noqa: B018 - loaded while the session is open
        return claim


@pytest.fixture
def page_errors():
    """JavaScript errors (a script refused by the CSP, a broken handler) and failed loads seen by
    the pages given; but the favicon a browser asks for on a JSON answer."""
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"{message.text} ({message.location.get('url')})")

    def watch(page):
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", console)
        return page

    watch.errors = errors
    return watch


def page_language(page) -> str:
    return page.evaluate("document.documentElement.lang")


@pytest.mark.parametrize("language", ["hi", "en"])
def test_a_share_prefills_the_form_and_a_12_mb_photo_files_at_phone_size(app, server, phone, make_user, tmp_path,
                                                                         page_errors, language):
    """In each language of the desk; the steps are found by their ids, never by English words."""
    from playwright.sync_api import expect

    volunteer = make_user("volunteer")
    page = page_errors(phone())
    page.context.add_cookies([{"name": "lang", "value": language, "url": server}])
    login(page, server, volunteer.email)
    share_like_android(page, server, {"title": "", "text": FORWARD, "url": ""},
                       write_image(tmp_path / "IMG-WA0001.jpg", (480, 640)))

    assert "/claims/new?shared=" in page.url
    assert page_language(page) == language
    button = page.locator("#claim-form button[type=submit]")
    assert bool(DEVANAGARI.search(button.inner_text())) == (language == "hi")
    assert page.input_value("#text") == FORWARD
    boxes = page.locator("#found-links input[name=links]")
    assert [boxes.nth(i).get_attribute("value") for i in range(boxes.count())] == FORWARD_LINKS
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert page.input_value("#platform") == "whatsapp"
    assert page.evaluate("document.querySelector('#shared-image img').naturalWidth") == 480
    assert no_horizontal_scroll(page)

    photo = write_image(tmp_path / "IMG_20240501_101010.jpg", (4000, 3000), noise=True, quality=95)
    assert photo.stat().st_size > 12 * 1024 * 1024
    page.set_input_files("#screenshot", str(photo))
    expect(page.locator("#photo-status")).to_have_text(page.get_attribute("#screenshot", "data-shrunk"))
    assert bool(DEVANAGARI.search(page.inner_text("#photo-status"))) == (language == "hi")
    sent = page.evaluate("(() => { const f = document.querySelector('#screenshot').files[0];"
                         " return {size: f.size, type: f.type, name: f.name}; })()")
    assert sent["size"] <= app.config["FACTCHECK"].screenshot_max_bytes
    assert (sent["type"], sent["name"]) == ("image/jpeg", "IMG_20240501_101010.jpg")
    page.screenshot(path=str(tmp_path / f"shared-form-{language}.png"), full_page=True)

    button.click()
    page.wait_for_selector("article.claim")
    assert page_language(page) == language and no_horizontal_scroll(page)
    claim = the_claim(app)
    assert claim.text == FORWARD and claim.platform == "whatsapp"
    assert [source.url for source in claim.sources] == FORWARD_LINKS
    assert (claim.screenshot.width, claim.screenshot.height) == (2000, 1500)
    assert page.evaluate("document.querySelector('img.screenshot').naturalWidth") == 2000
    assert page_errors.errors == []


def test_a_share_made_logged_out_files_its_image_with_one_tap_after_the_login(app, server, chromium, make_user,
                                                                              tmp_path, page_errors):
    volunteer = make_user("volunteer")
    context = chromium.new_context(**PHONE)
    try:
        page = page_errors(context.new_page())
        page.set_content("<!doctype html><title>share sheet</title><body></body>")  # another origin
        share_like_android(page, server, {"title": "", "text": "बैंक दस दिन बंद? bit.ly/bank-hoax", "url": ""},
                           write_image(tmp_path / "forward.jpg", (600, 400)))
        assert "/login?next=" in page.url
        page.fill("#email", volunteer.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#shared-image img")
        assert page.input_value("#text") == "बैंक दस दिन बंद? bit.ly/bank-hoax"
        page.click("button:has-text('File the claim')")  # the one tap
        page.wait_for_selector("text=filed the claim")
    finally:
        context.close()
    claim = the_claim(app)
    assert [source.url for source in claim.sources] == ["https://bit.ly/bank-hoax"]
    assert (claim.screenshot.width, claim.screenshot.height, claim.screenshot.filename) == (600, 400, "forward.jpg")
    assert page_errors.errors == []


def test_links_are_offered_as_the_text_is_pasted_and_an_unticked_one_is_left_out(app, server, phone, make_user,
                                                                                 page_errors):
    volunteer = make_user("volunteer")
    page = page_errors(phone())
    login(page, server, volunteer.email)
    page.goto(f"{server}/claims/new")
    assert page.is_hidden("#found-links")
    page.fill("#text", FORWARD)
    page.wait_for_selector("#found-links input[value='https://bit.ly/bank-hoax']")
    page.uncheck("#found-links input[value='https://example.com/banks']")
    page.fill("#text", FORWARD + "\nhttps://another.example.org/page")  # the list is rebuilt, the choice kept
    page.wait_for_selector("#found-links input[value='https://another.example.org/page']")
    assert not page.is_checked("#found-links input[value='https://example.com/banks']")
    page.select_option("#platform", "whatsapp")
    page.click("button:has-text('File the claim')")
    page.wait_for_selector("text=filed the claim")
    assert [source.url for source in the_claim(app).sources] == ["https://bit.ly/bank-hoax",
                                                                 "https://another.example.org/page"]
    assert page_errors.errors == []


def test_the_service_worker_keeps_only_the_offline_page_never_a_private_one(app, server, chromium, make_user,
                                                                           make_claim, page_errors):
    volunteer = make_user("volunteer", name="Vani Private")
    claim = make_claim("a private claim", by=volunteer)
    context = chromium.new_context(**PHONE)
    try:
        page = page_errors(context.new_page())
        login(page, server, volunteer.email)
        page.goto(f"{server}/claims/new")
        page.evaluate("navigator.serviceWorker.ready")
        page.reload()  # now controlled by the worker
        assert page.evaluate("navigator.serviceWorker.controller !== null")
        for path in (f"/claims/{claim.id}", "/claims/mine", "/account", f"/api/claims/{claim.id}"):
            page.goto(f"{server}{path}")
        cached = page.evaluate("""async () => {
            const urls = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) { urls.push(request.url); }
            }
            return urls;
        }""")
        assert sorted(cached) == [f"{server}/offline", f"{server}/static/app.css"]
        offline = context.new_page()
        offline.goto(f"{server}/claims/mine")
        context.set_offline(True)
        offline.reload()
        assert "You are offline" in offline.inner_text("main")
        assert "Vani Private" not in offline.content()
        context.set_offline(False)
    finally:
        context.close()
    assert page_errors.errors == []
