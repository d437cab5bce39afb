"""The filing form: what it shows (prefilled, or as sent back with its problems) and the claim it
files.

Links found in the post's text are offered as the claim's links, each ticked: the page lists them
as the text is typed or pasted, and the form sends back which it offered (``offered``) and which
are still ticked (``links``). A link found in the text that the page never offered (it was pasted
just before the tap, or the page runs no script) is taken too: it is part of the post, and every
link of a post is evidence. The links typed into the links box are taken as typed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from werkzeug.datastructures import FileStorage, MultiDict

from factcheck.claims.links import find_links
from factcheck.claims.models import PendingUpload
from factcheck.claims.operations import ClaimInput
from factcheck.claims.pending import image_of
from factcheck.claims.screenshots import VerifiedImage, read_upload, verify_screenshot
from factcheck.claims.share import Prefill

BOOKMARKLET_TEXT_LIMIT = 2000  # characters of a selection the bookmarklet carries in the address


@dataclass(frozen=True)
class LinkChoice:
    """A link found in the text, and whether it is ticked."""

    url: str
    chosen: bool = True


@dataclass(frozen=True)
class FilingForm:
    """The form's fields, as shown or as sent."""

    text: str = ""
    urls: str = ""
    platform: str = ""
    language: str = ""
    links: list[LinkChoice] = field(default_factory=list)
    pending: PendingUpload | None = None
    use_pending_image: bool = True

    @property
    def shows_pending_image(self) -> bool:
        return self.pending is not None and self.pending.file_name is not None


def link_choices(text: str, offered: Iterable[str] = (), ticked: Iterable[str] = ()) -> list[LinkChoice]:
    """The links of ``text``, each ticked unless the page offered it and it was unticked."""
    offered, ticked = set(offered), set(ticked)
    return [LinkChoice(url, url in ticked or url not in offered) for url in find_links(text)]


def form_from_prefill(prefill: Prefill, pending: PendingUpload | None = None) -> FilingForm:
    """A fresh form, prefilled (from a share, the bookmarklet or the address)."""
    return FilingForm(text=prefill.text, urls=prefill.urls, platform=prefill.platform,
                      links=link_choices(prefill.text), pending=pending)


def form_from_request(form: MultiDict[str, str], pending: PendingUpload | None) -> FilingForm:
    """The form as it was sent."""
    text = form.get("text", "")
    return FilingForm(text=text, urls=form.get("urls", ""), platform=form.get("platform", ""),
                      language=form.get("language", ""),
                      links=link_choices(text, form.getlist("offered"), form.getlist("links")),
                      pending=pending, use_pending_image=form.get("use_shared_image") == "1")


def claim_input(form: FilingForm, upload: FileStorage | None, screenshot_max_bytes: int) -> ClaimInput:
    """The claim the form files: its typed links, then the ticked links of its text; the chosen
    photo, else the shared one (413 naming ``screenshot`` for a photo over the limit)."""
    typed = form.urls.splitlines()
    chosen = [choice.url for choice in form.links if choice.chosen]
    return ClaimInput(text=form.text, urls=(*typed, *chosen), platform=form.platform,
                      language=form.language or None, screenshot=_screenshot(form, upload, screenshot_max_bytes))


def _screenshot(form: FilingForm, upload: FileStorage | None, max_bytes: int) -> VerifiedImage | None:
    if upload is not None and upload.filename:
        return verify_screenshot(read_upload(upload.stream, max_bytes), upload.filename)
    if form.pending is not None and form.use_pending_image:
        return image_of(form.pending)
    return None


def bookmarklet(filing_url: str) -> str:
    """A ``javascript:`` link to drag to the bookmarks bar: on any page it opens the filing form
    with the selected text, the page's title and its address."""
    return ("javascript:(function(){var s=String(window.getSelection?window.getSelection():'')"
            f".slice(0,{BOOKMARKLET_TEXT_LIMIT});location.href={json.dumps(filing_url)}+'?text='"
            "+encodeURIComponent(s)+'&title='+encodeURIComponent(document.title)"
            "+'&url='+encodeURIComponent(location.href);})();")
