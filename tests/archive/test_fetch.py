"""The guarded fetcher against a loopback server that misbehaves on purpose (SPEC §3)."""

from __future__ import annotations

import datetime
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from factcheck.archive.fetch import (
    DEFAULT_USER_AGENT,
    FetchError,
    FetchPolicy,
    FetchResult,
    Hop,
    fetch,
)
from factcheck.config import Config
from tests.httpserver import (
    Channel,
    HTTPTestServer,
    Request,
    deflate_response,
    drip,
    gzip_bomb,
    gzip_response,
    header_drip,
    pdf_bytes,
    png_bytes,
    redirect,
    reset,
    respond,
    stall,
)

pytestmark = pytest.mark.usefixtures("loopback_only")

MB = 1024 * 1024


@pytest.fixture
def server(http_server: Callable[..., HTTPTestServer]) -> HTTPTestServer:
    return http_server()


def policy_for(server: HTTPTestServer, **limits: object) -> FetchPolicy:
    return FetchPolicy(allow=frozenset({server.allow_entry}), **limits)  # type: ignore[arg-type]


def fetch_error(url: str, policy: FetchPolicy, **kwargs: object) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, policy, **kwargs)  # type: ignore[arg-type]
    return info.value


# -- a good page --------------------------------------------------------------------------------


def test_a_page_is_fetched_with_what_a_snapshot_records(server: HTTPTestServer) -> None:
    server.route("/story", respond("<h1>Claim</h1>", content_type="text/html; charset=UTF-8",
                                   headers=[("X-Served-By", "test")]))
    before = datetime.datetime.now(datetime.UTC)
    result = fetch(server.url("/story?id=7#top"), policy_for(server))
    assert isinstance(result, FetchResult)
    assert result.requested_url == server.url("/story?id=7#top")
    assert result.final_url == server.url("/story?id=7")
    assert result.redirects == []
    assert (result.status, result.reason, result.http_version) == (200, "OK", "HTTP/1.1")
    assert (result.content_type, result.charset) == ("text/html", "utf-8")
    assert result.body == "<h1>Claim</h1>".encode()
    assert result.peer == f"127.0.0.1:{server.port}"
    assert ("X-Served-By", "test") in result.response_headers
    assert before <= result.fetched_at <= datetime.datetime.now(datetime.UTC)
    assert result.fetched_at.tzinfo is datetime.UTC
    assert 0 < result.elapsed < 5
    sent = server.requests[-1]
    assert sent.target == "/story?id=7"
    assert sent.header("User-Agent") == DEFAULT_USER_AGENT
    assert sent.header("Host") == server.allow_entry
    assert dict(result.request_headers)["User-Agent"] == DEFAULT_USER_AGENT
    assert [name.lower() for name, _ in result.request_headers] == [
        name.lower() for name, _ in sent.headers]  # what was recorded is what was sent


def test_the_user_agent_comes_from_the_policy(server: HTTPTestServer) -> None:
    server.route("/", respond("<p>hi</p>"))
    fetch(server.url("/"), policy_for(server, user_agent="Desk/2 (+https://desk.example)"))
    assert server.requests[-1].header("User-Agent") == "Desk/2 (+https://desk.example)"


def test_no_cookie_is_kept_between_fetches(server: HTTPTestServer) -> None:
    server.route("/", respond("<p>hi</p>", headers=[("Set-Cookie", "session=abc; Path=/")]))
    fetch(server.url("/"), policy_for(server))
    fetch(server.url("/"), policy_for(server))
    assert [request.header("Cookie") for request in server.requests] == [None, None]


def test_policy_from_config(tmp_path: Path) -> None:
    config = Config(instance_dir=tmp_path, database_url="sqlite://", index_dir=tmp_path,
                    archive_dir=tmp_path, queue_url="sqlite://", secret_key="x",
                    fetch_allow=frozenset({"intranet:8080"}), fetch_timeout=7.5,
                    fetch_max_bytes=1234)
    assert FetchPolicy.from_config(config) == FetchPolicy(
        timeout=7.5, max_bytes=1234, allow=frozenset({"intranet:8080"}))


