"""An archived page's Open Graph image is fetched through the guarded fetcher, hashed, and found
again when a volunteer later files a forwarded copy of it as a screenshot."""

from __future__ import annotations

import pytesseract
import pytest
from sqlalchemy import select

from factcheck import db
from factcheck.images import ocr
from factcheck.images.models import Image, ImageUse
from tests.httpserver import respond
from tests.images import encoded, text_card

CARD = "Viral: the new 2000 rupee note carries a GPS chip that the police can track"


@pytest.fixture(autouse=True)
def no_ocr(monkeypatch):
    """Tesseract as if not installed: these tests are about prints, and stay fast."""
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.status.cache_clear()
    yield
    ocr.status.cache_clear()


def test_an_archived_pages_image_is_recognised_in_a_later_screenshot(app, site, run_jobs, make_user, api_client):
    site.route("/card.png", respond(encoded(text_card(CARD)), content_type="image/png"))
    site.route("/story", respond(f'<html><head><title>GPS chip</title><meta property="og:image" '
                                 f'content="{site.url("/card.png")}"></head><body><p>A story.</p></body></html>'))
    first = api_client(make_user("volunteer")).post("/api/claims", json={
        "text": "is this true?", "urls": [site.url("/story")], "platform": "whatsapp"}).json
    run_jobs(scheduled=True)
    with app.test_request_context():
        use = db.session().scalar(select(ImageUse))
        assert (use.role, use.url, use.claim_id) == ("og_image", site.url("/card.png"), None)
        assert db.session().get(Image, use.image_id).hashed_at is not None
    later = api_client(make_user("volunteer")).post_multipart("/api/claims", {
        "text": "", "platform": "whatsapp", "screenshot": (encoded(text_card(CARD), "JPEG", quality=45), "fw.jpg")})
    assert later.status_code == 201, later.json
    assert [(m["id"], m["reason"]) for m in later.json["similar"]] == [(first["id"], "image")]
    run_jobs(scheduled=True)
    again = api_client(make_user("reviewer")).post("/api/claims", json={
        "text": "same story", "urls": [site.url("/story")], "platform": "whatsapp"}).json
    run_jobs(scheduled=True)
    with app.test_request_context():  # captured again: the same blob, one more use of the same image
        uses = db.session().scalars(select(ImageUse).where(ImageUse.role == "og_image")).all()
        assert len(uses) == 2 and uses[0].image_id == uses[1].image_id
        assert len(db.session().scalars(select(Image)).all()) == 2  # the page's PNG and the JPEG screenshot
    assert again["id"] != first["id"]


def test_an_articles_pictures_are_recorded_and_recognised_but_not_its_logo_or_pixels(
        app, site, run_jobs, make_user, api_client):
    inline = "Forwarded: banks will stay closed for ten days from Monday, says a fake circular"
    site.route("/og.png", respond(encoded(text_card(CARD)), content_type="image/png"))
    site.route("/inline.png", respond(encoded(text_card(inline, background="#1d3557")), content_type="image/png"))
    site.route("/lazy.png", respond(encoded(text_card("A third picture, loaded lazily")), content_type="image/png"))
    for name in ("logo.png", "pixel.gif", "side.png"):
        site.route(f"/{name}", respond(encoded(text_card(name)), content_type="image/png"))
    site.route("/story", respond(f"""<html><head><title>Closed</title>
        <meta property="og:image" content="{site.url('/og.png')}"></head><body>
        <nav><img src="/logo.png" width="300" height="90"></nav>
        <article><h1>Banks closed?</h1><img src="/og.png"><p>A story.</p>
          <img src="/pixel.gif" width="1" height="1"><figure><img src="inline.png" width="720"></figure>
          <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/lazy.png"></article>
        <aside><img src="/side.png"></aside></body></html>""".encode()))
    first = api_client(make_user("volunteer")).post("/api/claims", json={
        "text": "is this true?", "urls": [site.url("/story")], "platform": "whatsapp"}).json
    run_jobs(scheduled=True)
    with app.test_request_context():
        uses = db.session().scalars(select(ImageUse).order_by(ImageUse.id)).all()
        assert [(use.role, use.url) for use in uses] == [
            ("og_image", site.url("/og.png")), ("article_image", site.url("/inline.png")),
            ("article_image", site.url("/lazy.png"))]
        assert all(db.session().get(Image, use.image_id).hashed_at is not None for use in uses)
    later = api_client(make_user("volunteer")).post_multipart("/api/claims", {
        "text": "", "platform": "whatsapp",
        "screenshot": (encoded(text_card(inline, background="#1d3557"), "JPEG", quality=40), "fw.jpg")})
    assert later.status_code == 201, later.json
    assert [(m["id"], m["reason"]) for m in later.json["similar"]] == [(first["id"], "image")]
