"""Turning a fetched HTML body into text and metadata for a snapshot (SPEC §3).

Each page is parsed once, with lxml, and that one tree serves everything: trafilatura (main text,
title, byline), htmldate (the original publication date) and our own reading of the head (Open
Graph, canonical URL, language), the JSON-LD blocks and the links. Those last are XPath over the
same libxml2 tree that BeautifulSoup's "lxml" builder would build: BeautifulSoup would see the same
elements, but re-parsing every page for it costs 30-40 ms, twice the whole budget for a page.
BeautifulSoup is kept for the fallback text, on the rare page where trafilatura finds none.

Text fields come out NFC-normalised (the raw body keeps the page's own bytes); the title is the
page's headline, with Open Graph's kept apart in ``og_title``.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
import warnings
from bisect import bisect_right
from copy import deepcopy
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.html
from bs4 import BeautifulSoup
from dateutil.parser import UnknownTimezoneWarning
from htmldate import find_date
from lxml.etree import ParserError, XPath
from lxml.html import HtmlElement, HTMLParser
from trafilatura import bare_extraction
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.xml import delete_element

from factcheck.archive.charset import decode_html

MAX_LINKS = 1000

# Measured on the corpus (bench/extract_quality.py): trafilatura's fast mode in recall focus is
# both the quickest setting and among the most accurate on news pages; reader comments are not
# the article. Tables often are (figures, results), except on pages laid out with tables inside
# tables, where "tables" are the whole page: see _main_text. Deduplication stays off: its cache
# is shared across documents, so a page's text would depend on the pages that went before it.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "fast": True,
    "favor_recall": True,
    "include_comments": False,
    "deduplicate": False,
}
# The original publication date, not the last update. Without the extensive search (free text,
# copyright lines) htmldate finds as many of the corpus's dates right and half as many wrong:
# a blog's founding year or a copyright year given as the date is worse evidence than none.
HTMLDATE_OPTIONS: dict[str, Any] = {"original_date": True, "extensive_search": False, "outputformat": "%Y-%m-%d"}


@dataclass(frozen=True)
class Extracted:
    """What a snapshot records from an HTML body."""

    title: str | None
    text: str
    byline: str | None
    published: str | None
    canonical_url: str | None
    og_title: str | None
    og_description: str | None
    og_image: str | None
    language: str | None
    links: list[str]
    json_ld: list[dict]
    charset: str


def extract_html(body: bytes, *, url: str, declared_charset: str | None = None) -> Extracted:
    """Decode and parse an HTML body fetched from ``url``; never raises on odd bytes."""
    tree, text, charset = _decoded_tree(body, declared_charset)
    if tree is None:
        return _empty(charset)

    base = _base_url(tree, url)
    meta = _head_meta(tree)
    json_ld = _json_ld(tree)
    headline, byline = _title_and_byline(tree)
    title = headline or meta.get("og:title") or _title_element(tree)
    canonical = _absolute(base, _canonical_href(tree))
    published = _published(tree, canonical or url)
    links = _links(tree, base)
    declared_language = _declared_language(tree, meta, json_ld)
    # trafilatura last, and nothing reads the tree after it: it works on a copy today, but
    # older releases cleaned the tree they were given in place.
    main_text = _nfc(_main_text(tree, url) or _fallback_text(text)) or ""
    return Extracted(
        title=_nfc(title),
        text=main_text,
        byline=_nfc(byline),
        published=published,
        canonical_url=canonical,
        og_title=_nfc(meta.get("og:title")),
        og_description=_nfc(meta.get("og:description")),
        og_image=_absolute(base, meta.get("og:image")),
        language=_language(declared_language, main_text),
        links=links,
        json_ld=json_ld,
        charset=charset,
    )


def _empty(charset: str) -> Extracted:
    return Extracted(title=None, text="", byline=None, published=None, canonical_url=None,
                     og_title=None, og_description=None, og_image=None, language=None, links=[],
                     json_ld=[], charset=charset)


# -- content type -----------------------------------------------------------------------------


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_SNIFFED_TYPES = frozenset({"", "text/plain", "application/octet-stream", "binary/octet-stream",
                            "application/unknown", "unknown/unknown"})
# The WHATWG MIME sniffing patterns for HTML, plus XHTML (an XML declaration, then <html).
_HTML_SIGNATURE = re.compile(
    rb"\s*(?:<!doctype\s+html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a|<style"
    rb"|<title|<b|<body|<br|<p|<!--)[\s>]"
    rb"|\s*<\?xml[^>]*>(?:\s|<!--.*?-->|<!doctype[^>]*>)*<html[\s>]",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(content_type: str, body: bytes) -> bool:
    """Whether a response is HTML: by its declared type, or by its bytes when the type is vague."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in _HTML_TYPES:
        return True
    if mime not in _SNIFFED_TYPES:
        return False
    head = body[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="replace").encode("utf-8")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return _HTML_SIGNATURE.match(head) is not None


