"""A loopback HTTP server for tests, with programmable routes and a count of connections.

    from tests.httpserver import http_server, respond, redirect  # noqa: F401 - the fixture

    def test_something(http_server):
        server = http_server()                      # 127.0.0.1, an ephemeral port
        server.route("/page", respond(b"<p>hi</p>", content_type="text/html; charset=utf-8"))
        server.route("/old", redirect("/page", status=301))
        server.serve_directory("/corpus/", corpus_dir, content_type="text/html", charset="utf-8")
        fetch(server.url("/old"), FetchPolicy(allow=frozenset({server.allow_entry})))
        assert server.requests[-1].header("User-Agent")
        assert server.connection_count() == 1

A route is a callable ``handler(request, channel)`` writing its answer through the
:class:`Channel`; the helpers below (:func:`respond`, :func:`redirect`, :func:`drip`,
:func:`stall`, :func:`reset`, :func:`gzip_response`, :func:`gzip_bomb`, ...) build the usual ones.
``http_server(tls=self_signed_certificate(tmp_path, "site.test"))`` serves HTTPS and records the
SNI names asked for. Every server started by the fixture is closed after the test, and an
exception raised by a handler fails that test. The ``loopback_only`` fixture makes any connection
or name lookup beyond loopback raise, so a broken guard fails before a packet leaves the machine;
:func:`stay_on_loopback` (every test, and the benchmarks) makes the rest fail as an unknown name
or a refused connection would, for the background jobs that follow a corpus page's real links.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import ipaddress
import mimetypes
import shutil
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

Handler = Callable[["Request", "Channel"], None]
Headers = Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    method: str
    target: str  # path and query, as sent
    http_version: str
    headers: tuple[tuple[str, str], ...]
    client: tuple[str, int]
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> str:
        return urlsplit(self.target).query

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or ``None``."""
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


class Channel:
    """What a handler writes its answer through."""

    def __init__(self, handler: _RequestHandler, closing: threading.Event) -> None:
        self._handler = handler
        self._closing = closing
        self.closed = False

    @property
    def closing(self) -> bool:
        """True once the server is shutting down: long-running handlers should return."""
        return self._closing.is_set()

    def send(self, data: bytes) -> None:
        """Write raw bytes to the client."""
        self._handler.connection.sendall(data)

    def send_head(self, status: int, headers: Headers = (), reason: str | None = None) -> None:
        """Write a status line and headers, exactly as given (no header is added)."""
        if reason is None:
            try:
                reason = http.HTTPStatus(status).phrase
            except ValueError:
                reason = ""
        lines = [f"HTTP/1.1 {status} {reason}\r\n"] + [f"{k}: {v}\r\n" for k, v in headers]
        self.send(("".join(lines) + "\r\n").encode("latin-1"))

    def respond(self, status: int = 200, body: bytes = b"", headers: Headers = (),
                reason: str | None = None, chunked: bool = False) -> None:
        """A whole response, with ``Content-Length`` (or chunked transfer coding) added."""
        headers = list(headers)
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        elif not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(body))))
        self.send_head(status, headers, reason)
        if self._handler.command == "HEAD":
            return
        if not chunked:
            self.send(body)
            return
        for start in range(0, len(body), 16 * 1024):
            piece = body[start:start + 16 * 1024]
            self.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.send(b"0\r\n\r\n")

    def wait(self, seconds: float) -> bool:
        """Sleep, unless the server is shutting down; False if it is."""
        return not self._closing.wait(seconds)

    def close(self) -> None:
        """End the connection after this response (FIN)."""
        self.closed = True

    def reset(self) -> None:
        """Abort the connection: the client sees a reset (RST), not an orderly close."""
        sock = self._handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._handler.server.resets.add(sock.fileno())  # closed without the usual FIN first
        self.closed = True


# -- handlers -----------------------------------------------------------------------------------


