"""An app whose fetcher may reach one loopback test server, and helpers to run its jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from factcheck import close_app, create_app
from tests.httpserver import HTTPTestServer


@pytest.fixture
def site(http_server: Callable[..., HTTPTestServer]) -> HTTPTestServer:
    """A loopback web server standing in for the sites claims link to."""
    return http_server()


@pytest.fixture
def app(config: Any, site: HTTPTestServer) -> Iterator[Any]:
    """The app, allowed to fetch from ``site`` (and nowhere else on this machine)."""
    application = create_app(config.replace(fetch_allow=frozenset({site.allow_entry}), fetch_timeout=5.0))
    yield application
    close_app(application)