# -- parsing ----------------------------------------------------------------------------------


# Characters XML cannot hold: trafilatura builds XML trees and fails on them. Vertical tab and
# form feed separate words, so they become spaces; the other controls go.
_XML_INVALID_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20))
_XML_INVALID_MAP = {**dict.fromkeys(_XML_INVALID_BYTES), 0x0B: " ", 0x0C: " ", 0xFFFE: None,
                    0xFFFF: None}
_LEADING_DECLARATIONS = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype[^>]*>)?", re.IGNORECASE)
_LEADING_DECLARATIONS_BYTES = re.compile(rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!doctype[^>]*>)?", re.IGNORECASE)


def _decoded_tree(body: bytes, declared_charset: str | None) -> tuple[HtmlElement | None, str, str]:
    """The page's tree (None when there is nothing to parse), its text and the charset it was
    decoded with."""
    text, charset = decode_html(body, declared_charset)
    # Valid UTF-8 (no BOM) is parsed as it came; anything else is parsed as re-encoded text.
    utf8 = body if charset == "utf-8" and not body.startswith(codecs.BOM_UTF8) else None
    return _parse(text, utf8), text, charset


def _parse(text: str, utf8: bytes | None = None) -> HtmlElement | None:
    """One lxml tree for the page; ``utf8``, when given, is ``text`` already encoded."""
    data = utf8 if utf8 is not None else text.encode("utf-8", errors="replace")
    # Characters XML cannot hold make trafilatura fail; checking is cheap, removing is not.
    if (len(data.translate(None, _XML_INVALID_BYTES)) != len(data)
            or "\ufffe" in text or "\uffff" in text):
        data = text.translate(_XML_INVALID_MAP).encode("utf-8", errors="replace")
    # libxml2 mis-parses some doctypes (lxml bug 1955915) and we need neither it nor an XML
    # declaration; the parser is told the encoding, so a stale declaration cannot mislead it.
    declarations = _LEADING_DECLARATIONS_BYTES.match(data)
    if declarations is not None and declarations.end():
        data = data[declarations.end():]
    if not data or data.isspace():
        return None
    # A parser per call: lxml parsers must not be shared between threads.
    # huge_tree: libxml2 otherwise stops at 256 levels of nesting and drops the rest of the page,
    # which a hoax page could use to hide its text from the archive and from search.
    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                        remove_comments=True, remove_pis=True, huge_tree=True)
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (ParserError, ValueError):
        return None


# -- head: Open Graph, canonical URL, title ---------------------------------------------------


