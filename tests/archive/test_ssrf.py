"""The SSRF guard (SPEC §3): what is refused, what is not, and that refusing opens no connection.

Non-loopback targets are only ever checked by :func:`check_target` with a resolver that answers
from a table: no name is looked up and no socket opened. Tests that connect reach only their own
loopback servers, under the ``loopback_only`` tripwire.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import pytest

from factcheck.archive.fetch import (
    BLOCKED_NETWORKS,
    FetchError,
    FetchPolicy,
    Hop,
    check_target,
    fetch,
    is_blocked_address,
)
from factcheck.archive.guard import parse_ip_literal
from tests.httpserver import (
    redirect,
    respond,
    self_signed_certificate,
)

pytestmark = pytest.mark.usefixtures("loopback_only")

PUBLIC = "93.184.216.34"
SPEC_LIST = (
    "0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/29, 192.0.2/24, 192.88.99/24, "
    "192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4, ::/128, ::1, "
    "::ffff:0:0/96, 64:ff9b::/96, 100::/64, 2001::/32, 2001:db8::/32, 2002::/16, fc00::/7, "
    "fe80::/10, ff00::/8"
)


class FakeResolver:
    """A ``getaddrinfo`` stand-in answering from a table; it records the names it was asked."""

    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = table or {}
        self.asked: list[str] = []

    def __call__(self, host: str, port: int, *args: object) -> list[tuple]:
        self.asked.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the test table")
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (address, port)) for address in self.table[host]]


NAMES = {
    "news.example": [PUBLIC],
    "internal.example": ["10.0.0.5"],
    "mixed.example": [PUBLIC, "2606:2800:220:1::1", "192.168.0.10"],
    "v6-doc.example": ["2001:db8::5"],
    "metadata.example": ["::ffff:169.254.169.254"],
    "nip.example": ["127.0.0.1"],
    "localhost": [PUBLIC],  # even a resolver that says otherwise does not make it remote
}

BLOCKED_TARGETS = [
    # one address in each range of the SPEC §3 list
    "http://0.0.0.0/",
    "http://10.1.2.3/",
    "http://100.64.0.1/",
    "http://127.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://172.16.0.1/",
    "http://172.31.255.254/",
    "http://192.0.0.1/",
    "http://192.0.2.1/",
    "http://192.88.99.1/",
    "http://192.168.1.1/",
    "http://198.18.0.1/",
    "http://198.51.100.7/",
    "http://203.0.113.9/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[::]/",
    "http://[::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[100::1]/",
    "http://[2001::1]/",  # Teredo
    "http://[2001:db8::1]/",
    "http://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[ff02::1]/",
    # loopback, however it is spelled
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://0x7F.1/",
    "http://127.0.0.1./",
    "http://0/",
    "http://[::ffff:127.0.0.1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:0:127.0.0.1]/",  # IPv4-translated
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://user:secret@example.org@10.0.0.1/",
    # names
    "http://localhost/",
    "http://LocalHost./",
    "http://admin.localhost:8080/",
    "http://internal.example/",
    "http://mixed.example/",
    "http://v6-doc.example/",
    "http://metadata.example/",
    "http://nip.example:8080/",
    # schemes and ports
    "ftp://news.example/",
    "file:///etc/passwd",
    "gopher://news.example:70/",
    "javascript:alert(1)",
    "data:text/html,<p>hi</p>",
    "http://news.example:22/",
    "http://news.example:25/",
    "https://news.example:0/",
    "http:///no-host",
]


@pytest.mark.parametrize("url", BLOCKED_TARGETS)
def test_refused(url: str) -> None:
    resolver = FakeResolver(NAMES)
    with pytest.raises(FetchError) as info:
        check_target(url, FetchPolicy(), resolve=resolver)
    assert info.value.kind == "blocked_address", info.value
    assert not info.value.transient
    assert set(resolver.asked) <= set(NAMES)  # IP literals are never handed to the resolver


def test_the_table_covers_every_blocked_network() -> None:
    covered = set()
    for url in BLOCKED_TARGETS:
        address = parse_ip_literal(urlsplit(url).hostname or "")
        covered |= {network for network in BLOCKED_NETWORKS if address and address in network}
    assert covered == set(BLOCKED_NETWORKS)


def test_block_list_is_exactly_the_spec_list() -> None:
    expected = []
    for entry in SPEC_LIST.split(", "):
        if ":" not in entry and "/" in entry:  # "100.64/10" is short for 100.64.0.0/10
            prefix, length = entry.split("/")
            entry = ".".join((prefix.split(".") + ["0"] * 4)[:4]) + "/" + length
        expected.append(ipaddress.ip_network(entry))
    assert list(BLOCKED_NETWORKS) == expected


@pytest.mark.parametrize("address", [
    "8.8.8.8", "1.1.1.1", PUBLIC, "100.63.255.255", "100.128.0.1", "126.255.255.255",
    "128.0.0.1", "172.15.255.255", "172.32.0.1", "192.0.0.8", "192.0.3.1", "192.88.98.1",
    "192.167.255.255", "192.169.0.1", "198.17.255.255", "198.20.0.1", "198.51.101.1",
    "203.0.114.1", "223.255.255.255", "2606:4700:4700::1111", "2001:4860:4860::8888",
    "2a00:1450:4001::1", "2003::1", "2001:1::1",
])
def test_public_addresses_pass(address: str) -> None:
    assert not is_blocked_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("network", BLOCKED_NETWORKS, ids=str)
def test_both_ends_of_every_network_are_blocked(network: ipaddress.IPv4Network) -> None:
    assert is_blocked_address(network[0]) and is_blocked_address(network[-1])


@pytest.mark.parametrize("spelling", [
    "2130706433", "0177.0.0.1", "0x7f.0.0.1", "0X7F.0.0.1", "0x7f000001", "017700000001",
    "127.1", "127.0.1", "0x7f.1", "0x7F.0x1", "1.0x10", "0", "00", "10.0x0.0.01",
    "192.168.0x1.0377", "4294967295", "08.0.0.1", "0x100.0.0.1", "256.1", "1.2.3.4.5",
    "1.16777216", "4294967296", "0x", "1.0x", "1..2", ".1.2.3", "example.org", "0x7g.1",
])
def test_ipv4_spellings_are_read_as_the_c_library_reads_them(spelling: str) -> None:
    # inet_aton is the parser getaddrinfo uses for a numeric host (none of these has the trailing
    # text that inet_aton alone would ignore).
    try:
        expected = socket.inet_ntoa(socket.inet_aton(spelling))
    except OSError:
        expected = None
    parsed = parse_ip_literal(spelling)
    assert (str(parsed) if parsed else None) == expected


def test_a_public_name_passes_the_decision() -> None:
    resolver = FakeResolver(NAMES)
    policy = FetchPolicy()
    assert check_target("https://news.example/story?id=1", policy, resolve=resolver) == [
        ipaddress.ip_address(PUBLIC)]
    assert check_target("http://news.example:8080/", policy, resolve=resolver) == [
        ipaddress.ip_address(PUBLIC)]
    assert check_target(f"http://{PUBLIC}/", policy, resolve=resolver) == [
        ipaddress.ip_address(PUBLIC)]
    assert resolver.asked == ["news.example", "news.example"]  # once per decision, never for IPs


def test_an_idn_name_is_resolved_in_punycode() -> None:
    resolver = FakeResolver({"xn--bcher-kva.example": [PUBLIC], "xn--bcher-kva.test": ["10.9.8.7"]})
    assert check_target("http://Bücher.example/", FetchPolicy(), resolve=resolver) == [
        ipaddress.ip_address(PUBLIC)]
    with pytest.raises(FetchError, match="10.9.8.7"):
        check_target("http://bücher.test/", FetchPolicy(), resolve=resolver)
    assert resolver.asked == ["xn--bcher-kva.example", "xn--bcher-kva.test"]


def test_a_failed_lookup_is_a_transient_connection_error() -> None:
    with pytest.raises(FetchError) as info:
        check_target("http://gone.example/", FetchPolicy(), resolve=FakeResolver())
    assert info.value.kind == "connection_error" and info.value.transient


def test_the_allow_list_bypasses_exactly_host_and_port() -> None:
    resolver = FakeResolver(NAMES)
    policy = FetchPolicy(allow=frozenset({"internal.example:8080", "127.0.0.1:8000", "::1:9000",
                                          "news.example:22"}))
    ten = ipaddress.ip_address("10.0.0.5")
    assert check_target("http://internal.example:8080/x", policy, resolve=resolver) == [ten]
    assert check_target("https://INTERNAL.example:8080/", policy, resolve=resolver) == [ten]
    assert check_target("http://127.0.0.1:8000/", policy, resolve=resolver) == [
        ipaddress.ip_address("127.0.0.1")]
    assert check_target("http://[::1]:9000/", policy, resolve=resolver) == [
        ipaddress.ip_address("::1")]
    assert check_target("http://news.example:22/", policy, resolve=resolver)  # the port too
    for url in ("http://internal.example/", "http://internal.example:8081/",
                "http://127.0.0.1:8001/", "http://2130706433:8000/", "http://127.1:8000/",
                "http://localhost:8000/", "http://[::ffff:127.0.0.1]:8000/", "http://[::1]:9001/",
                "http://nip.example:8000/", "http://news.example:25/"):
        with pytest.raises(FetchError) as info:
            check_target(url, policy, resolve=resolver)
        assert info.value.kind == "blocked_address", url


# -- nothing is connected to -------------------------------------------------------------------


def test_a_blocked_loopback_url_makes_no_connection(http_server) -> None:
    server = http_server()
    server.route("/", respond("<p>private</p>"))
    other = http_server()
    policy = FetchPolicy(allow=frozenset({other.allow_entry}))
    for url in (server.url("/"), f"http://2130706433:{server.port}/",
                f"http://127.1:{server.port}/", f"http://0x7f.0.0.1:{server.port}/",
                f"http://[::ffff:127.0.0.1]:{server.port}/", f"http://localhost:{server.port}/"):
        with pytest.raises(FetchError) as info:
            fetch(url, policy)
        assert info.value.kind == "blocked_address", url
    assert server.connection_count() == 0
    assert server.requests == []
    # The counter does count: allowed, the same server is reached.
    fetch(server.url("/"), FetchPolicy(allow=frozenset({server.allow_entry})))
    assert server.connection_count() == 1


def test_another_loopback_address_is_blocked(http_server) -> None:
    allowed = http_server()
    allowed.route("/", respond("<p>ok</p>"))
    try:
        second = http_server(host="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2 here: {exc}")
    second.route("/", respond("<p>private</p>"))
    policy = FetchPolicy(allow=frozenset({allowed.allow_entry, f"127.0.0.1:{second.port}"}))
    with pytest.raises(FetchError) as info:
        fetch(second.url("/"), policy)
    assert info.value.kind == "blocked_address"
    assert second.connection_count() == 0
    assert fetch(allowed.url("/"), policy).body == b"<p>ok</p>"


def test_an_allowed_port_works_and_the_same_host_on_another_port_does_not(http_server) -> None:
    allowed = http_server()
    allowed.route("/", respond("<p>allowed</p>"))
    blocked = http_server()
    blocked.route("/", respond("<p>blocked</p>"))
    policy = FetchPolicy(allow=frozenset({allowed.allow_entry}))
    assert fetch(allowed.url("/"), policy).body == b"<p>allowed</p>"
    with pytest.raises(FetchError) as info:
        fetch(blocked.url("/"), policy)
    assert info.value.kind == "blocked_address"
    assert (allowed.connection_count(), blocked.connection_count()) == (1, 0)


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://[::1]/admin",
    "http://2130706433/",
    "http://internal.example/",
    "http://localhost:8080/",
    "file:///etc/passwd",
    "http://news.example:22/",
])
def test_a_redirect_to_a_blocked_address_is_refused_at_that_hop(http_server, location) -> None:
    server = http_server()
    server.route("/go", redirect(location, status=301))
    policy = FetchPolicy(allow=frozenset({server.allow_entry}))
    with pytest.raises(FetchError) as info:
        fetch(server.url("/go"), policy, resolve=FakeResolver(NAMES))
    error = info.value
    assert error.kind == "blocked_address"
    assert error.requested_url == server.url("/go")
    assert [(hop.url, hop.status) for hop in error.redirects] == [(server.url("/go"), 301)]
    assert error.status == 301
    assert server.connection_count() == 1  # the allowed page, nothing after it
    # (and loopback_only would have stopped any connection to the target itself)


def test_a_redirect_to_another_port_of_the_allowed_host_is_refused(http_server) -> None:
    private = http_server()
    private.route("/", respond("<p>private</p>"))
    server = http_server()
    server.route("/go", redirect(private.url("/")))
    with pytest.raises(FetchError) as info:
        fetch(server.url("/go"), FetchPolicy(allow=frozenset({server.allow_entry})))
    assert info.value.kind == "blocked_address"
    assert info.value.redirects == [Hop(server.url("/go"), 302, private.url("/"))]
    assert private.connection_count() == 0


class Rebinding:
    """A DNS-rebinding attacker: loopback on the first lookup, somewhere else after that."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str, port: int, *args: object) -> list[tuple]:
        self.calls += 1
        address = "127.0.0.1" if self.calls == 1 else "10.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


