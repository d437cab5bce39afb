"""The Atom feed of published fact-checks and the sitemap (sitemaps.org 0.9), built with lxml.

lxml escapes every value; what it cannot take, characters XML 1.0 forbids (controls a pasted
WhatsApp forward may carry), is dropped first, so a bad summary never breaks the feed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit, urlunsplit

from lxml import etree

from factcheck.publish.claimreview import isoformat, require_absolute_url

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_MAX_URLS = 50_000
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Characters left as they are when a URL is percent-encoded: the RFC 3986 reserved and unreserved
# sets, and "%" so that a URL that is already encoded is not encoded twice.
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass(frozen=True)
class FeedEntry:
    """One fact-check in the feed; ``id`` is a permanent IRI (its URL, or a ``tag:`` URI).

    ``language`` is the entry's ``xml:lang``; ``verdict`` is the category's term (the canonical
    name, for machines) and ``verdict_label`` its label (in the entry's language, for people).
    """

    id: str
    title: str
    url: str
    summary: str
    updated: datetime
    published: datetime | None = None
    author: str | None = None
    verdict: str | None = None
    verdict_label: str | None = None
    language: str | None = None


def atom_feed(
    feed_id: str,
    title: str,
    self_url: str,
    site_url: str,
    updated: datetime,
    entries: Sequence[FeedEntry],
    *,
    author: str | None = None,
    language: str | None = None,
) -> bytes:
    """An Atom 1.0 document (UTF-8 bytes); ``author`` (default: ``title``) is the feed's author."""
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    if language:
        feed.set(XML_LANG, language)
    _child(feed, "id", _iri(feed_id, "feed_id"))
    _child(feed, "title", title)
    _child(feed, "updated", isoformat(updated))
    _link(feed, "self", require_absolute_url(self_url, "self_url"), "application/atom+xml")
    _link(feed, "alternate", require_absolute_url(site_url, "site_url"), "text/html")
    # A feed-level author makes every entry valid, even one whose own author is unknown.
    _child(etree.SubElement(feed, f"{{{ATOM_NS}}}author"), "name", author or title)
    for index, item in enumerate(entries):
        _entry(feed, item, f"entries[{index}]")
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitemap(urls: Sequence[tuple[str, datetime]]) -> bytes:
    """A sitemaps.org 0.9 ``urlset`` of (absolute URL, last modified) pairs, as UTF-8 bytes."""
    if len(urls) > SITEMAP_MAX_URLS:
        raise ValueError(f"a sitemap holds at most {SITEMAP_MAX_URLS} URLs, not {len(urls)}")
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    for index, (url, modified) in enumerate(urls):
        entry = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        loc = etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc")
        loc.text = iri_to_uri(require_absolute_url(url, f"urls[{index}]"))
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = isoformat(modified)
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def iri_to_uri(iri: str) -> str:
    """Percent-encode an IRI's non-ASCII characters (IDNA for the host), as sitemaps require."""
    parts = urlsplit(iri)
    host = parts.hostname or ""
    netloc = parts.netloc
    if not host.isascii():
        port = f":{parts.port}" if parts.port is not None else ""
        netloc = host.encode("idna").decode("ascii") + port
    path, query, fragment = (quote(p, safe=_URI_SAFE) for p in (parts.path, parts.query, parts.fragment))
    return urlunsplit((parts.scheme, netloc, path, query, fragment))


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def _entry(feed: etree._Element, item: FeedEntry, what: str) -> None:
    entry = etree.SubElement(feed, f"{{{ATOM_NS}}}entry")
    if item.language:
        entry.set(XML_LANG, item.language)
    _child(entry, "id", _iri(item.id, f"{what}.id"))
    _child(entry, "title", item.title)
    _link(entry, "alternate", require_absolute_url(item.url, f"{what}.url"), "text/html")
    _child(entry, "updated", isoformat(item.updated))
    if item.published is not None:
        _child(entry, "published", isoformat(item.published))
    if item.author:
        _child(etree.SubElement(entry, f"{{{ATOM_NS}}}author"), "name", item.author)
    if item.verdict:
        category = etree.SubElement(entry, f"{{{ATOM_NS}}}category")
        category.set("term", xml_text(item.verdict))
        category.set("label", xml_text(item.verdict_label or item.verdict))
    _child(entry, "summary", item.summary).set("type", "text")


def _child(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{name}")
    element.text = xml_text(text)
    return element


def _link(parent: etree._Element, rel: str, href: str, media_type: str) -> None:
    link = etree.SubElement(parent, f"{{{ATOM_NS}}}link")
    link.set("rel", rel)
    link.set("type", media_type)
    link.set("href", href)


def _iri(value: str, what: str) -> str:
    """Atom ids must be absolute IRIs: a URL, ``tag:`` or ``urn:``; never a bare path."""
    if not urlsplit(value).scheme or value != value.strip() or " " in value:
        raise ValueError(f"{what} must be an absolute IRI, not {value!r}")
    return value
