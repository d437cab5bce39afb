"""An app whose fetcher may reach one loopback test server, and helpers to run its jobs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from factcheck import create_app, db
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
    application.extensions[db.EXTENSION_KEY].dispose()


@pytest.fixture
def run_jobs(app: Any) -> Callable[..., int]:
    """Run every queued job (and, with ``scheduled=True``, the retries scheduled for later)."""

    def run(scheduled: bool = False) -> int:
        return app.extensions["factcheck.queue"].run_pending(scheduled=scheduled)

    return run