def test_an_idn_host_is_sent_in_punycode(server: HTTPTestServer) -> None:
    server.route("/", respond("<p>bücher</p>"))
    resolved: list[str] = []

    def resolve(host: str, port: int, *args: object) -> list[tuple]:
        resolved.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    policy = FetchPolicy(allow=frozenset({f"xn--bcher-kva.test:{server.port}"}))
    result = fetch(f"http://Bücher.test:{server.port}/", policy, resolve=resolve)
    assert resolved == ["xn--bcher-kva.test"]
    assert server.requests[-1].header("Host") == f"xn--bcher-kva.test:{server.port}"
    assert result.final_url == f"http://xn--bcher-kva.test:{server.port}/"


# -- bodies as served ---------------------------------------------------------------------------


@pytest.mark.parametrize(("declared", "served"), [
    ("utf-8", "café “quoted” – naïve".encode("windows-1252")),
    ("iso-8859-1", "café “quoted” – naïve".encode("utf-8")),
    ("utf-16", b"<p>plain ascii</p>"),
])
def test_a_wrong_charset_header_is_reported_and_the_bytes_kept(server: HTTPTestServer,
                                                               declared: str,
                                                               served: bytes) -> None:
    server.route("/", respond(served, content_type=f'text/html; charset="{declared.upper()}"'))
    result = fetch(server.url("/"), policy_for(server))
    assert result.body == served
    assert (result.content_type, result.charset) == ("text/html", declared)


def test_a_directory_is_served_with_the_given_charset(server: HTTPTestServer,
                                                      tmp_path: Path) -> None:
    page = "<p>Fa\u00e7ade</p>".encode("windows-1252")
    (tmp_path / "page.html").write_bytes(page)
    server.serve_directory("/corpus/", tmp_path, content_type="text/html", charset="windows-1252")
    result = fetch(server.url("/corpus/page.html"), policy_for(server))
    assert (result.body, result.charset) == (page, "windows-1252")
    assert fetch_error(server.url("/corpus/../test_fetch.py"), policy_for(server)).status == 404


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/pdf", pdf_bytes("Evidence")),
    ("image/png", png_bytes()),
])
def test_pdf_and_images_are_kept_as_they_are(server: HTTPTestServer, content_type: str,
                                             body: bytes) -> None:
    server.route("/file", respond(body, content_type=content_type))
    result = fetch(server.url("/file"), policy_for(server))
    assert (result.content_type, result.charset, result.body) == (content_type, None, body)


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/xhtml+xml", "application/xml", "text/xml", "application/rss+xml",
    "application/atom+xml", "application/json", "application/ld+json", "application/feed+json",
    "image/webp", "image/svg+xml",
])
def test_archivable_types(server: HTTPTestServer, content_type: str) -> None:
    server.route("/", respond(b"data", content_type=content_type))
    assert fetch(server.url("/"), policy_for(server)).content_type == content_type


def test_a_missing_content_type_is_left_to_sniffing(server: HTTPTestServer) -> None:
    server.route("/", respond(b"<html>no type</html>", content_type=None))
    result = fetch(server.url("/"), policy_for(server))
    assert (result.content_type, result.charset, result.body) == ("", None, b"<html>no type</html>")


@pytest.mark.parametrize("content_type", [
    "video/mp4", "audio/mpeg", "application/zip", "application/octet-stream",
    "application/x-msdownload", "application/vnd.android.package-archive",
])
def test_unsupported_types_are_refused_before_the_body(server: HTTPTestServer,
                                                       content_type: str) -> None:
    server.route("/", respond(bytes(10 * MB), content_type=content_type))
    started = time.monotonic()
    error = fetch_error(server.url("/"), policy_for(server, max_bytes=MB))
    assert (error.kind, error.transient, error.status) == ("unsupported_content", False, 200)
    assert content_type in error.message
    assert time.monotonic() - started < 2


