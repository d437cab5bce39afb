"""Guarded fetching of a source URL (SPEC §3).

:func:`check_target` is the address decision: http(s) only, an allowed port, the host resolved
once and every address checked against the block list. :func:`fetch` makes that decision for the
first request and for every redirect, connects only to the addresses it checked (see
:mod:`factcheck.archive.guard`), and holds the whole exchange to one total deadline and one cap on
the decompressed body.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
from requests.cookies import extract_cookies_to_jar
from requests.utils import requote_uri
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from factcheck.archive.guard import (
    BLOCKED_NETWORKS,
    DEFAULT_PORTS,
    IPAddress,
    PeerMismatch,
    PinnedAdapter,
    UncheckedTarget,
    is_blocked_address,
    is_localhost_name,
    parse_ip_literal,
)
from factcheck.background import waiting

if TYPE_CHECKING:
    from factcheck.config import Config

__all__ = [
    "BLOCKED_NETWORKS", "DEFAULT_USER_AGENT", "ERROR_KINDS", "FetchError", "FetchPolicy",
    "FetchResult", "Hop", "check_target", "fetch", "is_archivable", "is_blocked_address",
    "parse_content_type",
]

DEFAULT_USER_AGENT = "FactcheckWorkbench/0.1 (+archiver; evidence capture for fact-checking)"
ERROR_KINDS = ("blocked_address", "timeout", "too_large", "too_many_redirects", "http_error",
               "connection_error", "unsupported_content")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TRANSIENT_STATUSES = frozenset({408, 429})
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ACCEPT_ENCODING = "gzip, deflate"  # only what the standard library can decode with a bound
ARCHIVABLE_APPLICATION_TYPES = frozenset({
    "xhtml+xml", "xml", "rss+xml", "atom+xml", "rdf+xml", "json", "ld+json", "pdf",
})
_CHUNK = 64 * 1024
_HTTP_VERSIONS = {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}

Resolver = Callable[..., Sequence[tuple[Any, ...]]]


@dataclass(frozen=True)
class FetchPolicy:
    """The limits one fetch runs under."""

    timeout: float = 20.0  # total, for every hop, header and byte
    max_bytes: int = 10 * 1024 * 1024  # of the decompressed body
    max_redirects: int = 5
    allow: frozenset[str] = frozenset()  # exact "host:port" entries that bypass the guard
    user_agent: str = DEFAULT_USER_AGENT

    @classmethod
    def from_config(cls, config: Config) -> FetchPolicy:
        """The policy configured by ``FACTCHECK_FETCH_*``."""
        return cls(timeout=config.fetch_timeout, max_bytes=config.fetch_max_bytes,
                   allow=config.fetch_allow)


@dataclass(frozen=True)
class Hop:
    """A redirect on the way: the URL requested, its status and the absolute URL it pointed to."""

    url: str
    status: int
    location: str | None


@dataclass
class FetchResult:
    """A response, as received on the final hop, with its decoded body."""

    requested_url: str
    final_url: str
    redirects: list[Hop]
    status: int
    reason: str
    http_version: str
    request_headers: list[tuple[str, str]]
    response_headers: list[tuple[str, str]]
    content_type: str
    charset: str | None
    body: bytes
    peer: str
    fetched_at: datetime.datetime
    elapsed: float


class FetchError(Exception):
    """A fetch that produced no archivable response; ``kind`` is one of :data:`ERROR_KINDS`.

    ``status`` is that of the last response received, if any; ``response`` is set for
    ``http_error`` (the error page, body capped) so it can be archived as evidence.
    """

    def __init__(self, kind: str, message: str, *, requested_url: str = "",
                 redirects: Sequence[Hop] = (), status: int | None = None,
                 response: FetchResult | None = None, transient: bool | None = None) -> None:
        if kind not in ERROR_KINDS:
            raise ValueError(f"unknown fetch error kind {kind!r}")
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.requested_url = requested_url
        self.redirects = list(redirects)
        self.status = status
        self.response = response
        self.transient = _is_transient(kind, status) if transient is None else transient


def _is_transient(kind: str, status: int | None) -> bool:
    if kind in ("timeout", "connection_error"):
        return True
    return kind == "http_error" and status is not None and (
        status >= 500 or status in TRANSIENT_STATUSES)


def _blocked(message: str) -> FetchError:
    return FetchError("blocked_address", message)


# -- the address decision -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str  # as requests prepared it: IDN host in punycode, path quoted
    scheme: str
    host: str  # lower-case, IPv6 without brackets
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def check_target(url: str, policy: FetchPolicy,
                 resolve: Resolver | None = None) -> list[IPAddress]:
    """Decide whether ``url`` may be fetched and return the addresses it may connect to.

    Raises :class:`FetchError` (``blocked_address``) for another scheme, a port below 1024 other
    than 80 and 443, ``localhost``, or a host any of whose addresses is blocked; an exact
    ``host:port`` entry of ``policy.allow`` skips those checks. ``resolve`` is called like
    :func:`socket.getaddrinfo` (the default), once, and not for IP literals. Opens no socket.
    """
    return list(_check(url, policy, resolve or socket.getaddrinfo).addresses)


def _check(url: str, policy: FetchPolicy, resolve: Resolver) -> _Target:
    try:
        raw = urlsplit(url)
        scheme = raw.scheme.lower()
        if raw.port == 0:  # requests would silently drop it and use the default port
            raise ValueError("port 0")
    except ValueError as exc:
        raise _blocked(f"not a valid URL ({exc})") from None
    if scheme not in DEFAULT_PORTS:
        raise _blocked(f"only http and https URLs are fetched, not {scheme or 'this'}: {url!r}")
    try:
        prepared = urldefrag(requests.Request("GET", url).prepare().url or "").url
        parts = urlsplit(prepared)
        host = parts.hostname or ""
        port = DEFAULT_PORTS[scheme] if parts.port is None else parts.port
    except (requests.RequestException, ValueError) as exc:
        raise _blocked(f"not a valid URL ({exc})") from None
    if not host:
        raise _blocked(f"the URL has no host: {url!r}")
    allowed = f"{host}:{port}" in policy.allow
    if not allowed:
        if port < 1024 and port not in DEFAULT_PORTS.values():
            raise _blocked(f"port {port} is refused (only 80, 443 and ports from 1024)")
        if is_localhost_name(host):
            raise _blocked(f"{host} is this machine")
    literal = parse_ip_literal(host)
    addresses = (literal,) if literal is not None else _resolve(resolve, host, port)
    if not allowed:
        for address in addresses:
            if is_blocked_address(address):
                named = "" if literal is not None else f"{host} resolves to "
                raise _blocked(f"{named}{address}, a private or reserved address")
    return _Target(prepared, scheme, host, port, addresses)


def _resolve(resolve: Resolver, host: str, port: int) -> tuple[IPAddress, ...]:
    try:
        entries = resolve(host, port, 0, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise FetchError("connection_error", f"could not resolve {host}: {exc}") from None
    addresses: list[IPAddress] = []
    for entry in entries:
        address = ipaddress.ip_address(entry[4][0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError("connection_error", f"{host} has no address")
    return tuple(addresses)


# -- the deadline -------------------------------------------------------------------------------


class _Deadline:
    """The fetch's total deadline, with a watchdog that shuts its sockets when it passes.

    Socket timeouts alone cannot enforce a total: a server sending one header byte a second
    never lets a read time out. The watchdog's ``shutdown`` ends any read in progress.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._expires = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self._expires - time.monotonic()

    def expired(self) -> bool:
        return self._fired or self.remaining() <= 0

    def error(self) -> FetchError:
        return FetchError("timeout", f"no complete response within {self.seconds:g} s")

    def check(self) -> None:
        if self.expired():
            raise self.error()

    def watch(self, sock: socket.socket) -> None:
        # A duplicate descriptor outlives the SSL wrapping, which detaches the original socket.
        duplicate = sock.dup()
        with self._lock:
            if not self._fired:
                self._sockets.append(duplicate)
                return
        duplicate.close()
        raise TimeoutError("the fetch deadline has passed")

    def resolver(self, resolve: Resolver) -> Resolver:
        """``resolve`` run in a thread, so that a slow DNS answer is abandoned at the deadline."""
        def bounded(*args: Any) -> Sequence[tuple[Any, ...]]:
            outcome: dict[str, Any] = {}
            done = threading.Event()

            def run() -> None:
                try:
                    outcome["value"] = resolve(*args)
                except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
                    outcome["error"] = exc
                finally:
                    done.set()

            threading.Thread(target=run, name="fetch-resolve", daemon=True).start()
            if not done.wait(max(self.remaining(), 0.0)):
                raise self.error()
            if "error" in outcome:
                raise outcome["error"]
            return outcome["value"]

        return bounded

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def _fire(self) -> None:
        with self._lock:
            self._fired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@contextmanager
