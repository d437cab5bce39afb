"""How a fact-check travels: the WhatsApp share link and the Open Graph / Twitter-card tags."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from markupsafe import Markup

from factcheck.publish.claimreview import isoformat, require_absolute_url

WHATSAPP_SHARE = "https://wa.me/?text="
SUMMARY_MAX_LENGTH = 700
ELLIPSIS = "…"


def share_message(summary: str, url: str, *, heading: str = "",
                  max_summary_length: int = SUMMARY_MAX_LENGTH) -> str:
    """The text a fact-check travels with: an optional heading line (its verdict), the summary,
    a blank line and the URL."""
    lines = [shorten(heading, 120), shorten(summary, max_summary_length)]
    text = "\n".join(line for line in lines if line)
    return f"{text}\n\n{require_absolute_url(url)}".strip()


def whatsapp_link(summary: str, url: str, *, heading: str = "",
                  max_summary_length: int = SUMMARY_MAX_LENGTH) -> str:
    """A ``https://wa.me/?text=`` link carrying :func:`share_message`."""
    return whatsapp_link_for(share_message(summary, url, heading=heading, max_summary_length=max_summary_length))


def whatsapp_link_for(message: str) -> str:
    """A ``https://wa.me/?text=`` link that opens WhatsApp with ``message`` ready to send."""
    return WHATSAPP_SHARE + quote(message, safe="")


def open_graph_tags(
    *,
    title: str,
    description: str,
    url: str,
    image_url: str,
    site_name: str,
    image_alt: str | None = None,
    image_width: int = 1200,
    image_height: int = 630,
    locale: str | None = None,
    published: datetime | None = None,
    modified: datetime | None = None,
    twitter_site: str | None = None,
) -> list[tuple[str, str]]:
    """(property, content) pairs for ``og:*``, ``article:*`` and ``twitter:*`` meta tags.

    Render them with :func:`meta_tags`: Open Graph uses ``property=``, Twitter ``name=``.
    """
    description = shorten(description, 300)
    alt = image_alt or title
    tags = [
        ("og:type", "article"),
        ("og:site_name", site_name),
        ("og:title", title),
        ("og:description", description),
        ("og:url", require_absolute_url(url, "url")),
        ("og:image", require_absolute_url(image_url, "image_url")),
        ("og:image:type", "image/png"),
        ("og:image:width", str(image_width)),
        ("og:image:height", str(image_height)),
        ("og:image:alt", alt),
    ]
    if locale:
        tags.append(("og:locale", locale))
    if published is not None:
        tags.append(("article:published_time", isoformat(published)))
    if modified is not None:
        tags.append(("article:modified_time", isoformat(modified)))
    tags += [
        ("twitter:card", "summary_large_image"),
        ("twitter:title", title),
        ("twitter:description", description),
        ("twitter:image", image_url),
        ("twitter:image:alt", alt),
    ]
    if twitter_site:
        tags.append(("twitter:site", twitter_site))
    return tags


def meta_tags(tags: list[tuple[str, str]]) -> Markup:
    """``<meta>`` elements for :func:`open_graph_tags`' pairs, every value escaped."""
    element = Markup('<meta {}="{}" content="{}">')
    return Markup("\n").join(
        element.format("name" if key.startswith("twitter:") else "property", key, content)
        for key, content in tags
    )


def shorten(text: str, max_length: int) -> str:
    """``text`` with its whitespace collapsed, cut at a word and ended with "…" when too long."""
    text = " ".join(text.split())
    if len(text) <= max_length:
        return text
    cut = text.rfind(" ", 0, max_length)
    return text[: cut if cut > max_length // 2 else max_length - 1].rstrip() + ELLIPSIS