def test_gzip_and_deflate_bodies_are_decoded(server: HTTPTestServer) -> None:
    text = b"<p>" + b"compressible " * 5000 + b"</p>"
    server.route("/gzip", gzip_response(text, chunked=True))
    server.route("/deflate", deflate_response(text))
    server.route("/raw-deflate", deflate_response(text, raw=True))
    for path in ("/gzip", "/deflate", "/raw-deflate"):
        result = fetch(server.url(path), policy_for(server))
        assert result.body == text, path
        assert ("Content-Encoding", path.split("-")[-1].strip("/")) in result.response_headers
    assert server.requests[-1].header("Accept-Encoding") == "gzip, deflate"


def test_an_encoding_it_did_not_ask_for_is_refused(server: HTTPTestServer) -> None:
    server.route("/", respond(b"\x1b\x00\x00", headers=[("Content-Encoding", "br")]))
    assert fetch_error(server.url("/"), policy_for(server)).kind == "unsupported_content"


# -- size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_cap_is_too_large(server: HTTPTestServer, chunked: bool) -> None:
    server.route("/big", respond(b"x" * (MB + 1), content_type="text/plain", chunked=chunked))
    server.route("/fits", respond(b"x" * MB, content_type="text/plain", chunked=chunked))
    error = fetch_error(server.url("/big"), policy_for(server, max_bytes=MB))
    assert (error.kind, error.transient) == ("too_large", False)
    assert len(fetch(server.url("/fits"), policy_for(server, max_bytes=MB)).body) == MB


def test_a_gzip_bomb_stops_at_the_cap(server: HTTPTestServer) -> None:
    server.route("/bomb", gzip_bomb(50 * MB))
    tracemalloc.start()
    try:
        started = time.monotonic()
        error = fetch_error(server.url("/bomb"), policy_for(server, max_bytes=MB))
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.kind == "too_large"
    assert peak < 8 * MB  # 50 MB were promised; about the 1 MB cap was ever held
    assert elapsed < 5


# -- time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("handler", "timeout", "status"), [
    (stall(), 1.0, None),
    (stall(after_headers=True), 1.0, 200),
    (header_drip(interval=0.1), 1.0, None),
    (drip(b"x" * 100, interval=1.0), 2.0, 200),
], ids=["stalled", "stalled-after-headers", "header-drip", "byte-a-second"])
def test_the_total_deadline_holds(server: HTTPTestServer, handler: Callable[[Request, Channel], None],
                                  timeout: float, status: int | None) -> None:
    server.route("/slow", handler)
    started = time.monotonic()
    error = fetch_error(server.url("/slow"), policy_for(server, timeout=timeout))
    elapsed = time.monotonic() - started
    assert (error.kind, error.transient, error.status) == ("timeout", True, status)
    assert timeout - 0.1 <= elapsed < timeout + 0.75


def test_the_deadline_spans_redirects(server: HTTPTestServer) -> None:
    def slow_redirect(request: Request, channel: Channel) -> None:
        channel.wait(0.4)
        channel.respond(302, headers=[("Location", f"/slow?{int(request.query) + 1}")])

    server.route("/slow", slow_redirect)
    started = time.monotonic()
    error = fetch_error(server.url("/slow?0"), policy_for(server, timeout=1.0, max_redirects=50))
    assert error.kind == "timeout"
    assert 1 <= len(error.redirects) <= 3
    assert time.monotonic() - started < 1.75


@pytest.fixture
def slow_resolver() -> Iterator[Callable[..., list[tuple]]]:
    release = threading.Event()

    def resolve(host: str, port: int, *args: object) -> list[tuple]:
        release.wait(10)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    yield resolve
    release.set()


def test_a_slow_name_lookup_counts_against_the_deadline(
        slow_resolver: Callable[..., list[tuple]]) -> None:
    started = time.monotonic()
    policy = FetchPolicy(timeout=0.5, allow=frozenset({"slow.test:8080"}))
    error = fetch_error("http://slow.test:8080/", policy, resolve=slow_resolver)
    assert error.kind == "timeout"
    assert time.monotonic() - started < 1.25


# -- redirects ----------------------------------------------------------------------------------


