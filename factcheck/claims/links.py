"""Checking and normalising the links a claim gives, its sources (SPEC §3), and finding them in
text as people paste it.

Forwards carry links in every shape: with and without a scheme (``bit.ly/abc``,
``www.example.com/x``), followed by punctuation, a Hindi danda or an emoji, inside brackets or
quotes, several in one message, now and then "defanged" (``hxxps://``, ``example[.]com``).
:func:`find_links` finds them; :func:`link_from_typed` reads one link typed into a form or sent
to the API. A link without a scheme is taken only when its last label is a top-level domain of
the Public Suffix List (bundled with the ``tld`` package and read offline), so ``e.g.``, ``10.5``,
``1.2.3`` and file names such as ``photo.jpg`` are not links.
"""

from __future__ import annotations

import functools
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import regex
from flask_babel import gettext as _
from tld import is_tld

MAX_URL_LENGTH = 2048
MAX_FOUND_LINKS = 50  # links found in one text; a claim keeps at most operations.MAX_URLS of them
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "igshid", "si"})

# A character a link may hold where it is written in running text: not a space, quote or angle
# bracket, not a Hindi danda or an ellipsis, not an emoji or other symbol (WhatsApp puts 👉 and 🙏
# right against links).
_URL_CHAR = r"[^\s<>\"'`{}|\\^“”‘’«»।॥…\p{So}\p{Sk}\p{Cs}\p{Co}\p{Cn}\p{Cc}\uFE0F\u200B]"
_SCHEMED = regex.compile(rf"(?:https?|hxxps?)://{_URL_CHAR}+", regex.IGNORECASE)
# A host written without a scheme: letters (any script, with their vowel signs), digits, dots and
# hyphens, not glued to a word, an address (``@``), a path or one dot before it (but after "..."),
# then a port and a path.
_SCHEMELESS = regex.compile(
    rf"(?<![\p{{L}}\p{{M}}\p{{N}}@/\\\-])(?<!(?<!\.)\.)(?P<host>[\p{{L}}\p{{M}}\p{{N}}](?:[\p{{L}}\p{{M}}\p{{N}}\-]|\.(?=[\p{{L}}\p{{M}}\p{{N}}]))*+)"
    rf"(?P<rest>(?::\d{{1,5}})?(?:[/?#]{_URL_CHAR}*)?)")
_JOINED = regex.compile(r"(?<=[,;])(?=(?:https?|hxxps?)://)", regex.IGNORECASE)  # a.com/x,https://b.com
_DEFANGED_DOT = regex.compile(r"\[\.\]|\(\.\)|\[dot\]", regex.IGNORECASE)
_DEFANGED_SCHEME = regex.compile(r"\bhxxp(s?)://", regex.IGNORECASE)
_SCHEME = regex.compile(r"^[a-z][a-z0-9+.\-]*:(?!\d)", regex.IGNORECASE)  # not host:port
_LATIN_THEN_OTHER = regex.compile(r"^([a-z]{2,})[^\x00-\x7f]", regex.IGNORECASE)  # "comपर"
_TRAILING = frozenset(".,;:!?*_~'\"-\u200c\u200d")
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}
_OPENERS = "([{<\"'“‘«*_~"
# Top-level domains that are also common file extensions: without a scheme, "video.mov" and
# "photos.zip" are files people mention, not sites.
_FILE_LIKE_TLDS = frozenset({"zip", "mov"})


class InvalidURL(ValueError):
    """A URL the workbench will not store; the message says why, for the person who typed it."""


