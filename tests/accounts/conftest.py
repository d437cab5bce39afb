"""Helpers for the accounts tests: run the queued jobs, ask from a given address."""

from __future__ import annotations

from typing import Any

from tests.conftest import Browser


def from_address(app: Any, address: str) -> Browser:
    """A logged-out browser whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Browser(client)