def respond(body: bytes | str = b"", *, status: int = 200,
            content_type: str | None = "text/html; charset=utf-8", headers: Headers = (),
            reason: str | None = None, chunked: bool = False) -> Handler:
    """A fixed response; ``content_type=None`` sends no Content-Type header."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    head = ([("Content-Type", content_type)] if content_type else []) + list(headers)

    def handler(request: Request, channel: Channel) -> None:
        channel.respond(status, data, head, reason, chunked)

    return handler


def redirect(location: str, *, status: int = 302, headers: Headers = ()) -> Handler:
    """A redirect to ``location``, sent exactly as given."""
    return respond(b"", status=status, content_type=None,
                   headers=[("Location", location), *headers])


def drip(body: bytes, *, interval: float = 1.0, content_type: str = "text/plain",
         headers: Headers = ()) -> Handler:
    """Headers at once (with the full Content-Length), then the body one byte per ``interval``."""
    def handler(request: Request, channel: Channel) -> None:
        channel.send_head(200, [("Content-Type", content_type),
                                ("Content-Length", str(len(body))), *headers])
        for index in range(len(body)):
            channel.send(body[index:index + 1])
            if not channel.wait(interval):
                break
        channel.close()

    return handler


def header_drip(*, interval: float = 0.2, seconds: float = 10.0) -> Handler:
    """A status line, then one header byte per ``interval`` for ``seconds``, then the rest of a
    small response (so a client without a total deadline fails slowly instead of hanging)."""
    def handler(request: Request, channel: Channel) -> None:
        channel.send(b"HTTP/1.1 200 OK\r\nX-Drip: ")
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up and channel.wait(interval):
            channel.send(b"a")
        channel.send(b"\r\nContent-Length: 2\r\n\r\nok")
        channel.close()

    return handler


def stall(*, after_headers: bool = False, content_type: str = "text/html",
          seconds: float = 10.0) -> Handler:
    """Read the request and then send nothing (or only headers promising a body) for
    ``seconds``; then close the connection."""
    def handler(request: Request, channel: Channel) -> None:
        if after_headers:
            channel.send_head(200, [("Content-Type", content_type), ("Content-Length", "1000")])
        channel.wait(seconds)
        channel.close()

    return handler


def reset(*, after_headers: bool = False) -> Handler:
    """Abort the connection with a reset, at once or after the headers and a few bytes."""
    def handler(request: Request, channel: Channel) -> None:
        if after_headers:
            channel.send_head(200, [("Content-Type", "text/html"), ("Content-Length", "1000")])
            channel.send(b"<html>")
        channel.reset()

    return handler


def gzip_response(body: bytes, *, content_type: str = "text/html; charset=utf-8",
                  headers: Headers = (), chunked: bool = False) -> Handler:
    """``body`` sent gzip-compressed, with ``Content-Encoding: gzip``."""
    return respond(gzip.compress(body), content_type=content_type, chunked=chunked,
                   headers=[("Content-Encoding", "gzip"), *headers])


def deflate_response(body: bytes, *, raw: bool = False,
                     content_type: str = "text/html; charset=utf-8") -> Handler:
    """``body`` with ``Content-Encoding: deflate``: zlib-wrapped, or ``raw`` as many servers do."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    data = compressor.compress(body) + compressor.flush()
    return respond(data, content_type=content_type, headers=[("Content-Encoding", "deflate")])


def gzip_bomb(size: int = 10 * 1024 * 1024, *, content_type: str = "text/html",
              chunked: bool = False) -> Handler:
    """``size`` zero bytes gzip-compressed (about 1000:1), with ``Content-Encoding: gzip``."""
    return respond(gzip_bomb_bytes(size), content_type=content_type, chunked=chunked,
                   headers=[("Content-Encoding", "gzip")])


@functools.lru_cache(maxsize=4)
def gzip_bomb_bytes(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed without ever holding them all in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = []
    for start in range(0, size, len(block)):
        parts.append(compressor.compress(block[:min(len(block), size - start)]))
    parts.append(compressor.flush())
    return b"".join(parts)


def directory(root: Path, prefix: str, *, content_type: str | None = None,
              charset: str | None = None) -> Handler:
    """Files under ``root`` at ``prefix``; the type is ``content_type`` or guessed from the name."""
    base = Path(root).resolve()

    def handler(request: Request, channel: Channel) -> None:
        path = (base / unquote(request.path[len(prefix):])).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            channel.respond(404, b"not found", [("Content-Type", "text/plain")])
            return
        kind = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if charset:
            kind = f"{kind}; charset={charset}"
        channel.respond(200, path.read_bytes(), [("Content-Type", kind)])

    return handler


def self_signed_certificate(folder: Path, hostname: str) -> tuple[Path, Path]:
    """A throwaway certificate and key for ``hostname`` (made with the ``openssl`` command; the
    test skips when it is absent). No client trusts it, which is what TLS tests check."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = Path(folder) / f"{hostname}.crt", Path(folder) / f"{hostname}.key"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", f"/CN={hostname}", "-addext", f"subjectAltName=DNS:{hostname}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A valid, tiny, grey PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def pdf_bytes(text: str = "Evidence") -> bytes:
    """A small one-page PDF showing ``text`` (ASCII)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# -- the server ---------------------------------------------------------------------------------


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FactcheckTestServer/1"
    timeout = 30  # an abandoned keep-alive connection does not hold its thread for ever
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # the base class's parameter name
        pass

    def handle_any(self) -> None:
        self.server.owner._dispatch(self)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = handle_any


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    # Not http.server.HTTPServer: its server_bind looks the address up by reverse DNS.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    owner: HTTPTestServer

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.resets: set[int] = set()
        self.tls: ssl.SSLContext | None = None

    def get_request(self) -> tuple[socket.socket, tuple[str, int]]:
        conn, address = super().get_request()
        if self.tls is not None:  # the handshake then happens in the handler's thread
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        self.owner._accepted(conn, address)
        return conn, address

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        if request.fileno() in self.resets:
            self.resets.discard(request.fileno())
            self.close_request(request)
        else:
            super().shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, ConnectionError | TimeoutError | ssl.SSLError):
            self.owner.errors.append(error)