def _head_meta(tree: HtmlElement) -> dict[str, str]:
    """``<meta>`` values by lower-cased property/name/http-equiv, first occurrence kept."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = element.get("content")
        if content is None or not content.strip():
            continue
        for attribute in ("property", "name", "http-equiv", "itemprop"):
            key = element.get(attribute)
            if key:
                found.setdefault(key.strip().lower(), content.strip())
    return found


def _canonical_href(tree: HtmlElement) -> str | None:
    for element in tree.iter("link"):
        if "canonical" in (element.get("rel") or "").lower().split() and element.get("href"):
            return element.get("href")
    return None


def _title_element(tree: HtmlElement) -> str | None:
    element = tree.find(".//title")
    title = " ".join(element.text_content().split()) if element is not None else ""
    return title or None


# -- URLs and links ---------------------------------------------------------------------------


_LINK_TARGETS = XPath("//a/@href|//area/@href", smart_strings=False)
# An absolute http(s) URL with a plain host, which needs no resolving (most links on a page).
_PLAIN_ABSOLUTE = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?(?:[/?][^\s\\]*)?", re.IGNORECASE)
_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?(?=[/?#]|$)", re.IGNORECASE)
# Root-relative with no dot segments to remove ("/a/../b") and nothing a browser would rewrite.
_PLAIN_ROOT_RELATIVE = re.compile(r"/(?![/\\.])(?:(?!/\.)[^\s\\])*")
_TABS_AND_NEWLINES = dict.fromkeys(map(ord, "\t\n\r"))
_BAD_HOST = re.compile(r"[\s\\<>\"{}|^`%@/]")


# -- the article's pictures ------------------------------------------------------------------

MAX_ARTICLE_IMAGES = 3
MIN_PICTURE_SIDE = 100  # pixels: an image declared smaller is an icon, an avatar or a tracking pixel
# Where a page keeps what is not its article: a logo, a menu, an author's photo, a sidebar.
_NOT_ARTICLE = frozenset({"nav", "header", "footer", "aside", "form", "noscript", "template"})
# Where lazy-loading pages keep the real address while ``src`` holds a placeholder.
_LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-lazy")
_VECTOR = re.compile(r"\.svgz?(?:[?#]|$)", re.IGNORECASE)


def article_images(body: bytes, *, url: str, declared_charset: str | None = None,
                   limit: int = MAX_ARTICLE_IMAGES) -> list[str]:
    """The absolute http(s) addresses of the pictures an HTML page's article shows, in page order,
    each once, at most ``limit``: the ``<img>`` of its ``<article>`` (else ``<main>``, else the
    body) outside navigation, headers, footers and asides, not declared smaller than
    :data:`MIN_PICTURE_SIDE`, not vector art. Never raises on odd bytes."""
    tree, _text, _charset = _decoded_tree(body, declared_charset)
    if tree is None:
        return []
    base = _base_url(tree, url)
    container = next((element for element in map(tree.find, (".//article", ".//main", ".//body"))
                      if element is not None), tree)
    pictures: dict[str, None] = {}
    for image in container.iter("img"):
        if len(pictures) >= limit:
            break
        if _declared_small(image) or any(parent.tag in _NOT_ARTICLE for parent in image.iterancestors()):
            continue
        address = _picture_address(image, base)
        if address is not None and not _VECTOR.search(address):
            pictures.setdefault(address, None)
    return list(pictures)


def _declared_small(image: HtmlElement) -> bool:
    for side in ("width", "height"):
        value = (image.get(side) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_PICTURE_SIDE:
            return True
    return False


def _picture_address(image: HtmlElement, base: str) -> str | None:
    """The real address of an ``<img>``: its ``src`` unless that is a placeholder (a ``data:``
    URL), else a lazy-loading attribute's, else the last (usually largest) ``srcset`` entry's."""
    candidates = [image.get("src"), *(image.get(name) for name in _LAZY_SOURCES)]
    srcset = image.get("srcset") or image.get("data-srcset")
    if srcset:
        candidates.append(srcset.split(",")[-1].strip().split(" ")[0])
    for candidate in candidates:
        if candidate and not candidate.strip().lower().startswith("data:"):
            address = _absolute(base, candidate)
            if address is not None:
                return address
    return None


def _base_url(tree: HtmlElement, url: str) -> str:
    """What relative URLs resolve against: the first ``<base href>``, else the page's URL."""
    base = tree.find("head/base[@href]")
    return (_absolute(url, base.get("href")) if base is not None else None) or url


