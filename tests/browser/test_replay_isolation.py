"""Opening an archived copy never makes the reader's browser contact the hoax site.

A hoax page references a loopback listener in every way a page can reach out (resource hints,
frames, media, styles, SVG, pings, a base URL, a refresh). It is archived through the real capture
path; a reviewer opens its snapshot in Chromium and the listener must see no connection, not even
after the reviewer clicks the page's links. The control step opens the same page straight from the
hoax server and the listener does see connections: the test can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from factcheck import close_app, create_app
from tests.browser.test_phone import login
from tests.httpserver import HTTPTestServer, png_bytes, respond

pytestmark = pytest.mark.browser

SETTLE_MS = 2000  # after the frame's load event: time for hints, refreshes and lazy work to fire


def hoax_page(listener: str) -> str:
    """A page that reaches ``listener`` (an origin, no trailing slash) in every way we know."""
    return f"""<!doctype html>
<html manifest="{listener}/manifest.appcache"><head>
<meta charset="utf-8">
<title>Hoax: banks shut for ten days</title>
<base href="{listener}/base/">
<meta http-equiv="refresh" content="1; url={listener}/refresh">
<meta http-equiv="Link" content="<{listener}/meta-link>; rel=preconnect">
<link rel="preconnect" href="{listener}/">
<link rel="dns-prefetch" href="{listener}/">
<link rel="prefetch" href="{listener}/prefetch">
<link rel="prerender" href="{listener}/prerender">
<link rel="preload" href="{listener}/preload.css" as="style">
<link rel="modulepreload" href="{listener}/module.js">
<link rel="stylesheet" href="{listener}/style.css">
<link rel="icon" href="{listener}/favicon.ico">
<link rel="manifest" href="{listener}/app.webmanifest">
<link rel="preload" as="image" imagesrcset="{listener}/hint-1x.png 1x, {listener}/hint-2x.png 2x">
<script src="{listener}/script.js"></script>
<script>new Image().src = "{listener}/inline-script";</script>
<script type="speculationrules">{{"prefetch": [{{"source": "list", "urls": ["{listener}/speculation"]}}]}}</script>
<style>
@import url("{listener}/import.css");
@import "{listener}/import-string.css";
@font-face {{ font-family: Hoax; src: url({listener}/font.woff2) format("woff2"); }}
body {{ font-family: Hoax, sans-serif; background: url('{listener}/background.png'); }}
.set {{ background-image: image-set("{listener}/set-1x.png" 1x, "{listener}/set-2x.png" 2x); }}
.escaped {{ background: \\75 rl({listener}/escaped.png); }}
.cursor {{ cursor: url({listener}/cursor.cur), auto; }}
</style>
</head>
<body background="{listener}/body-background.png" onload="fetch('{listener}/onload')">
<h1>Banks will be shut for ten days</h1>
<p id="claim">Forward this to everyone: every bank closes from tomorrow.</p>
<img src="{listener}/img.png" alt="flyer">
<img src="relative-to-base.png" alt="relative">
<img srcset="{listener}/srcset-1x.png 1x, {listener}/srcset-2x.png 2x" alt="srcset">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline" loading="lazy" lowsrc="{listener}/lowsrc.png">
<picture><source srcset="{listener}/source.webp" type="image/webp"><img src="{listener}/picture.png" alt="p"></picture>
<div style="background-image: url({listener}/inline-style.png); width: 20px; height: 20px"></div>
<div class="set escaped cursor" style="width: 20px; height: 20px"></div>
<p style="font-family: Hoax">styled with a remote font</p>
<table background="{listener}/table-background.png"><tr><td background="{listener}/td.png">cell</td></tr></table>
<iframe src="{listener}/iframe"></iframe>
<iframe srcdoc="&lt;img src='{listener}/srcdoc.png'&gt;"></iframe>
<object data="{listener}/object.pdf" type="application/pdf"></object>
<embed src="{listener}/embed.swf">
<video poster="{listener}/poster.png" src="{listener}/video.mp4" preload="auto">
  <track src="{listener}/track.vtt"></video>
