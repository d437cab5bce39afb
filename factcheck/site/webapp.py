"""What makes the workbench an installable web app: its manifest (with the Web Share Target that
puts "Factcheck" in Android's share sheet), its service worker and the offline page.

The service worker keeps exactly two things: the offline page and the stylesheet it needs,
fetched without cookies, so that nothing private is ever in its cache. Navigations go to the
network first and fall back to the offline page; everything else it leaves alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from factcheck.config import PACKAGE_ROOT, current_config
from factcheck.i18n import LOCALES, select_locale
from factcheck.web import public

bp = Blueprint("webapp", __name__)

THEME_COLOR = "#0b5cad"  # app.css --accent
BACKGROUND_COLOR = "#f3f5f7"  # app.css --wash
ICONS = (  # under static/icons/: (file, size, purpose)
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-512.png", 512, "maskable"),
)
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
WORKER_TEMPLATE = "site/service-worker.js"
OFFLINE_ASSETS = ("app.css",)  # the static files the offline page needs


@bp.get("/manifest.webmanifest")
@public
def manifest() -> Response:
    """The web app manifest, in the language asked for (``?lang=``: a manifest is fetched without
    cookies) or the browser's."""
    wanted = request.args.get("lang", "")
    language = wanted if wanted in LOCALES else select_locale()
    with force_locale(language):
        document = manifest_document(language)
    response = current_app.response_class(current_app.json.dumps(document), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Vary"] = "Accept-Language"  # when no ?lang= is given
    return response


def manifest_document(language: str) -> dict[str, Any]:
    """The manifest's fields, in ``language`` (the caller forces it)."""
    return {
        "id": url_for("pages.index"),
        "name": current_config().site_name,
        "short_name": _("Factcheck"),
        "description": _("File suspicious posts from your phone and hear when they are fact-checked."),
        "lang": language,
        "dir": "rtl" if language in RIGHT_TO_LEFT else "ltr",
        "start_url": url_for("pages.index"),
        "scope": url_for("pages.index"),
        "display": "standalone",
        "orientation": "any",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["news", "utilities"],
        "icons": [{"src": url_for("static", filename=f"icons/{name}"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": purpose} for name, size, purpose in ICONS],
        "shortcuts": [{"name": _("File a claim"), "url": url_for("claims.new")}],
        "share_target": {
            "action": url_for("claims.share_target"),
            "method": "POST",
            "enctype": "multipart/form-data",
            "params": {"title": "title", "text": "text", "url": "url",
                       "files": [{"name": "image", "accept": ["image/*"]}]},
        },
    }


@bp.get("/service-worker.js")
@public
def service_worker() -> Response:
    """The service worker, served from the root so that its scope is the whole app."""
    precache = [url_for("webapp.offline")] + [url_for("static", filename=name) for name in OFFLINE_ASSETS]
    source = render_template(WORKER_TEMPLATE, cache_name=f"factcheck-offline-{worker_version()}",
                             offline_url=precache[0], precache=precache)
    response = current_app.response_class(source, mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = url_for("pages.index")
    response.headers["Cache-Control"] = "no-cache"  # a new version is seen at the next visit
    return response


def worker_version() -> str:
    """A digest of what the worker keeps: a new stylesheet or offline page makes a new cache."""
    digest = hashlib.sha256()
    for path in (PACKAGE_ROOT / "templates" / WORKER_TEMPLATE, PACKAGE_ROOT / "templates" / "site" / "offline.html",
                 *(PACKAGE_ROOT / "static" / name for name in OFFLINE_ASSETS)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class OfflineText:
    language: str
    title: str
    message: str
    retry: str


@bp.get("/offline")
@public
def offline() -> str:
    """The page the service worker shows when a page cannot be reached. It is kept once, so it
    speaks every language of the pages, the browser's first; it shows nothing of anyone's."""
    first = select_locale()
    texts: list[OfflineText] = []
    for language in sorted(LOCALES, key=lambda code: code != first):
        with force_locale(language):
            text = OfflineText(
                language=language, title=_("You are offline"),
                message=_("This phone cannot reach the desk just now. Pages open again once it is back online. "
                          "If you were filing a claim, go back: what you typed is still in the form."),
                retry=_("Try again"))
        if all(text.message != shown.message for shown in texts):  # not the same words twice, untranslated
            texts.append(text)
    return render_template("site/offline.html", texts=texts, lang=first)