def _absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base`` when it is an http(s) URL; None otherwise."""
    return _resolve(base, _clean_href(href)) if href else None


def _clean_href(href: str) -> str:
    # As browsers do: surrounding spaces go, and tabs and newlines anywhere.
    return href.strip().translate(_TABS_AND_NEWLINES)


def _resolve(base: str, href: str) -> str | None:
    try:
        resolved = urljoin(base, href)
        parts = urlsplit(resolved)
        hostname = parts.hostname
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not hostname or _BAD_HOST.search(hostname):
        return None
    return urlunsplit(parts)  # urljoin leaves a URL of another scheme as written ("HTTP://")


def _links(tree: HtmlElement, base: str) -> list[str]:
    """Absolute http(s) link targets in document order, de-duplicated, fragments dropped."""
    links: dict[str, None] = {}
    seen: set[str] = set()
    origin = _ORIGIN.match(base)
    for href in _LINK_TARGETS(tree):
        if href in seen:
            continue
        seen.add(href)
        href = _clean_href(href).partition("#")[0]
        if not href:
            continue
        # Most links are absolute or root-relative and need no urljoin (the slow part of this);
        # an empty query is left to urljoin, which drops it.
        if href[-1] != "?" and _PLAIN_ABSOLUTE.fullmatch(href):
            scheme, _colon, rest = href.partition(":")
            link: str | None = f"{scheme.lower()}:{rest}"
        elif href[-1] != "?" and origin is not None and _PLAIN_ROOT_RELATIVE.fullmatch(href):
            link = origin.group() + href
        else:
            link = _resolve(base, href)
        if link is not None:
            links[link] = None
            if len(links) >= MAX_LINKS:
                break
    return list(links)


# -- JSON-LD ----------------------------------------------------------------------------------


def _json_ld(tree: HtmlElement) -> list[dict]:
    """Every JSON-LD object on the page; a block that is not valid JSON is skipped."""
    objects: list[dict] = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").split(";", 1)[0].strip().lower()
        if kind != "application/ld+json" or not script.text:
            continue
        source = script.text.strip()
        # CMSs wrap blocks in the old "hide from old browsers" markers.
        for opener, closer in (("<!--", "-->"), ("//<![CDATA[", "//]]>"), ("<![CDATA[", "]]>")):
            if source.startswith(opener) and source.endswith(closer):
                source = source[len(opener):-len(closer)].strip()
        try:
            value = json.loads(source, strict=False)
        except (ValueError, RecursionError):
            continue
        items = value if isinstance(value, list) else [value]
        objects.extend(item for item in items if isinstance(item, dict))
    return objects


# -- title and byline (trafilatura's rules) ---------------------------------------------------


# Every element the author rules below could select or discard, in document order.
_AUTHOR_SCAN = XPath("//*[@class or @id or @itemprop or @rel or @data-testid or @data-component]"
                     "|//author|//time|//figure")
_AUTHOR_TAGS_0 = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_AUTHOR_TAGS_1 = frozenset({"a", "div", "h3", "h4", "p", "span"})
_AUTHOR_CLASS_0 = re.compile("author-?name|AuthorName|authorName")
_AUTHOR_ID_1 = re.compile("author|zuozhe|bianji|xiaobian")
_AUTHOR_CLASS_1 = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_AUTHOR_ID_2 = re.compile("[Aa]uthor")
_AUTHOR_CLASS_2 = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
# Every class or id the rules below test for contains one of these.
_AUTHOR_ANY = re.compile("uthor|byl|BBL|username|screenname|writer|yline|channel-name|zuozhe|bianji"
                         "|xiaobian|submitted-by|posted-by|journalist-name")
_AUTHOR_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_AUTHOR_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_AUTHOR_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer")


def _title_and_byline(tree: HtmlElement) -> tuple[str | None, str | None]:
    """The headline and the author, by trafilatura's rules.

    The title is the page's own headline (trafilatura's ``extract_title``: the one ``<h1>``, a
    title element, the ``<title>``); Open Graph's, often a social-media variant, is recorded apart
    and only stands in. It matches the corpus's titles on 47 of 63 pages, against 31 for Open
    Graph first. The byline is trafilatura.extract_metadata's author: meta tags and JSON-LD, then
    the page, without that function's category, tag, licence and htmldate passes (~8 ms a page).
    """
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # as trafilatura does: a single word is a handle, not a byline
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # noqa: BLE001, S110 - trafilatura guards this call the same way: odd
        pass           # JSON-LD (nested 100,000 deep, say) must not cost the page its text
    title = extract_title(tree) or metadata.title
    byline = metadata.author or _byline_in_page(tree)
    return _clean(title), _clean(byline)


def _byline_in_page(tree: HtmlElement) -> str | None:
    """trafilatura's ``extract_author``, in one pass over the tree instead of a copy and 5 XPaths.

    Its XPaths test attributes with EXSLT regular expressions, a Python call per element, on a
    pruned deep copy: ~10 ms a page. These are the same rules (trafilatura.xpaths AUTHOR_XPATHS
    and AUTHOR_DISCARD_XPATHS); a test checks both give the same byline on the corpus pages.
    """
    candidates: tuple[list[HtmlElement], ...] = ([], [], [])
    discarded: set[HtmlElement] = set()
    for element in _AUTHOR_SCAN(tree):
        tag = element.tag
        if _author_discarded(element, tag):
            discarded.add(element)
            continue
        for level in _author_levels(element, tag):
            candidates[level].append(element)
    for found in candidates:
        for element in found:
            if any(ancestor in discarded for ancestor in element.iterancestors()):
                continue
            content = _text_without(element, discarded)
            if 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None


def _author_levels(element: HtmlElement, tag: str) -> list[int]:
    levels = []
    if tag == "author":
        levels.append(0)
    get = element.get
    css, ident, itemprop = get("class") or "", get("id") or "", get("itemprop") or ""
    if not (itemprop or _AUTHOR_ANY.search(css) or _AUTHOR_ANY.search(ident)
            or get("rel") == "author" or get("data-testid") or get("data-component")):
        return levels  # the common case: nothing below can match
    if tag in _AUTHOR_TAGS_0 and (
        get("rel") == "author" or ident == "author" or css == "author" or itemprop == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL") or _AUTHOR_CLASS_0.search(css)
    ):
        levels.append(0)
    if tag in _AUTHOR_TAGS_1 and (
        css in ("byline", "username", "byl", "BBL") or "author" in itemprop
        or _AUTHOR_ID_1.search(ident) or _AUTHOR_CLASS_1.search(css)
    ):
        levels.append(1)
    if ("Byline" in (get("data-component") or "") or "author" in itemprop
            or _AUTHOR_ID_2.search(ident) or _AUTHOR_CLASS_2.search(css)):
        levels.append(2)
    return levels


def _author_discarded(element: HtmlElement, tag: str) -> bool:
    if tag in ("time", "figure"):
        return True
    if tag not in _AUTHOR_DISCARD_TAGS:
        return False
    css, ident = element.get("class") or "", element.get("id") or ""
    return (ident == "comments" or css in ("comments", "title", "date")
            or _AUTHOR_DISCARD_ID.search(ident) is not None
            or _AUTHOR_DISCARD_CLASS.search(css) is not None
            or "Figure" in (element.get("data-component") or ""))


def _text_without(element: HtmlElement, discarded: set[HtmlElement]) -> str:
    """The element's text as trafilatura reads it, once the discarded elements are deleted."""
    if any(node in discarded for node in element.iterdescendants()):
        element = deepcopy(element)
        for node in [node for node in element.iterdescendants()
                     if isinstance(node.tag, str) and _author_discarded(node, node.tag)]:
            delete_element(node)
    return " ".join(" ".join(element.itertext()).split())


