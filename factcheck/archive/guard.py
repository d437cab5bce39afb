"""The SSRF guard's two halves (SPEC §3): which addresses a fetch may reach, and a requests
transport that connects only to addresses already checked.

The transport never resolves a name itself. :class:`PinnedAdapter` is told, for each
``(scheme, host, port)``, the addresses the decision allowed; its connections open a socket to one
of them, keep the host name for the ``Host`` header, SNI and certificate checks, and confirm the
socket's peer before a byte is sent. A request for a target nobody pinned is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any, Protocol, cast

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.poolmanager import SSL_KEYWORDS

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443}
_DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"),
           16: frozenset("0123456789abcdefABCDEF")}

# Exactly the list of SPEC §3 (Perma.cc's), in its order.
BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/29", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "100::/64", "2001::/32",
        "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8",
    )
)

# IPv6 forms that embed or stand for an IPv4 address, or are local by definition, but which the
# list above misses. No public web server lives at any of them, so rather than unwrapping the
# embedded IPv4 address these (like ::ffff:0:0/96, NAT64 and 6to4 above) are refused whole.
ALSO_BLOCKED: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(cidr)
    for cidr in (
        "::/96",            # IPv4-compatible (deprecated): ::127.0.0.1 reaches loopback
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "64:ff9b:1::/48",   # local-use NAT64
        "fec0::/10",        # site-local (deprecated)
    )
)


def is_blocked_address(ip: IPAddress) -> bool:
    """Whether the guard refuses to connect to ``ip`` (any IPv6 zone is ignored)."""
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(int(ip))  # without its %zone
    return any(ip in network for network in BLOCKED_NETWORKS + ALSO_BLOCKED)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address ``host`` names if it is an IP literal in any spelling the C library accepts,
    else ``None``.

    IPv4 follows ``inet_aton``: one to four parts, each decimal, octal (leading ``0``) or hex
    (``0x``), the last part filling the remaining bytes, so ``2130706433``, ``0177.0.0.1``,
    ``0x7f.1`` and ``127.1`` are all 127.0.0.1. IPv6 may come with brackets and a zone.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.replace("%25", "%"))
        except ValueError:
            return None
    # urllib3 keeps a trailing dot for resolution; a dotted-quad with one is still that address.
    return _parse_inet_aton(text[:-1] if text.endswith(".") else text)


def is_localhost_name(host: str) -> bool:
    """``localhost`` and names under it, which resolvers answer locally (RFC 6761)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def format_peer(ip: IPAddress, port: int) -> str:
    """``ip:port``, with IPv6 in brackets."""
    return f"[{ip}]:{port}" if ip.version == 6 else f"{ip}:{port}"


def _parse_inet_aton(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if part[:2].lower() == "0x":
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not digits or not set(digits) <= _DIGITS[base]:
            return None
        values.append(int(digits, base))
    *leading, last = values
    if any(value > 0xFF for value in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = last
    for index, value in enumerate(leading):
        number |= value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


# -- the pinned transport -----------------------------------------------------------------------


class Deadline(Protocol):
    """What a pinned connection needs from the fetch's total deadline."""

    def remaining(self) -> float: ...

    def watch(self, sock: socket.socket) -> None: ...


class UncheckedTarget(Exception):
    """requests asked for a connection to a target the guard never checked."""


class PeerMismatch(NewConnectionError):
    """The socket's peer is not the address it was told to connect to."""


class _PinnedConnectionMixin:
    """Open the socket to a checked address instead of resolving ``self.host``."""

    host: str
    port: int
    timeout: Any
    socket_options: Any

    def __init__(self, *args: Any, addresses: tuple[IPAddress, ...], deadline: Deadline,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.addresses = addresses
        self.deadline = deadline
        self.peer: str | None = None

    def _new_conn(self) -> socket.socket:
        error: Exception | None = None
        for address in self.addresses:
            try:
                sock = self._connect_to(address)
            except OSError as exc:  # PeerMismatch is not one: it is raised, not retried
                error = exc
                continue
            self.peer = format_peer(address, self.port)
            return sock
        connection = cast(HTTPConnection, self)  # this mixin is only ever part of an HTTPConnection
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(connection, f"connection to {self.host} timed out") from error
        raise NewConnectionError(connection, f"failed to connect to {self.host}: {error}") from error

    def _connect_to(self, address: IPAddress) -> socket.socket:
        family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            for option in self.socket_options or ():
                sock.setsockopt(*option)
            sock.settimeout(_bounded(self.timeout, self.deadline.remaining()))
            sock.connect((str(address), self.port))
            peer_host, peer_port = sock.getpeername()[:2]
            if parse_ip_literal(peer_host) != address or peer_port != self.port:
                raise PeerMismatch(cast(HTTPConnection, self), f"connected to {peer_host}:{peer_port}, not {address}")
            self.deadline.watch(sock)
        except BaseException:
            sock.close()
            raise
        return sock

    def getresponse(self) -> Any:
        # urllib3 sets the read timeout from the value computed when the hop began.
        self.timeout = _bounded(self.timeout, self.deadline.remaining())
        # mypy sees only the mixin, whose bases have no getresponse; HTTPConnection's follows it.
        return super().getresponse()  # type: ignore[misc]


class PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class _PinnedHTTPPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """A requests adapter whose connections go only to addresses pinned with :meth:`pin`.

    Proxies are ignored on purpose: a proxy would make its own, unchecked, connection.
    """

    def __init__(self, deadline: Deadline) -> None:
        super().__init__(pool_connections=1, pool_maxsize=1, max_retries=0)
        self.deadline = deadline
        self._pins: dict[tuple[str, str, int], tuple[IPAddress, ...]] = {}
        self._pools: dict[tuple[str, str, int, tuple[IPAddress, ...]], HTTPConnectionPool] = {}

    def pin(self, scheme: str, host: str, port: int, addresses: Iterable[IPAddress]) -> None:
        """Allow connections for ``scheme://host:port``, to ``addresses`` only."""
        self._pins[(scheme, host, port)] = tuple(addresses)

    def get_connection_with_tls_context(self, request: Any, verify: Any, proxies: Any = None,
                                        cert: Any = None) -> HTTPConnectionPool:
        host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        scheme = host_params["scheme"]
        host = host_params["host"] or ""
        port = host_params["port"]
        port = DEFAULT_PORTS.get(scheme, 0) if port is None else port
        addresses = self._pins.get((scheme, host, port))
        if not addresses:
            raise UncheckedTarget(f"{scheme}://{host}:{port} was not checked by the guard")
        key = (scheme, host, port, addresses)
        pool = self._pools.get(key)
        if pool is None:
            pool_class = _PinnedHTTPSPool if scheme == "https" else _PinnedHTTPPool
            if scheme != "https":
                pool_kwargs = {k: v for k, v in pool_kwargs.items() if k not in SSL_KEYWORDS}
            pool = pool_class(host, port, maxsize=1, block=False, addresses=addresses,
                              deadline=self.deadline, **pool_kwargs)
            self._pools[key] = pool
        return pool

    def close(self) -> None:
        super().close()
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()


def _bounded(timeout: Any, remaining: float) -> float:
    """The smaller of a urllib3 timeout value and what is left of the deadline (never 0)."""
    limit = max(remaining, 0.001)
    return min(timeout, limit) if isinstance(timeout, int | float) else limit
