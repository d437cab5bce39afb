"""Archived pages made safe to replay: nothing in them can reach out (SPEC §3, issue 9).

The replay frame's sandbox and Content-Security-Policy stop most loads, but not all: Chromium opens
a connection for a nested frame that CSP then refuses, a reader's click on a link navigates the
frame, and resource hints, pings and refreshes sit outside some browsers' CSP. So the page itself is
rewritten before it is served: parsed once with lxml, every element decided by an allowlist, and
written out again by our own serializer, so that what the browser parses is exactly what was
checked (no comment, raw-text element or odd attribute name can smuggle markup past it).

What survives: text, structure, layout attributes and inline CSS whose URLs are gone. What goes:
scripts, resource hints and every other ``<link>``, ``<base>``, ``<meta http-equiv>``, frames,
plugins, event handlers, and every URL-bearing attribute; a removed URL is kept visible as
``data-archived-<attribute>`` (made absolute) and, on links, as the ``title``. ``data:`` images
and same-document ``#fragment`` references stay, since they fetch nothing. SVG bodies are replayed
as an ``<img>`` of a ``data:`` URL, which browsers render without scripts or external loads.

Nothing here raises on any bytes, and the cost is linear in the size of the page.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable
from typing import cast
from urllib.parse import urljoin

import lxml.html
from lxml.etree import LxmlError
from lxml.html import HtmlElement, HTMLParser

from factcheck.archive.charset import decode_html

# -- what is kept ----------------------------------------------------------------------------

# Attributes that hold no URL and run nothing, by (lower-case) name, on any element. Anything not
# listed here (or data-*/aria-*) is dropped: an attribute we do not know might fetch something.
_HTML_ATTRIBUTES = frozenset("""
    abbr accept accesskey align alink alt autocapitalize autocomplete axis bgcolor border
    cellpadding cellspacing char charoff checked class clear color cols colspan compact controls
    coords datetime default dir dirname disabled enterkeyhint face for form frame headers height
    hidden high hspace id inert inputmode ismap itemprop itemref itemscope kind label lang link
    list loop low marginheight marginwidth max maxlength media min minlength multiple muted name
    nowrap noshade open optimum pattern placeholder popover popovertarget popovertargetaction
    property readonly required reversed role rows rowspan rules scope selected shape size sizes
    slot span spellcheck srclang start step summary tabindex text title translate type valign
    value vlink vspace width wrap xml:lang xml:space behavior direction scrollamount scrolldelay
    leftmargin topmargin part
""".split())
_SVG_GEOMETRY_ATTRIBUTES = frozenset("""
    x y x1 x2 y1 y2 cx cy r rx ry fx fy fr d points pathlength transform viewbox
    preserveaspectratio dx dy rotate textlength lengthadjust gradientunits gradienttransform
    spreadmethod offset patternunits patterncontentunits patterntransform markerunits
    markerwidth markerheight refx refy orient clippathunits maskunits maskcontentunits
    filterunits primitiveunits stddeviation in in2 result mode operator k1 k2 k3 k4 values
    tablevalues slope intercept amplitude exponent basefrequency numoctaves seed stitchtiles
    scale xchannelselector ychannelselector radius kernelmatrix order divisor bias targetx
    targety edgemode kernelunitlength preservealpha surfacescale diffuseconstant
    specularconstant specularexponent azimuth elevation pointsatx pointsaty pointsatz
    limitingconeangle startoffset method spacing side version baseprofile focusable
    mathvariant mathsize mathcolor mathbackground displaystyle scriptlevel linethickness fence
    separator stretchy symmetric largeop movablelimits accent accentunder lspace rspace
    columnalign rowalign columnspan notation depth voffset
""".split())
# SVG presentation attributes: CSS values, some of which may hold url(...).
_CSS_ATTRIBUTES = frozenset("""
    fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap
    stroke-linejoin stroke-dasharray stroke-dashoffset stroke-miterlimit opacity display
    visibility overflow clip-rule clip-path mask filter marker-start marker-mid marker-end
    font-family font-size font-weight font-style font-variant font-stretch text-anchor
    dominant-baseline alignment-baseline baseline-shift letter-spacing word-spacing
    text-decoration writing-mode unicode-bidi stop-color stop-opacity flood-color flood-opacity
    lighting-color color-interpolation color-interpolation-filters shape-rendering
    text-rendering image-rendering vector-effect paint-order mix-blend-mode isolation
    transform-origin cursor pointer-events style