def _clean(value: str | None) -> str | None:
    value = " ".join(value.split()) if value else ""
    return value or None


# -- publication date -------------------------------------------------------------------------


def _published(tree: HtmlElement, url: str) -> str | None:
    # dateutil warns about time zone names it does not know ("GST"); the date is still right.
    # (catch_warnings is process-wide on this Python; at worst another thread misses that warning.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownTimezoneWarning)
        return find_date(tree, url=url, **HTMLDATE_OPTIONS) or None


# -- language ---------------------------------------------------------------------------------


_LANGUAGE_TAG = re.compile(r"([a-z]{2,3})(?:[-_][a-z0-9]{1,8})*")
_UNDETERMINED_LANGUAGES = frozenset({"und", "mul", "zxx", "mis"})
# Letters by Unicode block: (first, last, script), sorted, for the language sanity check.
_SCRIPT_RANGES = (
    (0x0041, 0x024F, "latin"), (0x0370, 0x03FF, "greek"), (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"), (0x0590, 0x05FF, "hebrew"), (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"), (0x0900, 0x097F, "devanagari"), (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"), (0x0A80, 0x0AFF, "gujarati"), (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"), (0x0C00, 0x0C7F, "telugu"), (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"), (0x0D80, 0x0DFF, "sinhala"), (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"), (0x0F00, 0x0FFF, "tibetan"), (0x1000, 0x109F, "myanmar"),
    (0x10A0, 0x10FF, "georgian"), (0x1100, 0x11FF, "hangul"), (0x1200, 0x139F, "ethiopic"),
    (0x1780, 0x17FF, "khmer"), (0x1E00, 0x1EFF, "latin"), (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"), (0x3400, 0x4DBF, "han"), (0x4E00, 0x9FFF, "han"),
    (0xAC00, 0xD7AF, "hangul"), (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
)
_SCRIPT_STARTS = tuple(first for first, _last, _script in _SCRIPT_RANGES)
_SCRIPT_SAMPLE = 1500
_SCRIPT_MIN_LETTERS = 40
_LANGUAGE_OF_SCRIPT = {
    "greek": "el", "armenian": "hy", "hebrew": "he", "bengali": "bn", "gurmukhi": "pa",
    "gujarati": "gu", "oriya": "or", "tamil": "ta", "telugu": "te", "kannada": "kn",
    "malayalam": "ml", "sinhala": "si", "thai": "th", "lao": "lo", "tibetan": "bo",
    "myanmar": "my", "georgian": "ka", "hangul": "ko", "khmer": "km", "kana": "ja",
}
# The scripts a declared language may be written in; languages not listed are not checked.
_SCRIPTS_OF = {
    **dict.fromkeys(("en", "fr", "de", "es", "pt", "it", "nl", "id", "ms", "tr", "pl", "vi",
                     "sv", "da", "no", "nb", "fi", "cs", "ro", "hu", "sw", "tl"), ("latin",)),
    **dict.fromkeys(("hi", "mr", "ne", "sa", "mai", "bho", "kok"), ("devanagari", "latin")),
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "sd"), ("arabic",)),
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"), ("cyrillic",)),
    **{language: (script,) for script, language in (
        ("greek", "el"), ("armenian", "hy"), ("hebrew", "he"), ("hebrew", "yi"), ("bengali", "bn"),
        ("bengali", "as"), ("gurmukhi", "pa"), ("gujarati", "gu"), ("oriya", "or"),
        ("tamil", "ta"), ("telugu", "te"), ("kannada", "kn"), ("malayalam", "ml"),
        ("sinhala", "si"), ("thai", "th"), ("lao", "lo"), ("myanmar", "my"),
        ("georgian", "ka"), ("hangul", "ko"), ("khmer", "km"), ("han", "zh"))},
    "ja": ("kana", "han"),
}


