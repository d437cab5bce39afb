"""The suite never leaves loopback: a name beyond it does not resolve and an address beyond it is
not connected to (tests/httpserver.py's audit hook, installed for every test). Checked on the
decision and on the hook itself, without a lookup or a connection beyond loopback."""

from __future__ import annotations

import socket

import pytest

from tests import httpserver


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost", "LOCALHOST.", "site.localhost",
                                  b"127.0.0.1", "127.1", "0x7f.1", None])
def test_loopback_hosts_stay(host):
    assert httpserver._stays(host)


@pytest.mark.parametrize("host", ["example.org", "192.0.2.1", "10.0.0.1", "2001:db8::1", "localhost.example.org",
                                  b"203.0.113.9", "10.1", "8.8"])
def test_hosts_beyond_loopback_do_not(host):
    assert not httpserver._stays(host)


def test_every_test_runs_with_the_hook_and_loopback_still_works():
    assert httpserver._hook_installed
    assert socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)


def test_the_hook_refuses_as_the_network_would():
    """What a job following a corpus page's link sees (the hook called as Python calls it, just
    before the lookup or the connection would start)."""
    with pytest.raises(socket.gaierror):
        httpserver._loopback_audit("socket.getaddrinfo", ("example.org", 443, 0, 0, 0, 0))
    with socket.socket() as unconnected, pytest.raises(ConnectionRefusedError):
        httpserver._loopback_audit("socket.connect", (unconnected, ("192.0.2.1", 80)))
    with socket.socket() as unconnected:  # loopback passes: no error
        httpserver._loopback_audit("socket.connect", (unconnected, ("127.0.0.1", 80)))
    httpserver._loopback_audit("socket.getaddrinfo", ("localhost", 80, 0, 0, 0, 0))


def test_under_the_tripwire_even_a_loopback_name_fails_the_test(loopback_only):
    with pytest.raises(RuntimeError, match="system resolver"):
        httpserver._loopback_audit("socket.getaddrinfo", ("localhost", 80, 0, 0, 0, 0))