""".split())
_SAFE_ATTRIBUTES = _HTML_ATTRIBUTES | _SVG_GEOMETRY_ATTRIBUTES | _CSS_ATTRIBUTES
_OPEN_ATTRIBUTE = re.compile(r"(?:data|aria)-[a-z0-9_.-]+\Z")

# Attributes whose value is a URL (or a list of them) that a browser may fetch or follow; their
# value is kept as data-archived-<name>. Matched on the local name, so xlink:href is an href.
_URL_ATTRIBUTES = frozenset("""
    href src srcset imagesrcset poster background data codebase classid archive code object
    action formaction ping cite longdesc lowsrc dynsrc manifest usemap profile icon
    attributionsrc pluginspage pluginurl
""".split())
# Where a data: image may stay (it loads nothing): image sources, not links.
_DATA_IMAGE_ATTRIBUTES = frozenset({"src", "poster", "href"})
_LINKS = frozenset({"a", "area"})
# <meta name=...> whose content is about display, kept as it is; other metas keep theirs aside.
_META_DISPLAY = frozenset({"viewport", "color-scheme", "theme-color", "description", "keywords",
                           "author", "generator", "robots"})

# Elements removed with everything inside them.
_DROPPED = frozenset("""
    script link base param template noembed noframes portal fencedframe animate animatecolor
    animatemotion animatetransform set discard handler listener font-face-uri color-profile
    cursor tref keygen
""".split())
# Elements that reach elsewhere by nature: replaced by an empty box, keeping their URL as evidence.
# <object> and <applet> keep their fallback content inside the box.
_FRAMES = frozenset({"iframe", "frame", "object", "embed", "applet"})
_FALLBACK_CONTENT = frozenset({"object", "applet"})
# Elements dropped while their content stays: the frame runs no scripts, so <noscript> shows.
_UNWRAPPED = frozenset({"noscript"})
# Raw-text elements whose text is shown as text (our serializer escapes it): as <pre>.
_RENAMED = {"xmp": "pre", "plaintext": "pre", "listing": "pre", "frameset": "div"}
_VOID = frozenset("""
    area base br col embed hr img input link meta param source track wbr basefont bgsound frame
    keygen