def _network_errors(deadline: _Deadline) -> Iterator[None]:
    """Turn what requests, urllib3 and sockets raise into :class:`FetchError`."""
    try:
        yield
    except FetchError:
        raise
    except UncheckedTarget as exc:
        raise _blocked(str(exc)) from exc
    except (requests.RequestException, Urllib3Error, OSError) as exc:
        if deadline.expired():
            raise deadline.error() from exc
        if _caused_by(exc, PeerMismatch):
            raise _blocked(f"the connection did not reach the checked address ({exc})") from exc
        if isinstance(exc, requests.Timeout | TimeoutError) or (
                _caused_by(exc, Urllib3Timeout) and not _caused_by(exc, NewConnectionError)):
            raise deadline.error() from exc
        if isinstance(exc, requests.exceptions.SSLError):
            # A bad certificate will not get better by trying again.
            raise FetchError("connection_error", f"TLS failed: {exc}", transient=False) from exc
        raise FetchError("connection_error", str(exc)) from exc


def _caused_by(exc: BaseException, cls: type[BaseException]) -> bool:
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        if isinstance(current, cls):
            return True
        seen.add(id(current))
        stack += [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
    return False


# -- fetching -----------------------------------------------------------------------------------


def fetch(url: str, policy: FetchPolicy, *, resolve: Resolver | None = None) -> FetchResult:
    """Fetch ``url`` under ``policy``, following redirects; raise :class:`FetchError` if no
    archivable response comes back. ``resolve`` replaces :func:`socket.getaddrinfo` (tests)."""
    deadline = _Deadline(policy.timeout)
    try:
        with waiting(), _Fetch(url, policy, deadline, resolve or socket.getaddrinfo) as attempt:
            return attempt.run()
    finally:
        deadline.close()


class _Fetch:
    """One fetch: its session (cookies live only this long), its redirects so far."""

    def __init__(self, url: str, policy: FetchPolicy, deadline: _Deadline,
                 resolve: Resolver) -> None:
        self.requested_url = url
        self.policy = policy
        self.deadline = deadline
        self.resolve = deadline.resolver(resolve)
        self.started = time.monotonic()
        self.redirects: list[Hop] = []
        self.last_status: int | None = None
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies or .netrc from the environment
        self.session.headers.clear()
        self.adapter = PinnedAdapter(deadline)
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)

    def __enter__(self) -> _Fetch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.session.close()

    def run(self) -> FetchResult:
        try:
            return self._follow()
        except FetchError as exc:
            exc.requested_url = self.requested_url
            exc.redirects = list(self.redirects)
            if exc.status is None:
                exc.status = self.last_status
            raise

    def _follow(self) -> FetchResult:
        url = self.requested_url
        visited: dict[str, object] = {}
        while True:
            target = _check(url, self.policy, self.resolve)
            cookies = sorted((c.domain, c.path, c.name, c.value or "") for c in self.session.cookies)
            if visited.get(target.url) == cookies:  # the same request again: the same answer
                raise FetchError("too_many_redirects", f"redirect loop: {target.url} again")
            visited[target.url] = cookies
            response, request = self._send(target)
            try:
                location = self.session.get_redirect_target(response)
                if location is None or response.status_code not in REDIRECT_STATUSES:
                    return self._final(response, request, target)
                url = urldefrag(urljoin(target.url, requote_uri(location))).url
                self.redirects.append(Hop(target.url, response.status_code, url))
            finally:
                response.close()
            if len(self.redirects) > self.policy.max_redirects:
                raise FetchError("too_many_redirects",
                                 f"more than {self.policy.max_redirects} redirects")

    def _send(self, target: _Target) -> tuple[requests.Response, requests.PreparedRequest]:
        self.adapter.pin(target.scheme, target.host, target.port, target.addresses)
        headers = {"Host": target.host_header, "User-Agent": self.policy.user_agent,
                   "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING}
        request = self.session.prepare_request(requests.Request("GET", target.url, headers=headers))
        with _network_errors(self.deadline):
            self.deadline.check()
            remaining = self.deadline.remaining()
            # Not session.send: for a redirect it reads the whole body, with no cap.
            response = self.adapter.send(request, stream=True, timeout=(remaining, remaining),
                                         verify=True, proxies={})
        if self.deadline.expired():  # the watchdog may have cut the headers short
            response.close()
            raise self.deadline.error()
        self.last_status = response.status_code
        extract_cookies_to_jar(self.session.cookies, request, response.raw)
        return response, request

    def _final(self, response: requests.Response, request: requests.PreparedRequest,
               target: _Target) -> FetchResult:
        raw = response.raw
        status = response.status_code
        content_type, charset = parse_content_type(raw.headers.getlist("Content-Type"))
        result = FetchResult(
            requested_url=self.requested_url,
            final_url=target.url,
            redirects=list(self.redirects),
            status=status,
            reason=response.reason or "",
            http_version=(getattr(raw, "version_string", None)
                          or _HTTP_VERSIONS.get(raw.version, "")),
            request_headers=[(name, str(value)) for name, value in request.headers.items()],
            response_headers=list(raw.headers.iteritems()),
            content_type=content_type,
            charset=charset,
            body=b"",
            peer=getattr(raw.connection, "peer", None) or "",
            fetched_at=datetime.datetime.now(datetime.UTC),
            elapsed=0.0,
        )
        cap = self.policy.max_bytes
        if status >= 400:
            if is_archivable(content_type):
                try:
                    result.body = _read_body(response, cap, self.deadline, truncate=True)
                except FetchError:
                    pass  # the status is the finding; the page is only a bonus
            result.elapsed = time.monotonic() - self.started
            raise FetchError("http_error", f"HTTP {status} {result.reason}".rstrip(),
                             status=status, response=result)
        if not is_archivable(content_type):
            raise FetchError("unsupported_content", f"{content_type} is not archived")
        result.body = _read_body(response, cap, self.deadline, truncate=False)
        result.elapsed = time.monotonic() - self.started
        return result


def parse_content_type(values: Sequence[str]) -> tuple[str, str | None]:
    """The mime type (lower-case, ``""`` if absent or malformed) and the declared charset, from
    the ``Content-Type`` header values (the last one wins, as in browsers)."""
    if not values:
        return "", None
    mime, _, parameters = values[-1].partition(";")
    mime = mime.strip().lower()
    if mime.count("/") != 1 or any(ch.isspace() for ch in mime):
        mime = ""
    charset = None
    for parameter in parameters.split(";"):
        name, equals, value = parameter.partition("=")
        if equals and name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip().lower() or None
    return mime, charset


def is_archivable(content_type: str) -> bool:
    """Text, HTML, XML and feeds, JSON, PDF and images; an unknown type is sniffed later."""
    if not content_type:
        return True
    major, _, minor = content_type.partition("/")
    if major in ("text", "image"):
        return True
    return major == "application" and (
        minor in ARCHIVABLE_APPLICATION_TYPES or minor.endswith(("+xml", "+json")))


def _read_body(response: requests.Response, cap: int, deadline: _Deadline, *,
               truncate: bool) -> bytes:
    raw = response.raw
    decoder = _Decoder(raw.headers.get("Content-Encoding", ""))
    declared = raw.headers.get("Content-Length", "")
    if not truncate and decoder.identity and declared.isdigit() and int(declared) > cap:
        raise FetchError("too_large", f"the body is {declared} bytes, more than {cap}")
    body = bytearray()
    while True:
        with _network_errors(deadline):
            deadline.check()
            sock = getattr(raw.connection, "sock", None)
            if sock is not None:
                sock.settimeout(max(deadline.remaining(), 0.001))
            chunk = raw.read1(_CHUNK, decode_content=False)
        body += decoder.decode(chunk, cap + 1 - len(body))
        if len(body) > cap:
            if truncate:
                return bytes(body[:cap])
            raise FetchError("too_large", f"the decoded body is more than {cap} bytes")
        if not chunk:
            return bytes(body)


class _Decoder:
    """Undo a gzip or deflate Content-Encoding, never producing more than asked for at once."""

    def __init__(self, header: str) -> None:
        codings = [c.strip().lower() for c in header.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.identity = not codings
        self._gzip = codings in (["gzip"], ["x-gzip"])
        if not (self.identity or self._gzip or codings == ["deflate"]):
            raise FetchError("unsupported_content", f"unsupported Content-Encoding: {header}")
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | (16 if self._gzip else 0))
        self._pending = b""
        self._started = False
        self._done = False

    def decode(self, data: bytes, limit: int) -> bytes:
        """Decode ``data`` (``b""`` at the end) into at most ``limit`` bytes."""
        if self.identity:
            return data
        pending = self._pending + data
        out = bytearray()
        while not self._done and len(out) < limit:
            room = limit - len(out)
            try:
                piece = self._obj.decompress(pending, room)
            except zlib.error as exc:
                if self._gzip or self._started:
                    raise FetchError("unsupported_content", f"undecodable body: {exc}") from None
                # "deflate" is often sent raw, without the zlib header it names.
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                continue
            self._started = True
            out += piece
            pending = self._obj.unconsumed_tail
            if self._obj.eof:
                rest = self._obj.unused_data + pending
                if self._gzip and rest.startswith(b"\x1f\x8b"):  # another gzip member follows
                    self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    pending = rest
                else:
                    self._done, pending = True, b""
            elif not pending and len(piece) < room:
                break
        self._pending = pending
        return bytes(out)