def _declared_language(tree: HtmlElement, meta: dict[str, str], json_ld: list[dict]) -> str | None:
    """The primary subtag of the language the page declares, lower-cased."""
    in_language = next((item["inLanguage"] for item in json_ld
                        if isinstance(item.get("inLanguage"), str)), None)
    candidates = (
        tree.get("lang"), tree.get("xml:lang"), meta.get("content-language"),
        meta.get("language"), meta.get("dc.language"), meta.get("og:locale"), in_language,
    )
    for candidate in candidates:
        # Content-Language may list several; the first is the page's main one.
        match = _LANGUAGE_TAG.fullmatch((candidate or "").split(",")[0].strip().lower())
        if match and match.group(1) not in _UNDETERMINED_LANGUAGES:
            return match.group(1)
    return None


def _language(declared: str | None, text: str) -> str | None:
    """The declared language, unless the text's script rules it out (Gujarati declared "en").

    A script that belongs to one language names it when nothing else does; Latin, Cyrillic,
    Arabic and Devanagari serve many languages and name none.
    """
    script = None if text.isascii() else _dominant_script(text)
    if script is None or script == "latin":
        return declared
    if declared is not None and script in _SCRIPTS_OF.get(declared, (script,)):
        return declared
    if script == "han":
        return "zh"
    return _LANGUAGE_OF_SCRIPT.get(script)