""".split())
_TAG_NAME = re.compile(r"[a-z][a-z0-9_.:-]*\Z")

_ARCHIVED_VALUE_LIMIT = 2048
# Our own rules, first in <head>: :where() gives them no specificity, so the page's CSS wins.
_REPLAY_STYLE = (":where(a,area)[data-archived-href]{color:LinkText;text-decoration:underline;"
                 "cursor:not-allowed}:where([data-archived-element]){display:inline-block;"
                 "border:1px dashed #999;min-width:1em;min-height:1em}")
_HEAD_EXTRA = f'<meta charset="utf-8"><style>{_REPLAY_STYLE}</style>'
_EMPTY_PAGE = f"<!DOCTYPE html><html><head>{_HEAD_EXTRA}</head><body></body></html>"

# -- parsing ---------------------------------------------------------------------------------

# Controls libxml2 cannot hold; vertical tab and form feed separate words, so they become spaces.
_CONTROLS = {**dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20), 0xFFFE, 0xFFFF]),
             0x0B: " ", 0x0C: " "}
# An XML declaration, processing instructions and comments may come before the doctype.
_LEADING = re.compile(r"(?:\s+|<\?[^>]*>|<!--.*?-->)*(?:<!doctype([^>]*)>)?", re.IGNORECASE | re.DOTALL)
# What a browser's URL parser strips from the ends of a URL, and removes anywhere in it.
_URL_OUTER = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_URL_INNER = re.compile(r"[\t\n\r]")
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_DOCTYPE_JUNK = re.compile(r"[^\x20-\x7e\t\n]|[<>&]")


def neutralise_html(body: bytes, charset: str | None, *, url: str | None = None) -> bytes:
    """The archived HTML (or XHTML) ``body`` rewritten so that it cannot make a browser fetch,
    prefetch, resolve or navigate anywhere by itself, as UTF-8 HTML.

    ``charset`` is the declared one (as recorded on the snapshot); ``url`` is where the page was
    fetched from, to show removed relative URLs as absolute ones.
    """
    text, _encoding = decode_html(body, charset)
    text = text.translate(_CONTROLS)
    leading = _LEADING.match(text)
    doctype = _doctype(leading.group(1)) if leading and leading.group(1) is not None else ""
    rest = text[leading.end():] if leading else text
    if not rest.strip():
        return _EMPTY_PAGE.encode("utf-8")
    # A parser per call: lxml parsers must not be shared between threads.
    parser = HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                        collect_ids=False, default_doctype=False, huge_tree=True)
    try:
        tree = lxml.html.document_fromstring(rest.encode("utf-8", errors="replace"), parser=parser)
    except (LxmlError, ValueError):
        return _as_text_page(rest)
    if any(error.level_name == "FATAL" for error in parser.error_log):
        # libxml2 stops at a fatal error (nesting deeper than 2048, say) and drops the rest of
        # the page; a browser would show it all. The source as text loses no evidence.
        return _as_text_page(rest)
    base = _base_url(tree, url)
    parts = [doctype]
    _serialise(tree, base, parts)
    return "".join(parts).encode("utf-8", errors="replace")


def svg_as_image(body: bytes) -> bytes:
    """An HTML page showing an SVG ``body`` as an image: browsers run no script and load nothing
    for an SVG in ``<img>``, whatever it references."""
    source = "data:image/svg+xml;base64," + base64.b64encode(body).decode("ascii")
    return (f"<!DOCTYPE html><html><head>{_HEAD_EXTRA}<style>body{{margin:0}}img{{max-width:100%}}"
            f'</style></head><body><img alt="" src="{source}"></body></html>').encode("utf-8")


def _doctype(inner: str) -> str:
    # The page's own doctype keeps its rendering mode (quirks or standards); it cannot hold markup.
    return f"<!DOCTYPE{_DOCTYPE_JUNK.sub('', inner)}>"


def _as_text_page(text: str) -> bytes:
    return (f"<!DOCTYPE html><html><head>{_HEAD_EXTRA}</head><body><pre>{html.escape(text)}</pre>"
            "</body></html>").encode("utf-8", errors="replace")


def _base_url(tree: HtmlElement, url: str | None) -> str | None:
    if not url:
        return None
    for element in tree.iter("base"):
        href = element.get("href")
        if href and href.strip():
            return _join(url, href.strip()) or url
    return url


def _join(base: str | None, value: str) -> str | None:
    if not base or _ABSOLUTE.match(value):
        return value
    try:
        return urljoin(base, value)
    except ValueError:  # e.g. a malformed IPv6 host
        return None


# -- writing ---------------------------------------------------------------------------------


def _serialise(root: HtmlElement, base: str | None, out: list[str]) -> None:
    """Write ``root`` as HTML, deciding each element on the way; iterative, for any depth."""
    has_head = any(child.tag == "head" for child in root)
    # The stack holds elements still to write, and strings already decided (end tags, tails).
    stack: list[HtmlElement | str] = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
            continue
        tail = _text(item.tail)
        tag = item.tag if isinstance(item.tag, str) else None  # comments, PIs, entities: no tag
        tag = tag.lower() if tag else None
        if tag is None or (tag in _DROPPED and not _is_shadow_root(item, tag)) or (
                tag == "meta" and _meta_is_dropped(item)):
            out.append(tail)
            continue
        if tag in _UNWRAPPED or tag == "template" or not _TAG_NAME.match(tag):
            out.append(_text(item.text))
            stack.append(tail)
            stack.extend(reversed(item))
            continue
        if tag in _FRAMES:
            out.append(_frame_box(item, tag, base))
            if tag in _FALLBACK_CONTENT:
                out.append(_text(item.text))
                stack.append("</span>" + tail)
                stack.extend(reversed([child for child in item if child.tag != "param"]))
            elif tag in _VOID:
                # libxml2 nests what follows a void <embed> or <frame> inside it; browsers do not.
                out.append("</span>" + _text(item.text))
                stack.append(tail)
                stack.extend(reversed(item))
            else:
                out.append("</span>" + tail)  # an <iframe>'s content is raw text, never shown
            continue
        name = _RENAMED.get(tag, tag)
        out.append(_start_tag(name, _attributes(item, tag, base)))
        if tag == "html":
            if not has_head:
                out.append(f"<head>{_HEAD_EXTRA}</head>")
        elif tag == "head":
            out.append(_HEAD_EXTRA)
        if tag == "style":
            out.append(neutralise_css(item.text_content(), in_style_element=True))
            out.append("</style>" + tail)
            continue
        out.append(_text(item.text))
        stack.append(tail if tag in _VOID else f"</{name}>{tail}")
        stack.extend(reversed(item))


def _text(value: str | None) -> str:
    if not value:
        return ""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _start_tag(name: str, attributes: Iterable[tuple[str, str]]) -> str:
    written = "".join(f' {key}="{_attribute_value(value)}"' for key, value in attributes)
    return f"<{name}{written}>"


def _attribute_value(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def _is_shadow_root(element: HtmlElement, tag: str) -> bool:
    # A declarative shadow root is shown, unlike other templates: its content stays, unwrapped.
    return tag == "template" and any(key.lower() in ("shadowrootmode", "shadowroot") for key in element.attrib)


def _meta_is_dropped(element: HtmlElement) -> bool:
    # http-equiv (refresh, set-cookie, Link, CSP...), charset (ours is written instead), referrer.
    names = {key.lower() for key in element.attrib}
    return bool(names & {"http-equiv", "charset"}) or (element.get("name") or "").strip().lower() == "referrer"


def _attributes(element: HtmlElement, tag: str, base: str | None) -> list[tuple[str, str]]:
    """The element's attributes as they may be replayed, with removed URLs kept aside."""
    kept: dict[str, str] = {}
    archived: dict[str, str] = {}
    for raw_name, value in element.attrib.items():
        name = raw_name.lower()
        local = name.rsplit(":", 1)[-1]
        if local in _URL_ATTRIBUTES:
            safe = _harmless_url(tag, local, value)
            if safe is not None:
                kept[name] = safe
            elif value.strip():
                archived[f"data-archived-{local}"] = _archived(local, value, base)
        elif name in _CSS_ATTRIBUTES:
            css = neutralise_css(value) if _may_hold_url(value) else value
            if css.strip():
                kept[name] = css
        elif name in _SAFE_ATTRIBUTES or _OPEN_ATTRIBUTE.match(name):
            kept[name] = value
        elif name == "content" and tag == "meta":
            meta_name = (element.get("name") or "").strip().lower()
            if meta_name in _META_DISPLAY:
                kept[name] = value
            else:
                archived["data-archived-content"] = value[:_ARCHIVED_VALUE_LIMIT]
    if tag in _LINKS and "data-archived-href" in archived and "title" not in kept:
        kept["title"] = archived["data-archived-href"]
    return [*kept.items(), *archived.items()]