@dataclass
class _State:
    accepted: list[tuple[str, int]] = field(default_factory=list)
    probes: set[int] = field(default_factory=set)  # indexes in ``accepted``
    connections: list[socket.socket] = field(default_factory=list)


class HTTPTestServer:
    """A threaded HTTP/1.1 server on a loopback address and an ephemeral port."""

    def __init__(self, host: str = "127.0.0.1", *,
                 tls: tuple[Path, Path] | None = None) -> None:
        self._routes: dict[str, Handler] = {}
        self._prefixes: list[tuple[str, Handler]] = []
        self._lock = threading.Lock()
        self._state = _State()
        self._closing = threading.Event()
        self.requests: list[Request] = []
        self.errors: list[BaseException | None] = []
        self._server = _Server((host, 0), _RequestHandler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self.scheme = "https" if tls else "http"
        self.sni: list[str | None] = []  # the server names TLS clients asked for
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda sock, name, ctx: self.sni.append(name)
            self._server.tls = context
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"httpserver-{self.port}", daemon=True)
        self._thread.start()

    @property
    def allow_entry(self) -> str:
        """The ``host:port`` entry that lets the fetcher reach this server."""
        return f"{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def route(self, path: str, handler: Handler | bytes | str) -> None:
        """Answer requests for ``path`` (query ignored) with ``handler`` or a fixed HTML body."""
        self._routes[path] = handler if callable(handler) else respond(handler)

    def serve_directory(self, prefix: str, root: Path, *, content_type: str | None = None,
                        charset: str | None = None) -> None:
        """Serve the files under ``root`` at ``prefix`` (e.g. ``/corpus/``)."""
        self._prefixes.append((prefix, directory(root, prefix, content_type=content_type,
                                                 charset=charset)))
        self._prefixes.sort(key=lambda entry: -len(entry[0]))

    def redirect_chain(self, prefix: str, hops: int, final: Handler | bytes | str) -> str:
        """``hops`` redirects ``prefix/0`` → ``prefix/1`` → ... → ``prefix/final``; the first URL."""
        for index in range(hops):
            following = f"{prefix}/{index + 1}" if index + 1 < hops else f"{prefix}/final"
            self.route(f"{prefix}/{index}", redirect(following))
        self.route(f"{prefix}/final", final)
        return self.url(f"{prefix}/0" if hops else f"{prefix}/final")

    def connection_count(self) -> int:
        """How many connections were accepted (this check's own probe aside).

        Connections are accepted in the order they were made, so once a fresh probe connection
        has been accepted every connection made before the call has been counted too.
        """
        with self._lock:
            start = len(self._state.accepted)
        with socket.create_connection((self.host, self.port), timeout=5) as probe:
            local = probe.getsockname()[:2]
            give_up = time.monotonic() + 5
            while True:
                with self._lock:
                    index = next((i for i in range(start, len(self._state.accepted))
                                  if self._state.accepted[i][:2] == local), None)
                    if index is not None:
                        self._state.probes.add(index)
                        return len(self._state.accepted) - len(self._state.probes)
                if time.monotonic() > give_up:
                    raise AssertionError("the server did not accept its probe connection")
                time.sleep(0.005)

    def close(self) -> None:
        """Stop accepting, end every open connection and wait for the handlers."""
        if self._closing.is_set():
            return
        self._server.shutdown()
        self._closing.set()
        with self._lock:
            for conn in self._state.connections:
                try:
                    # socket's own shutdown: SSLSocket's would pull its SSL state from under a
                    # handler thread still reading.
                    socket.socket.shutdown(conn, socket.SHUT_RDWR)
                except OSError:
                    pass
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> HTTPTestServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _accepted(self, conn: socket.socket, address: tuple[str, int]) -> None:
        with self._lock:
            self._state.accepted.append(address)
            self._state.connections = [c for c in self._state.connections if c.fileno() != -1]
            self._state.connections.append(conn)

    def _dispatch(self, handler: _RequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        request = Request(
            method=handler.command,
            target=handler.path,
            http_version=handler.request_version,
            headers=tuple(handler.headers.items()),
            client=handler.client_address[:2],
            body=handler.rfile.read(length) if length else b"",
        )
        with self._lock:
            self.requests.append(request)
        route = self._routes.get(request.path) or next(
            (h for prefix, h in self._prefixes if request.path.startswith(prefix)), None)
        channel = Channel(handler, self._closing)
        try:
            if route is None:
                channel.respond(404, b"no such route", [("Content-Type", "text/plain")])
            else:
                route(request, channel)
        except (ConnectionError, TimeoutError):
            channel.closed = True  # the client went away: that is often the point of the test
        except Exception as exc:  # noqa: BLE001 - reported by the fixture, not lost in a thread
            self.errors.append(exc)
            channel.closed = True
        if channel.closed:
            handler.close_connection = True


@pytest.fixture
def http_server() -> Iterator[Callable[..., HTTPTestServer]]:
    """Start loopback test servers: ``http_server()``, ``http_server(host="127.0.0.2")`` or
    ``http_server(tls=self_signed_certificate(tmp_path, "site.test"))``.

    All are closed after the test; an exception in a handler fails the test.
    """
    servers: list[HTTPTestServer] = []

    def start(host: str = "127.0.0.1", *, tls: tuple[Path, Path] | None = None) -> HTTPTestServer:
        server = HTTPTestServer(host, tls=tls)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    errors = [error for server in servers for error in server.errors]
    if errors:
        pytest.fail(f"the test server's handlers raised: {errors!r}", pytrace=False)


# -- keeping tests on loopback ------------------------------------------------------------------

_loopback_only = threading.Event()
_hook_lock = threading.Lock()
_hook_installed = False


def _is_loopback_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        return isinstance(host, str) and ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_LOOKUPS = frozenset({"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
                      "socket.gethostbyaddr", "socket.getnameinfo"})


def _stays(host: object) -> bool:
    """Whether a lookup or connection to ``host`` stays on this machine: a loopback address (in
    any form the resolver takes, "127.1" included) or a loopback name."""
    if host is None or _is_loopback_literal(host):
        return True
    name = (host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)).rstrip(".").lower()
    try:  # the resolver's own forms of an IPv4 address ("127.1", "0x7f.1"): loopback as 127.0.0.1 is
        return ipaddress.ip_address(socket.inet_aton(name)).is_loopback
    except (OSError, ValueError):
        return name in ("localhost", "") or name.endswith(".localhost")