<audio src="{listener}/audio.mp3" preload="auto"></audio>
<audio preload="auto"><source src="{listener}/audio-source.mp3"></audio>
<svg width="40" height="40" xmlns:xlink="http://www.w3.org/1999/xlink">
  <image href="{listener}/svg-image.png" width="20" height="20"/>
  <image xlink:href="{listener}/svg-xlink.png" width="20" height="20"/>
  <use href="{listener}/sprite.svg#icon"/>
  <filter id="f"><feImage href="{listener}/fe-image.png"/></filter>
  <rect width="10" height="10" fill="url({listener}/paint.svg#p)" filter="url(#f)"/>
  <style>@import url({listener}/svg-import.css);</style>
</svg>
<a id="follow" href="{listener}/article" ping="{listener}/ping">Read the original</a>
<a id="follow-relative" href="relative-link">Relative link</a>
<map name="m"><area id="area" shape="rect" coords="0,0,50,50" href="{listener}/area"></map>
<img usemap="#m" src="data:image/png;base64,iVBORw0KGgo=" width="50" height="50" alt="map">
<form action="{listener}/form" method="post">
  <input name="q" autofocus value="x"><input type="image" src="{listener}/input-image.png" alt="go">
  <button id="submit" formaction="{listener}/formaction">Send</button>
</form>
<noscript><img src="{listener}/noscript.png" alt="ns"></noscript>
</body></html>"""


def hoax_svg(listener: str) -> str:
    """An SVG document (served as image/svg+xml) that reaches ``listener`` as SVG can."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet href="{listener}/svg-pi.css" type="text/css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="300" height="120">