def _harmless_url(tag: str, attribute: str, value: str) -> str | None:
    """``value`` as it may stay (a same-document fragment, a data: image), or None."""
    cleaned = _url_as_parsed(value)
    # A fragment names an element of this page; an image's href would load the page as an image.
    if cleaned.startswith("#") and (attribute == "usemap" or (attribute == "href" and tag != "image")):
        return cleaned
    if (attribute in _DATA_IMAGE_ATTRIBUTES and tag not in _LINKS
            and cleaned[:11].lower() == "data:image/"):
        return cleaned
    return None


def _archived(attribute: str, value: str, base: str | None) -> str:
    """A removed URL as evidence: absolute where it is one URL, shortened when huge."""
    value = value.strip()
    if attribute not in ("srcset", "imagesrcset", "archive", "ping") and not value.lower().startswith(
            ("javascript:", "data:", "vbscript:")):
        value = _join(base, value) or value
    return value[:_ARCHIVED_VALUE_LIMIT]


def _frame_box(element: HtmlElement, tag: str, base: str | None) -> str:
    """The empty box left where a frame or plugin was, naming what it would have loaded."""
    attributes = [("data-archived-element", tag)]
    for name in ("src", "data", "code", "codebase"):
        value = element.get(name)
        if value and value.strip():
            attributes.append((f"data-archived-{name}", _archived(name, value, base)))
    target = next((value for key, value in attributes[1:] if key != "data-archived-codebase"), None)
    attributes.append(("title", f"{tag}: {target}" if target else tag))
    size = [f"{dimension}:{_length(element.get(dimension))}" for dimension in ("width", "height")
            if _length(element.get(dimension))]
    if size:
        attributes.append(("style", ";".join(size)))
    return _start_tag("span", attributes)