def test_the_name_is_resolved_once_and_the_checked_address_is_used(http_server) -> None:
    server = http_server()
    server.route("/", respond("<p>pinned</p>"))
    resolver = Rebinding()
    policy = FetchPolicy(allow=frozenset({f"pinned.test:{server.port}"}))
    result = fetch(f"http://pinned.test:{server.port}/", policy, resolve=resolver)
    assert resolver.calls == 1
    assert result.peer == f"127.0.0.1:{server.port}"
    assert server.requests[-1].header("Host") == f"pinned.test:{server.port}"
    assert result.body == b"<p>pinned</p>"
    # and loopback_only shows that urllib3 never looked "pinned.test" up itself


def test_tls_is_checked_for_the_host_name_at_the_pinned_address(http_server, tmp_path) -> None:
    server = http_server(tls=self_signed_certificate(tmp_path, "pinned.test"))
    server.route("/", respond("<p>secret</p>"))
    policy = FetchPolicy(allow=frozenset({f"pinned.test:{server.port}"}))
    with pytest.raises(FetchError) as info:
        fetch(f"https://pinned.test:{server.port}/", policy, resolve=Rebinding())
    # The socket went to 127.0.0.1, but TLS spoke to "pinned.test" and verified its certificate
    # (this one is self-signed, so no request was sent).
    assert info.value.kind == "connection_error" and not info.value.transient
    assert "CERTIFICATE_VERIFY_FAILED" in info.value.message
    assert server.sni == ["pinned.test"]
    assert server.requests == []
