"""What other apps hand the workbench: Android's share sheet (the manifest's Web Share Target), the
bookmarklet and ``/claims/new?text=&url=``; read into what the filing form is prefilled with.

WhatsApp shares a forward as ``text`` alone (its links inside it) and a photo as a file; a browser
shares a page as ``title`` and ``url``, or puts the address in ``text``. The form gets the text,
the links found in it (offered to tick), the shared address in its links box and a guess at the
platform, so that filing is one tap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.datastructures import FileStorage

from factcheck.claims.links import InvalidURL, find_links, link_from_typed
from factcheck.claims.models import Platform
from factcheck.claims.pending import SharedPost
from factcheck.claims.screenshots import read_upload, shrink_photo, verify_screenshot
from factcheck.errors import TooLarge, ValidationError, failure_handled

# The largest body the filing form and the share target read: a phone camera's photo, so that a
# photo over the screenshot limit is answered on the form (or shrunk here) and the text is kept.
PHOTO_BODY_LIMIT = 40 * 1024 * 1024
IMAGE_FIELDS = ("image", "screenshot")  # the manifest's name for the shared file, and the form's
MAX_SHARED_TITLE = 500

PLATFORM_HOSTS = {
    "youtube.com": Platform.YOUTUBE, "youtu.be": Platform.YOUTUBE,
    "facebook.com": Platform.FACEBOOK, "fb.watch": Platform.FACEBOOK, "fb.com": Platform.FACEBOOK,
    "x.com": Platform.X, "twitter.com": Platform.X, "t.co": Platform.X,
    "instagram.com": Platform.INSTAGRAM, "instagr.am": Platform.INSTAGRAM,
    "t.me": Platform.TELEGRAM, "telegram.me": Platform.TELEGRAM,
    "whatsapp.com": Platform.WHATSAPP, "wa.me": Platform.WHATSAPP,
}


@dataclass(frozen=True)
class Prefill:
    """What the filing form starts with."""

    text: str = ""
    urls: str = ""  # the links box: one per line
    platform: str = ""


def shared_post(form: Mapping[str, str], files: Mapping[str, FileStorage], screenshot_max_bytes: int) -> SharedPost:
    """What a share target request carries. A shared image over ``screenshot_max_bytes`` is shrunk
    (no page ran to shrink it first); one that is no PNG, JPEG or WebP, or cannot be read, is left
    out with the reason, and the text and link are kept."""
    title = form.get("title", "").strip()[:MAX_SHARED_TITLE]
    upload = next((files[name] for name in IMAGE_FIELDS if name in files and files[name].filename), None)
    image, problem = None, ""
    if upload is not None:
        try:
            data = read_upload(upload.stream, PHOTO_BODY_LIMIT)
            if len(data) > screenshot_max_bytes:
                data = shrink_photo(data)
            image = verify_screenshot(data, upload.filename or "")
        except ValidationError as exc:
            problem = next(iter(exc.fields.values()), exc.message)
        except TooLarge as exc:
            problem = exc.message
        if problem:
            failure_handled()  # nothing was written: the text and link are kept all the same
    return SharedPost(title=title, text=form.get("text", ""), url=form.get("url", "").strip(),
                      image=image, image_problem=problem)


def prefilled(title: str = "", text: str = "", url: str = "", *, platform_without_url: str = "") -> Prefill:
    """The form's start from a share or the bookmarklet: the text (with the page's title first when
    the text does not hold it), the shared address in the links box unless the text already has
    it, and the platform its address names (``platform_without_url`` when none was given: a
    share of text alone is, nearly always, a WhatsApp forward)."""
    text, title, url = text.replace("\r\n", "\n").strip(), title.strip(), url.strip()
    try:
        shared_url = link_from_typed(url) if url else ""
    except InvalidURL:
        shared_url = ""
    if shared_url and text and find_links(text) == [shared_url] and _only_a_link(text):
        text = ""  # a browser's share puts the address in the text too
    if title and title not in text and title != url:
        text = f"{title}\n{text}".strip()
    in_text = find_links(text)
    urls = "" if not url or shared_url in in_text else (shared_url or url)
    return Prefill(text=text, urls=urls, platform=guess_platform(shared_url) if url else platform_without_url)


def guess_platform(url: str) -> str:
    """The platform a link belongs to (``web`` for any other site, ``""`` for no link)."""
    if not url:
        return ""
    host = (urlsplit(url).hostname or "").lower()
    for suffix, platform in PLATFORM_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return platform.value
    return Platform.WEB.value


def _only_a_link(text: str) -> bool:
    return len(text.split()) == 1