def _length(value: str | None) -> str | None:
    match = re.fullmatch(r"\s*(\d{1,5}(?:\.\d+)?)\s*(%|px)?\s*", value or "")
    return f"{match.group(1)}{match.group(2) or 'px'}" if match else None


def _may_hold_url(value: str) -> bool:
    return "(" in value or "\\" in value or "@" in value


# -- CSS -------------------------------------------------------------------------------------

# CSS Syntax Level 3 tokens, as far as reaching out depends on them: comments, strings, names
# (with escapes) and whether a "(" follows, at-keywords. Everything else passes one code point at
# a time. Written so that a string or comment is never taken for code, or the other way round.
_ESCAPE = r"\\(?:[0-9A-Fa-f]{1,6}(?:\r\n|[ \t\r\n\f])?|[^\r\n\f0-9A-Fa-f])"
_NAME = rf"(?:[-\w]|[^\x00-\x7f]|{_ESCAPE})+"
_CSS_TOKEN = re.compile(
    rf"""(?P<comment>/\*.*?(?:\*/|\Z))
    |(?P<cdx><!--|-->)
    |(?P<string>"(?:[^"\\\r\n\f]|\\[\s\S]?)*"?|'(?:[^'\\\r\n\f]|\\[\s\S]?)*'?)
    |(?P<at>@{_NAME})
    |(?P<name>{_NAME})(?P<call>\()?
    |(?P<other>[^"'\\/@<\-\w\x80-\U0010ffff(){{}};]+|[\s\S])""",
    re.DOTALL | re.VERBOSE,
)
# In a token's text: escapes, line continuations (in strings) and a backslash at the very end.
_ESCAPE_IN_VALUE = re.compile(rf"{_ESCAPE}|\\(?:\r\n|[\r\n\f]|\Z)")
# Functions that load something, by their name with escapes decoded and lower-cased.
_FETCHING_FUNCTIONS = frozenset({"url", "src", "image-set", "-webkit-image-set", "image",
                                 "-webkit-image", "cross-fade", "-webkit-cross-fade", "element",
                                 "-moz-element"})
_NEUTRAL = " none "


def neutralise_css(css: str, *, in_style_element: bool = False) -> str:
    """CSS with every URL it would load replaced by ``none`` and ``@import`` rules removed;
    same-document ``url(#id)`` and ``data:image`` URLs stay. ``in_style_element`` also keeps the
    text from ending the ``<style>`` element or being read as markup (as inside ``<svg>``)."""
    out: list[str] = []
    position, end = 0, len(css)
    token_at = _CSS_TOKEN.match  # the hot loop: no wrapper
    while position < end:
        match = token_at(css, position)
        if match is None:  # cannot happen: the last alternative matches any character
            break
        kind = match.lastgroup if match.lastgroup != "call" else "name"
        position = match.end()
        if kind in ("comment", "cdx"):
            out.append(" ")
        elif kind == "string":
            out.append(_css_string(_css_unescape(match.group()[1:], quote=match.group()[0])))
        elif kind == "at":
            if _css_unescape(match.group()[1:]).lower() == "import":
                position = _skip_rule(css, position)
                out.append(" ")  # never let the tokens on either side join
            else:
                out.append(match.group())
        elif kind == "name" and match.group("call"):
            function = _css_unescape(match.group("name")).lower()
            if function == "url":
                url, position = _url_argument(css, position)
                out.append(_NEUTRAL if url is None else f"url({_css_string(url)})")
            elif function in _FETCHING_FUNCTIONS:
                position = _skip_arguments(css, position)
                out.append(_NEUTRAL)
            else:
                out.append(match.group())
        elif kind == "name" and "\\" in match.group() and "@" in _css_unescape(match.group()):
            # An escaped "@" makes a name, not a rule: harmless in browsers, but a reader (or an
            # older parser) could take it for @import. Nothing legitimate is written so.
            out.append(" ")
        else:
            out.append(match.group())
    result = "".join(out)
    if in_style_element:
        # "<" before a letter, "!", "/" or "?" would open a tag (or end the element); "&" before a
        # name or "#" would be a character reference inside <svg>. Neither occurs in valid CSS.
        result = re.sub(r"<(?=[A-Za-z!/?])", "< ", result)
        result = re.sub(r"&(?=[A-Za-z0-9#])", r"\\26 ", result)
    return result