def _loopback_audit(event: str, args: tuple[object, ...]) -> None:
    """Stop a connection or a name lookup beyond loopback before it starts: as a refused
    connection or an unknown name would fail, or, under the ``loopback_only`` tripwire (where
    even a loopback name must not reach the system resolver), as a test failure."""
    tripwire = _loopback_only.is_set()
    if event == "socket.connect":
        sock, address = args
        host = address[0]  # type: ignore[index]
        if getattr(sock, "family", None) not in (socket.AF_INET, socket.AF_INET6) or _is_loopback_literal(host):
            return
        if tripwire:
            raise RuntimeError(f"test tried to connect to {address!r}, beyond loopback")
        if not _stays(host):
            raise ConnectionRefusedError(f"{address!r}: tests connect to loopback only")
    elif event in _LOOKUPS:
        host = args[0]
        if isinstance(host, tuple):  # getnameinfo's sockaddr
            host = host[0]
        if host is None or _is_loopback_literal(host):
            return
        if tripwire:
            raise RuntimeError(f"test tried to resolve {host!r} through the system resolver")
        if not _stays(host):
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: tests resolve loopback names only")


def _install_audit_hook() -> None:
    global _hook_installed
    with _hook_lock:
        if not _hook_installed:
            sys.addaudithook(_loopback_audit)  # for good: audit hooks cannot be removed
            _hook_installed = True


def stay_on_loopback() -> None:
    """In this process, names beyond loopback do not resolve and connections beyond it are
    refused, before any packet is sent, whoever asks (an audit hook, not a patched function that
    a library holding its own reference would miss): archived corpus pages name real sites
    (their images, their links), and a job that follows one must neither ask a DNS server nor
    connect."""
    _install_audit_hook()


@pytest.fixture
def loopback_only() -> Iterator[None]:
    """Make any connection or system name lookup beyond loopback raise during the test.

    A ``sys.addaudithook`` tripwire: a guard that failed would have its attempt stopped before a
    packet left the machine, and the test would fail saying where it tried to go.
    """
    _install_audit_hook()
    _loopback_only.set()
    try:
        yield
    finally:
        _loopback_only.clear()
