"""From a phone's share sheet to a filed claim (issue 12): the manifest and its share target, the
service worker's cache, pending uploads (kept across a login, never anyone else's, expiring),
the bookmarklet and ``?text=&url=``, links found in the text, every bad link reported, and a photo
over the limit answered on the form with the text kept."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
from urllib.parse import parse_qs, urlsplit

import lxml.html
from PIL import Image
from sqlalchemy import func, select

from factcheck import db
from factcheck.audit import Event
from factcheck.claims import pending
from factcheck.claims.models import Claim, PendingUpload
from factcheck.jobs import EXTENSION_KEY
from tests.conftest import PASSWORD, multipart
from tests.images import image_bytes, noisy_png

FORWARD = ("*Forwarded as received*\nकल से सभी बैंक 10 दिन बंद रहेंगे 🙏 पूरी खबर: "
           "https://example.com/banks?utm_source=whatsapp और bit.ly/bank-hoax👇")
FORWARD_LINKS = ["https://example.com/banks", "https://bit.ly/bank-hoax"]


def phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A camera-sized JPEG: noise does not compress, so 4000×3000 is over 12 MB."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def share(client, fields: dict) -> object:
    """POST to the share target as Android does: multipart, no CSRF token."""
    body, content_type = multipart(fields)
    return client.post("/claims/share", data=body, content_type=content_type)


def form_values(page: str) -> dict[str, list[str]]:
    """What the filing form sends when its button is tapped as it stands (ticked boxes, chosen options)."""
    form = lxml.html.fromstring(page).get_element_by_id("claim-form")
    values: dict[str, list[str]] = {}
    for name, value in form.form_values():
        values.setdefault(name, []).append(value)
    return values


def tap_file(session, page: str, **changes) -> object:
    """Send the filing form as shown, with ``changes``."""
    fields: dict = {name: value if len(value) > 1 else value[0] for name, value in form_values(page).items()}
    fields.update(changes)
    body, content_type = multipart(fields)
    return session.client.post("/claims/new", data=body, content_type=content_type)


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model)) or 0


def textarea(page: str, name: str) -> str:
    return lxml.html.fromstring(page).get_element_by_id(name).text_content()


def offered_links(page: str) -> list[tuple[str, bool]]:
    boxes = lxml.html.fromstring(page).xpath('//fieldset[@id="found-links"]//input[@name="links"]')
    return [(box.get("value"), box.get("checked") is not None) for box in boxes]


# -- the installable app ---------------------------------------------------------------------------


def test_the_manifest_describes_an_installable_app_with_a_post_share_target(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] and manifest["short_name"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    assert manifest["lang"] == "en" and manifest["dir"] == "ltr"
    target = manifest["share_target"]
    assert target["method"] == "POST" and target["enctype"] == "multipart/form-data"
    assert target["action"].startswith(manifest["scope"])
    assert {target["params"][name] for name in ("title", "text", "url")} == {"title", "text", "url"}
    assert target["params"]["files"] == [{"name": "image", "accept": ["image/*"]}]


def test_the_manifest_icons_exist_with_the_sizes_they_declare(client):
    manifest = client.get("/manifest.webmanifest").json
    purposes = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as response:
            assert response.status_code == 200, icon["src"]
            assert response.mimetype == icon["type"] == "image/png"
            image = Image.open(io.BytesIO(response.get_data()))
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]
        purposes.add((icon["sizes"], icon["purpose"]))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes


def test_the_manifest_speaks_the_language_of_the_page_that_links_it(client):
    page = client.get("/login", headers={"Accept-Language": "hi"}).get_data(as_text=True)
    link = lxml.html.fromstring(page).xpath('//link[@rel="manifest"]/@href')[0]
    assert parse_qs(urlsplit(link).query) == {"lang": ["hi"]}
    assert client.get(link).json["lang"] == "hi"
    assert client.get("/manifest.webmanifest?lang=xx", headers={"Accept-Language": "en"}).json["lang"] == "en"


def test_every_page_links_the_manifest_theme_colour_and_service_worker(client):
    head = lxml.html.fromstring(client.get("/login").get_data(as_text=True)).head
    assert head.xpath('link[@rel="manifest"]')
    assert head.xpath('meta[@name="theme-color"]/@content') == [client.get("/manifest.webmanifest").json["theme_color"]]
    script = head.xpath('script[@src="/static/pwa.js"]')[0]
    assert script.get("data-worker") == "/service-worker.js" and script.get("data-scope") == "/"
    with client.get("/static/pwa.js") as registration:
        assert "serviceWorker.register" in registration.get_data(as_text=True)


def worker_cache_list(source: str) -> list[str]:
    return json.loads(re.search(r"var PRECACHE = (\[.*?\]);", source).group(1))


def test_the_service_worker_is_served_at_the_root_and_keeps_only_the_offline_page(client):
    response = client.get("/service-worker.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    precache = worker_cache_list(source)
    assert precache == ["/offline", "/static/app.css"]
    # Only the install step writes to the cache, and only the list above, without cookies.
    assert source.count("cache.addAll(") == 1 and ".put(" not in source and "cache.add(" not in source
    assert 'credentials: "omit"' in source
    assert 'request.method !== "GET"' in source  # shares and forms pass through
    for path in precache:  # each is public: nothing in it is anyone's
        with client.get(path) as cached:
            assert cached.status_code == 200, path


def test_the_offline_page_shows_nothing_of_the_person_who_is_logged_in(browser, make_user):
    user = make_user("volunteer", name="Asha Private")
    session = browser(user)
    response = session.get("/offline")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are offline" in page
    assert user.email not in page and "Asha Private" not in page and "csrf" not in page
    assert "Set-Cookie" not in response.headers


# -- the share target --------------------------------------------------------------------------------


def test_a_share_as_android_sends_it_prefills_the_form_and_files_with_one_tap(app, browser, make_user):
    session = browser(make_user("volunteer"))
    photo = image_bytes("JPEG", size=(640, 480))
    events_before = count(app, Event)
    response = share(session.client, {"title": "", "text": FORWARD, "url": "", "image": (photo, "IMG-WA0001.jpg")})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/claims/new?shared=")
    assert (count(app, Claim), count(app, Event)) == (0, events_before), "a share files nothing by itself"

    page = session.get(location).get_data(as_text=True)
    assert textarea(page, "text") == FORWARD
    assert offered_links(page) == [(url, True) for url in FORWARD_LINKS]
    assert 'name="platform"' in page and form_values(page)["platform"] == ["whatsapp"]
    image_src = lxml.html.fromstring(page).xpath('//figure[@id="shared-image"]//img/@src')[0]
    with session.get(image_src) as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert image.get_data() == photo
        assert image.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
        assert image.headers["Cache-Control"] == "private, no-store"

    filed = tap_file(session, page)
    assert filed.status_code == 302, filed.get_data(as_text=True)
    with app.app_context():
        claim = db.session().scalars(select(Claim)).one()
        assert claim.text == FORWARD and claim.platform == "whatsapp"
        assert [source.url for source in claim.sources] == FORWARD_LINKS
        shot = claim.screenshot
        assert (shot.width, shot.height, shot.filename) == (640, 480, "IMG-WA0001.jpg")
    assert count(app, PendingUpload) == 0
    assert list((app.config["FACTCHECK"].archive_dir / pending.FOLDER).iterdir()) == []
    again = session.get(location).get_data(as_text=True)
    assert 'id="shared-notice"' in again and textarea(again, "text") == ""


def test_a_share_made_logged_out_is_still_there_after_the_login(app, browser, make_user):
    user = make_user("volunteer")
    phone = browser(None)
    response = share(phone.client, {"text": FORWARD, "image": (image_bytes("PNG"), "shot.png")})
    assert response.status_code == 303
    form_address = response.headers["Location"]
    to_login = phone.get(form_address)
    assert to_login.status_code == 302
    login_address = to_login.headers["Location"]
    assert login_address.startswith("/login?next=")
    logged_in = phone.client.post(login_address, data={"email": user.email, "password": PASSWORD,
                                                       "csrf_token": phone.csrf_token()})
    assert logged_in.headers["Location"] == form_address
    page = phone.get(form_address).get_data(as_text=True)
    assert textarea(page, "text") == FORWARD
    assert lxml.html.fromstring(page).xpath('//figure[@id="shared-image"]')
    with app.app_context():
        assert db.session().scalars(select(PendingUpload)).one().owner_id == user.id


def test_a_pending_upload_is_never_shown_to_anyone_else(browser, make_user):
    owner, other = browser(make_user("volunteer")), browser(make_user("staff"))
    location = share(owner.client, {"text": "एक अफ़वाह", "image": (image_bytes("PNG"), "a.png")}).headers["Location"]
    token = parse_qs(urlsplit(location).query)["shared"][0]
    assert "एक अफ़वाह" in owner.get(location).get_data(as_text=True)
    page = other.get(location).get_data(as_text=True)
    assert "एक अफ़वाह" not in page and 'id="shared-notice"' in page
    assert other.get(f"/claims/shared/{token}/image").status_code == 404
    with owner.get(f"/claims/shared/{token}/image") as image:
        assert image.status_code == 200
    assert other.get("/claims/shared/not-a-token/image").status_code == 404


def test_a_shared_page_prefills_its_title_address_and_platform(browser, make_user):
    session = browser(make_user("volunteer"))
    location = share(session.client, {"title": "Banks shut for ten days?", "text": "https://youtu.be/abc123",
                                      "url": "https://youtu.be/abc123"}).headers["Location"]
    page = session.get(location).get_data(as_text=True)
    assert textarea(page, "text") == "Banks shut for ten days?"
    assert textarea(page, "urls") == "https://youtu.be/abc123"
    assert form_values(page)["platform"] == ["youtube"]


def test_a_shared_photo_over_the_limit_is_made_smaller_to_fit(app, browser, make_user):
    session = browser(make_user("volunteer"))
    photo = phone_photo()
    assert len(photo) > 12 * 1024 * 1024
    response = share(session.client, {"text": "photo", "image": (photo, "IMG_20240501.jpg")})
    assert response.status_code == 303
    with app.app_context():
        kept = db.session().scalars(select(PendingUpload)).one()
        assert (kept.width, kept.height, kept.content_type) == (2000, 1500, "image/jpeg")
        assert kept.size <= app.config["FACTCHECK"].screenshot_max_bytes


def test_a_shared_file_that_is_no_image_is_left_out_and_the_text_kept(browser, make_user):
    session = browser(make_user("volunteer"))
    location = share(session.client, {"text": "keep me", "image": (image_bytes("GIF"), "anim.gif")}).headers["Location"]
    page = session.get(location).get_data(as_text=True)
    assert textarea(page, "text") == "keep me"
    assert 'id="shared-image-error"' in page
    assert not lxml.html.fromstring(page).xpath('//figure[@id="shared-image"]')


def test_an_empty_share_opens_the_empty_form(app, browser, make_user):
    session = browser(make_user("volunteer"))
    response = share(session.client, {"text": "  "})
    assert (response.status_code, response.headers["Location"]) == (303, "/claims/new")
    assert count(app, PendingUpload) == 0


def test_pending_uploads_expire_and_the_periodic_job_cleans_them(app, browser, make_user):
    session = browser(make_user("volunteer"))
    location = share(session.client, {"text": "old news", "image": (image_bytes("PNG"), "a.png")}).headers["Location"]
    folder = app.config["FACTCHECK"].archive_dir / pending.FOLDER
    [kept_file] = list(folder.iterdir())
    orphan = folder / "0123456789abcdef0123456789abcdef.upload"  # left by a share whose row rolled back
    orphan.write_bytes(b"x")
    old = (dt.datetime.now() - pending.LIFETIME - dt.timedelta(minutes=5)).timestamp()
    os.utime(orphan, (old, old))
    fresh_orphan = folder / "fedcba9876543210fedcba9876543210.upload"
    fresh_orphan.write_bytes(b"y")

    with app.app_context():
        row = db.session().scalars(select(PendingUpload)).one()
        row.expires_at = db.utcnow() - dt.timedelta(seconds=1)
        db.commit()
    assert 'id="shared-notice"' in session.get(location).get_data(as_text=True), "expired: not shown"

    queue = app.extensions[EXTENSION_KEY]
    job = queue.tasks[pending.CLEANUP_JOB]
    assert job.task_class().validate_datetime(dt.datetime(2024, 5, 1, 10, 20)), "runs every ten minutes"
    assert not job.task_class().validate_datetime(dt.datetime(2024, 5, 1, 10, 21))
    job.call_local()
    assert count(app, PendingUpload) == 0
    assert not kept_file.exists() and not orphan.exists()
    assert fresh_orphan.exists(), "a file being written right now is not an orphan yet"


def test_only_expired_uploads_are_cleaned(app, browser, make_user):
    session = browser(make_user("volunteer"))
    share(session.client, {"text": "fresh"})
    with app.app_context():
        assert pending.remove_expired() == 0
        db.commit()
        assert pending.remove_expired(db.utcnow() + pending.LIFETIME + dt.timedelta(seconds=1)) == 1
        db.commit()
    assert count(app, PendingUpload) == 0


# -- the bookmarklet and ?text=&url= -------------------------------------------------------------------


def test_the_address_prefills_the_form(browser, make_user):
    session = browser(make_user("volunteer"))
    page = session.get("/claims/new", query_string={
        "text": "PM said this? see bit.ly/pm-quote", "url": "https://www.facebook.com/post/1?fbclid=x",
        "title": "A post"}).get_data(as_text=True)
    assert textarea(page, "text") == "A post\nPM said this? see bit.ly/pm-quote"
    assert textarea(page, "urls") == "https://www.facebook.com/post/1"
    assert offered_links(page) == [("https://bit.ly/pm-quote", True)]
    assert form_values(page)["platform"] == ["facebook"]


def test_the_bookmarklet_opens_the_form_with_the_selection_and_the_address(browser, make_user):
    page = browser(make_user("volunteer")).get("/claims/new").get_data(as_text=True)
    href = lxml.html.fromstring(page).get_element_by_id("bookmarklet").get("href")
    assert href.startswith("javascript:")
    assert '"http://localhost/claims/new"' in href
    for part in ("'?text='", "window.getSelection", "'&url='+encodeURIComponent(location.href)"):
        assert part in href


# -- links found in the text, and every bad link reported ---------------------------------------------------


def test_links_in_the_text_are_filed_unless_unticked(app, browser, make_user):
    session = browser(make_user("volunteer"))
    page = session.get("/claims/new", query_string={"text": FORWARD}).get_data(as_text=True)
    response = tap_file(session, page, platform="whatsapp", links=FORWARD_LINKS[1])  # the first unticked
    assert response.status_code == 302
    with app.app_context():
        assert [s.url for s in db.session().scalars(select(Claim)).one().sources] == FORWARD_LINKS[1:]


def test_links_in_the_text_the_page_never_offered_are_filed_too(app, browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {"text": FORWARD, "platform": "whatsapp", "urls": "www.example.org/typed"})
    assert response.status_code == 302
    with app.app_context():
        urls = [s.url for s in db.session().scalars(select(Claim)).one().sources]
    assert urls == ["https://www.example.org/typed", *FORWARD_LINKS]


def test_every_bad_link_is_reported_on_the_form(app, browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {"text": "keep this text", "platform": "whatsapp",
                                            "urls": "javascript:alert(1)\nbit.ly/fine\nnot a link\nftp://example.com/f"})
    assert response.status_code == 400
    problems = [item.text_content() for item in lxml.html.fromstring(response.get_data(as_text=True))
                .xpath('//div[@id="urls-error"]//li')]
    assert len(problems) == 3
    assert [problem.split(":")[0] for problem in problems] == ["javascript", "not a link", "ftp"]
    assert "3 links cannot be used" in response.get_data(as_text=True)
    assert "keep this text" in response.get_data(as_text=True)
    assert count(app, Claim) == 0


def test_every_bad_link_is_reported_by_the_api(api_client, make_user):
    api = api_client(make_user("volunteer"))
    response = api.post("/api/claims", json={"platform": "web", "urls": [
        "https://ok.example.com/", "javascript:alert(1)", "", "e.g.", "bit.ly/fine", "ftp://x.example/"]})
    assert response.status_code == 400
    fields = response.json["fields"]
    assert set(fields) == {"urls", "urls[1]", "urls[3]", "urls[5]"}
    assert fields["urls[1]"].startswith("javascript:alert(1): ")
    assert fields["urls"] == "3 links cannot be used"


def test_the_api_takes_links_as_written_in_forwards_but_not_from_the_text(api_client, make_user):
    api = api_client(make_user("volunteer"))
    response = api.post("/api/claims", json={"platform": "whatsapp", "text": FORWARD, "urls": ["bit.ly/abc)."]})
    assert response.status_code == 201
    assert [source["url"] for source in response.json["sources"]] == ["https://bit.ly/abc"]
    found = api.post("/api/claims/links", json={"text": FORWARD})
    assert (found.status_code, found.json) == (200, {"links": FORWARD_LINKS})
    assert api_client(None).post("/api/claims/links", json={"text": FORWARD}).status_code == 401


# -- a photo over the limit --------------------------------------------------------------------------------------


def test_a_photo_over_the_limit_is_answered_on_the_form_with_the_text_kept(app, browser, make_user):
    session = browser(make_user("volunteer"))
    response = session.post("/claims/new", {
        "text": "फोटो के साथ यह संदेश रखा जाए", "urls": "bit.ly/keep", "platform": "whatsapp", "language": "hi",
        "screenshot": (noisy_png(6 * 1024 * 1024), "camera.png")})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert textarea(page, "text") == "फोटो के साथ यह संदेश रखा जाए"
    assert textarea(page, "urls") == "bit.ly/keep"
    assert form_values(page)["language"] == ["hi"] and form_values(page)["platform"] == ["whatsapp"]
    assert 'id="screenshot-error"' in page and "5 MB" in page
    assert count(app, Claim) == 0


def test_the_api_still_answers_413_to_an_oversized_body(api_client, make_user):
    api = api_client(make_user("volunteer"))
    response = api.post_multipart("/api/claims", {"platform": "x", "screenshot": (b"\0" * (8 << 20), "a.png")})
    assert (response.status_code, response.json["error"]) == (413, "too_large")


def test_a_claim_is_not_filed_without_the_shared_image_once_it_has_expired(app, browser, make_user):
    session = browser(make_user("volunteer"))
    shared = share(session.client, {"text": "with a photo", "image": (image_bytes("PNG"), "a.png")})
    location = shared.headers["Location"]
    page = session.get(location).get_data(as_text=True)
    with app.app_context():
        db.session().scalars(select(PendingUpload)).one().expires_at = db.utcnow() - dt.timedelta(seconds=1)
        db.commit()
    response = tap_file(session, page)
    assert response.status_code == 400
    assert 'id="screenshot-error"' in response.get_data(as_text=True)
    assert textarea(response.get_data(as_text=True), "text") == "with a photo"
    assert count(app, Claim) == 0
    assert tap_file(session, page, use_shared_image="").status_code == 302, "filed once the image is let go"