def _token(css: str, position: int) -> re.Match[str]:
    """The token at ``position`` (before the end): the last alternative matches any character."""
    return cast(re.Match[str], _CSS_TOKEN.match(css, position))


def _css_unescape(value: str, quote: str | None = None) -> str:
    """A token's text with CSS escapes decoded (the closing quote of a string dropped)."""
    if quote is not None and value.endswith(quote) and not _ends_with_escape(value[:-1]):
        value = value[:-1]

    def decode(match: re.Match[str]) -> str:
        text = match.group()
        if len(text) == 1 or text[1] in "\r\n\f":
            return ""  # a line continuation, or a backslash at the very end
        digits = text[1:].rstrip(" \t\r\n\f")
        if all(ch in "0123456789abcdefABCDEF" for ch in digits) and digits:
            code = int(digits, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return text[1]

    return _ESCAPE_IN_VALUE.sub(decode, value)


def _ends_with_escape(value: str) -> bool:
    backslashes = len(value) - len(value.rstrip("\\"))
    return backslashes % 2 == 1


def _css_string(value: str) -> str:
    """``value`` as a double-quoted CSS string that no HTML or CSS parser can read otherwise."""
    escaped = "".join(ch if ch.isprintable() and ch not in '"\\<>&' else f"\\{ord(ch):x} "
                      for ch in value)
    return f'"{escaped}"'


def _url_argument(css: str, position: int) -> tuple[str | None, int]:
    """After ``url(``: the URL if it loads nothing (``#id``, a data: image), and where it ends."""
    start = position
    while start < len(css) and css[start] in " \t\r\n\f":
        start += 1
    if start < len(css) and css[start] in "\"'":
        end = _skip_arguments(css, position)
        string = _token(css, start)
        value = _css_unescape(string.group()[1:], quote=string.group()[0])
        closed = css[string.end():end].strip(" \t\r\n\f") == ")"
        return (_harmless_css_url(value) if closed else None), end
    end = _unquoted_url_end(css, start)
    value = _css_unescape(css[start:end].rstrip(")")).strip(" \t\r\n\f")
    return _harmless_css_url(value), end


def _quoted_url_follows(css: str, position: int) -> bool:
    while position < len(css) and css[position] in " \t\r\n\f":
        position += 1
    return position < len(css) and css[position] in "\"'"


def _unquoted_url_end(css: str, position: int) -> int:
    """An unquoted URL runs to the first ")" that is not escaped, as in the browser (past it)."""
    while position < len(css) and css[position] != ")":
        escaped = css[position] == "\\" and position + 1 < len(css) and css[position + 1] not in "\r\n\f"
        position += 2 if escaped else 1
    return min(position + 1, len(css))


def _url_as_parsed(value: str) -> str:
    """``value`` as a browser's URL parser reads it: outer spaces and controls stripped, tabs and
    newlines removed, so that what we check is what the browser would load."""
    return _URL_INNER.sub("", _URL_OUTER.sub("", value))


def _harmless_css_url(value: str) -> str | None:
    cleaned = _url_as_parsed(value)
    if cleaned.startswith("#") or cleaned[:11].lower() == "data:image/":
        return cleaned
    return None


def _skip_arguments(css: str, position: int) -> int:
    """Where the function whose arguments start at ``position`` ends (after its ``)``)."""
    depth = 1
    while position < len(css):
        match = _token(css, position)
        position = match.end()
        if match.group("call") is not None:
            if _css_unescape(match.group("name")).lower() == "url" and not _quoted_url_follows(css, position):
                position = _unquoted_url_end(css, position)
            else:
                depth += 1
        elif match.group("other") == "(":
            depth += 1
        elif match.group("other") == ")":
            depth -= 1
            if depth == 0:
                break
    return position


def _skip_rule(css: str, position: int) -> int:
    """Where the at-rule whose prelude starts at ``position`` ends (after ``;`` or its block)."""
    depth = 0
    while position < len(css):
        match = _token(css, position)
        position = match.end()
        if (match.group("call") is not None and _css_unescape(match.group("name")).lower() == "url"
                and not _quoted_url_follows(css, position)):
            position = _unquoted_url_end(css, position)
        elif match.group("other") == "{":
            depth += 1
        elif match.group("other") == "}":
            depth -= 1
            if depth <= 0:
                break
        elif match.group("other") == ";" and depth == 0:
            break
    return position