def test_five_redirects_are_followed_and_recorded(server: HTTPTestServer) -> None:
    first = server.redirect_chain("/chain", 5, respond("<p>the end</p>"))
    result = fetch(first, policy_for(server))
    assert result.body == b"<p>the end</p>"
    assert result.requested_url == first
    assert result.final_url == server.url("/chain/final")
    assert result.redirects == [
        Hop(server.url(f"/chain/{i}"), 302,
            server.url(f"/chain/{i + 1}" if i < 4 else "/chain/final")) for i in range(5)]


def test_the_sixth_redirect_is_refused(server: HTTPTestServer) -> None:
    first = server.redirect_chain("/chain", 6, respond("<p>never</p>"))
    error = fetch_error(first, policy_for(server))
    assert (error.kind, error.transient, error.status) == ("too_many_redirects", False, 302)
    assert len(error.redirects) == 6
    assert "/chain/final" not in [request.path for request in server.requests]


def test_a_redirect_loop_is_refused(server: HTTPTestServer) -> None:
    server.route("/a", redirect("/b"))
    server.route("/b", redirect("http://127.0.0.1:%d/a" % server.port))
    error = fetch_error(server.url("/a"), policy_for(server, max_redirects=20))
    assert error.kind == "too_many_redirects" and "loop" in error.message
    assert [hop.url for hop in error.redirects] == [server.url("/a"), server.url("/b")]


def test_a_redirect_that_sets_a_cookie_may_come_back(server: HTTPTestServer) -> None:
    def cookie_wall(request: Request, channel: Channel) -> None:
        if request.header("Cookie") == "seen=1":
            channel.respond(200, b"<p>welcome back</p>", [("Content-Type", "text/html")])
        else:
            channel.respond(302, headers=[("Location", "/wall"), ("Set-Cookie", "seen=1")])

    server.route("/wall", cookie_wall)
    result = fetch(server.url("/wall"), policy_for(server))
    assert result.body == b"<p>welcome back</p>"
    assert len(result.redirects) == 1


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_relative_and_scheme_relative_locations(server: HTTPTestServer, status: int) -> None:
    server.route("/start", redirect("next?x=1", status=status))
    server.route("/next", redirect(f"//{server.allow_entry}/last#frag", status=status))
    server.route("/last", respond("<p>last</p>"))
    result = fetch(server.url("/start"), policy_for(server))
    assert [(hop.status, hop.location) for hop in result.redirects] == [
        (status, server.url("/next?x=1")), (status, server.url("/last"))]
    assert result.final_url == server.url("/last")


def test_a_redirect_without_location_is_the_final_response(server: HTTPTestServer) -> None:
    server.route("/", respond("<p>moved, somewhere</p>", status=302))
    result = fetch(server.url("/"), policy_for(server))
    assert (result.status, result.redirects) == (302, [])


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "transient"), [
    (404, False), (410, False), (403, False), (408, True), (429, True), (500, True),
    (502, True), (503, True),
])
def test_http_errors_carry_the_error_page(server: HTTPTestServer, status: int,
                                          transient: bool) -> None:
    server.route("/", respond(f"<p>error {status}</p>", status=status))
    error = fetch_error(server.url("/"), policy_for(server))
    assert (error.kind, error.status, error.transient) == ("http_error", status, transient)
    assert error.response is not None
    assert error.response.status == status
    assert error.response.body == f"<p>error {status}</p>".encode()


def test_an_error_page_body_is_capped(server: HTTPTestServer) -> None:
    server.route("/", respond(b"e" * (2 * MB), status=500, content_type="text/plain"))
    error = fetch_error(server.url("/"), policy_for(server, max_bytes=MB))
    assert error.kind == "http_error" and error.response is not None
    assert len(error.response.body) == MB


@pytest.mark.parametrize("after_headers", [False, True])
def test_a_reset_connection_is_a_transient_connection_error(server: HTTPTestServer,
                                                            after_headers: bool) -> None:
    server.route("/", reset(after_headers=after_headers))
    error = fetch_error(server.url("/"), policy_for(server))
    assert (error.kind, error.transient) == ("connection_error", True)


def test_a_refused_connection_is_a_transient_connection_error() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    error = fetch_error(f"http://127.0.0.1:{port}/",
                        FetchPolicy(allow=frozenset({f"127.0.0.1:{port}"})))
    assert (error.kind, error.transient) == ("connection_error", True)