<style>@import url({listener}/svg-import.css); rect {{ fill: url({listener}/paint.svg#p) }}</style>
<script href="{listener}/svg-script.js"/>
<image href="{listener}/svg-image.png" width="10" height="10"/>
<image xlink:href="{listener}/svg-xlink.png" x="10" width="10" height="10"/>
<use href="{listener}/sprite.svg#icon"/>
<rect x="20" width="10" height="10"/>
<foreignObject y="20" width="200" height="60">
  <iframe xmlns="http://www.w3.org/1999/xhtml" src="{listener}/svg-iframe"></iframe>
</foreignObject>
<a href="{listener}/svg-link"><text x="10" y="100">Banks shut for ten days</text></a>
</svg>"""


def hoax_xhtml(listener: str) -> str:
    """An XHTML page (served as application/xhtml+xml), with what only XML parsing honours."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<?xml-stylesheet href="{listener}/xhtml-pi.css" type="text/css"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Hoax in XHTML</title>
<link rel="preconnect" href="{listener}/"/><link rel="stylesheet" href="{listener}/xhtml.css"/></head>
<body><p id="claim">Forward this to everyone: every bank closes from tomorrow.</p>
<img src="{listener}/xhtml.png" alt="flyer"/><iframe src="{listener}/xhtml-iframe"/>
<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">
  <image href="{listener}/xhtml-svg.png" width="20" height="20"/></svg>
</body></html>"""


@pytest.fixture
def hoax(http_server: Any) -> HTTPTestServer:
    """The hoax site: the only server the app may fetch from."""
    return http_server()


@pytest.fixture
def listener(http_server: Any) -> HTTPTestServer:
    """Where the hoax page points: any connection to it is a leak."""
    server = http_server()
    server.route("/img.png", respond(png_bytes(), content_type="image/png"))
    server.route("/style.css", respond(b"p { color: red }", content_type="text/css"))
    return server


@pytest.fixture
def app(config: Any, hoax: HTTPTestServer) -> Iterator[Any]:
    application = create_app(config.replace(fetch_allow=frozenset({hoax.allow_entry}), fetch_timeout=5.0))
    yield application
    close_app(application)


def archive(app: Any, api_client: Any, user: Any, *urls: str) -> list[dict]:
    """File a claim linking ``urls`` and run the capture jobs; the archived snapshots."""
    response = api_client(user).post("/api/claims", json={"text": "banks shut?", "urls": list(urls), "platform": "web"})
    assert response.status_code == 201, response.json
    app.extensions["factcheck.queue"].run_pending()
    claim = api_client(user).get(f"/api/claims/{response.json['id']}").json
    snapshots = [source["snapshots"][0] for source in claim["sources"]]
    assert [snapshot["state"] for snapshot in snapshots] == ["archived"] * len(urls), snapshots
    return snapshots


def open_replay(page: Any, base_url: str, snapshot: dict, shown: str | None = "#claim") -> Any:
    """Open the snapshot page, bring its replay frame into view and wait for it to load (and to
    show ``shown``)."""
    page.goto(f"{base_url}{snapshot['page']}")
    frame_element = page.wait_for_selector("iframe.replay", state="attached")
    frame_element.scroll_into_view_if_needed()
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    if shown:
        frame.wait_for_selector(shown, state="attached")
    return frame


def test_replay_never_contacts_the_hoax_site(server, phone, make_user, api_client, app, hoax, listener):
    hoax.route("/hoax", respond(hoax_page(listener.url("").rstrip("/"))))
    reviewer = make_user("reviewer")
    [snapshot] = archive(app, api_client, reviewer, hoax.url("/hoax"))
    assert listener.connection_count() == 0  # the capture fetched the page alone
    hoax_connections = hoax.connection_count()

    page = phone()
    login(page, server, reviewer.email)
    frame = open_replay(page, server, snapshot)
    assert "every bank closes from tomorrow" in frame.inner_text("body")
    page.wait_for_timeout(SETTLE_MS)
    # What a reader does next: follow the page's links, its image map and its form.
    for selector in ("#follow", "#follow-relative", "img[usemap]", "#submit"):
        target = frame.locator(selector)
        if target.count():  # a frame that navigated away after an earlier click has none left
            target.click(position={"x": 10, "y": 10}, force=True, no_wait_after=True, timeout=5000)
    page.wait_for_timeout(SETTLE_MS)

    assert "/replay/" in frame.url  # no click took the frame anywhere (not even to an error page)
    assert listener.connection_count() == 0, sorted(request.target for request in listener.requests)
    assert hoax.connection_count() == hoax_connections

    # The control: the same page opened straight from the hoax site does reach the listener.
    direct = phone()
    direct.goto(hoax.url("/hoax"), wait_until="load")
    direct.wait_for_timeout(SETTLE_MS)
    assert listener.connection_count() > 0
    requested = {request.path for request in listener.requests}
    assert {"/img.png", "/style.css", "/iframe"} <= requested, requested


def test_svg_and_xhtml_replays_stay_inside(server, phone, make_user, api_client, app, hoax, listener):
    origin = listener.url("").rstrip("/")
    hoax.route("/hoax.svg", respond(hoax_svg(origin), content_type="image/svg+xml"))
    hoax.route("/hoax.xhtml", respond(hoax_xhtml(origin), content_type="application/xhtml+xml; charset=utf-8"))
    reviewer = make_user("reviewer")
    svg, xhtml = archive(app, api_client, reviewer, hoax.url("/hoax.svg"), hoax.url("/hoax.xhtml"))
    assert listener.connection_count() == 0

    page = phone()
    login(page, server, reviewer.email)
    open_replay(page, server, svg, shown=None)
    page.wait_for_timeout(SETTLE_MS)
    assert listener.connection_count() == 0, sorted(request.target for request in listener.requests)
    frame = open_replay(page, server, xhtml)
    assert "every bank closes from tomorrow" in frame.inner_text("body")
    page.wait_for_timeout(SETTLE_MS)
    assert listener.connection_count() == 0, sorted(request.target for request in listener.requests)

    # The control: opened directly, both documents reach the listener.
    direct = phone()
    for path in ("/hoax.svg", "/hoax.xhtml"):
        direct.goto(hoax.url(path), wait_until="load")
        direct.wait_for_timeout(SETTLE_MS)
    requested = {request.path for request in listener.requests}
    assert {"/svg-image.png", "/xhtml.png"} <= requested, requested
