"""URL checking and normalisation for sources (SPEC §3)."""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "igshid", "si"})


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
        raise InvalidURL("empty link")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"links are at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidURL("a link cannot contain spaces or control characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidURL(f"not a valid link ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURL("only http:// and https:// links can be archived")
    if not hostname:
        raise InvalidURL("the link has no host name")
    netloc = _lower_host(parts.netloc)
    return urlunsplit((scheme, netloc, parts.path or "/", _drop_tracking(parts.query), ""))


def domain_of(url: str) -> str:
    """The host of a normalised URL, without a leading ``www.``."""
    host = urlsplit(url).hostname or ""
    return host[4:] if host.startswith("www.") else host


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