def normalise_url(raw: str) -> str:
    """Check ``raw`` is an http(s) URL and return its normal form.

    Lower-cases the scheme and host, drops the fragment and the usual tracking parameters
    (``utm_*``, ``fbclid``, ``gclid``, ``igshid``, ``si``), gives an empty path a ``/`` and
    keeps everything else exactly as written.
    """
    url = raw.strip()
    if not url:
        raise InvalidURL(_("empty link"))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(_("links are at most %(count)s characters", count=MAX_URL_LENGTH))
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidURL(_("a link cannot contain spaces or control characters"))
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InvalidURL(_("not a valid link")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURL(_("only http:// and https:// links can be archived"))
    if not hostname:
        raise InvalidURL(_("the link has no host name"))
    netloc = _lower_host(parts.netloc)
    return urlunsplit((scheme, netloc, parts.path or "/", _drop_tracking(parts.query), ""))


def link_from_typed(raw: str) -> str:
    """One link as a person types or pastes it into a form or the API, in its normal form.

    Takes what :func:`normalise_url` takes, and also a link without a scheme whose host ends in
    a top-level domain (``bit.ly/abc`` becomes ``https://bit.ly/abc``: every platform and
    shortener in forwards answers https, and one spelling lets the same link filed twice be
    matched), a defanged ``hxxps://`` or ``example[.]com``, and a link wrapped in brackets or
    quotes or followed by punctuation. Raises :class:`InvalidURL` saying why otherwise.
    """
    value = _refang(raw.strip()).lstrip(_OPENERS)
    value = _trim_end(value)
    if not value:
        raise InvalidURL(_("empty link"))
    if _SCHEME.match(value):
        return _normal_form(value)
    match = _SCHEMELESS.fullmatch(value)
    url = _schemeless_url(match["host"], match["rest"]) if match else None
    if url is None:
        raise InvalidURL(_("not a link: give it as https://…"))
    return _normal_form(url)


def find_links(text: str) -> list[str]:
    """The links in ``text``, normalised, each once, in the order they first appear.

    Finds links with a scheme anywhere (also glued to a word: ``देखेंhttps://…``) and links
    without one where a host stands on its own (see :func:`link_from_typed`); leaves out the
    punctuation, brackets, quotes, dandas and emoji around them, and e-mail addresses.
    """
    text = _refang(text)
    found: list[tuple[int, str]] = []
    masked = list(text)
    for match in _SCHEMED.finditer(text):
        for part in _JOINED.split(match.group()):
            url = _checked(_trim_end(part))
            if url is not None:
                found.append((match.start() + match.group().find(part), url))
        masked[match.start():match.end()] = " " * (match.end() - match.start())
    rest = "".join(masked)
    for match in _SCHEMELESS.finditer(rest):
        if rest[match.end():match.end() + 1] == "@" or "." not in match["host"]:
            continue  # an e-mail address, or a plain word
        url = _schemeless_url(match["host"], match["rest"])
        checked = _checked(url) if url is not None else None
        if checked is not None:
            found.append((match.start(), checked))
    links: list[str] = []
    for _position, url in sorted(found):
        if url not in links:
            links.append(url)
        if len(links) == MAX_FOUND_LINKS:
            break
    return links


def domain_of(url: str) -> str:
    """The host of a normalised URL, without a leading ``www.``."""
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


def _refang(text: str) -> str:
    """``hxxps://example[.]com`` as ``https://example.com``: defanged links are still the
    desk's evidence (archiving fetches them on the server, behind the fetch guard)."""
    if "xx" in text.lower():
        text = _DEFANGED_SCHEME.sub(lambda m: f"http{m.group(1)}://", text)
    if "[" in text or "(" in text:
        text = _DEFANGED_DOT.sub(".", text)
    return text


def _checked(url: str) -> str | None:
    try:
        return _normal_form(url)
    except InvalidURL:
        return None


def _normal_form(url: str) -> str:
    """``url`` normalised, without punctuation the fragment it lost had kept inside (``…/a.#x``)."""
    return normalise_url(_trim_end(normalise_url(url)))


def _trim_end(url: str) -> str:
    """``url`` without what ends the sentence around it: ``…/story).`` is ``…/story``; a closing
    bracket stays when the link opened it (``…/Foo_(bar)``)."""
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def _schemeless_url(host: str, rest: str) -> str | None:
    """``https://host/rest`` when ``host`` is a host name ending in a top-level domain."""
    if host.endswith("-"):
        host, rest = host.rstrip("-"), ""  # "see example.com- and …"
    labels = host.split(".")
    if len(labels) < 2 or len(host) > 253:
        return None
    last = labels[-1]
    if not _is_top_level(last):
        glued = _LATIN_THEN_OTHER.match(last)  # "example.comपर": Hindi written right after the link
        if glued is None or not _is_top_level(glued.group(1)):
            return None
        labels[-1], rest = glued.group(1), ""
    if any(not label or label.startswith("-") or label.endswith("-") for label in labels):
        return None
    tld = labels[-1].lower()
    if tld in _FILE_LIKE_TLDS and not rest.startswith("/") and labels[0].lower() != "www":
        return None
    return "https://" + ".".join(labels) + _trim_end(rest)


def _is_top_level(label: str) -> bool:
    """Whether ``label`` is a top-level domain, written as domains are: all in one case, so that
    "everyone.In the morning" (a missing space) is not taken for a link."""
    if label.isdigit() or label not in (label.lower(), label.upper()):
        return False
    return _known_top_level(label.lower())


@functools.lru_cache(maxsize=4096)
def _known_top_level(label: str) -> bool:
    return bool(is_tld(label, search_private=False))


def _lower_host(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    return f"{userinfo}{at}{hostport.lower()}"


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def _drop_tracking(query: str) -> str:
    if not query:
        return ""
    kept = [part for part in query.split("&") if not _is_tracking(unquote_plus(part.split("=", 1)[0]))]
    return "&".join(kept)