def _dominant_script(text: str) -> str | None:
    """The script of most letters in (the start of) ``text``; None for too few letters."""
    counts: dict[str, int] = {}
    letters = 0
    for char in text[:_SCRIPT_SAMPLE]:
        if not char.isalpha():
            continue
        letters += 1
        index = bisect_right(_SCRIPT_STARTS, ord(char)) - 1
        if index >= 0 and ord(char) <= _SCRIPT_RANGES[index][1]:
            script = _SCRIPT_RANGES[index][2]
            counts[script] = counts.get(script, 0) + 1
    if letters < _SCRIPT_MIN_LETTERS or not counts:
        return None
    script, count = max(counts.items(), key=lambda item: item[1])
    if script == "han" and counts.get("kana", 0) >= count / 10:
        return "kana"  # Japanese mixes kana into kanji; Chinese has none
    return script if count * 2 > letters else None


# -- main text --------------------------------------------------------------------------------


_NESTED_TABLE = XPath("boolean(//table//table)")
_FALLBACK_DROP = ("script", "style", "nav", "noscript", "template")
_SPACES = re.compile(r"[^\S\n]+")


def _main_text(tree: HtmlElement, url: str) -> str:
    layout_tables = _NESTED_TABLE(tree)
    document = bare_extraction(tree, url=url, include_tables=not layout_tables, **TRAFILATURA_OPTIONS)
    if document is None:
        return ""
    text = document.get("text") if isinstance(document, dict) else document.text
    return (text or "").strip()


def _fallback_text(text: str) -> str:
    """The text of ``<article>``, ``<main>`` or ``<body>`` without scripts, styles and navigation."""
    declarations = _LEADING_DECLARATIONS.match(text)  # it matches the empty string at worst
    markup = text[declarations.end() if declarations else 0:]
    if "<" not in markup:
        return _tidy(markup)
    if not markup.lstrip().startswith("<"):
        # Markup that starts like a URL or a file name makes BeautifulSoup warn; it is markup.
        markup = "<body>" + markup
    soup = BeautifulSoup(markup, "lxml")
    container = soup.find("article") or soup.find("main") or soup.body
    if container is None:
        return ""
    for element in container.find_all(_FALLBACK_DROP):
        element.decompose()
    return _tidy(container.get_text("\n"))


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _nfc(value: str | None) -> str | None:
    # One spelling per character, as search and comparison need (the page kept "য়" precomposed,
    # a reader pasting it back types য + ় ). The raw body keeps the original bytes.
    if value is None or value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)
