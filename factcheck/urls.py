"""The workbench's own addresses: paths for the app's pages, and the absolute public URLs that
feeds, JSON-LD, share links and e-mails need (SPEC §5: ``FACTCHECK_PUBLIC_URL``).

Pages link with relative paths (``url_for`` in templates); only what leaves the app carries an
absolute URL. Both helpers work in a request, a job or a command alike: no request context is
ever faked to build a URL.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

from factcheck.config import current_config


def app_path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` inside the app (without the prefix it may be served under)."""
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return adapter.build(endpoint, values)


def path_for(endpoint: str, **values: Any) -> str:
    """A link for the app's own pages and API answers: ``url_for`` in a request (with the prefix
    the app is served under), the app's own path in a job or command."""
    return url_for(endpoint, **values) if has_request_context() else app_path(endpoint, **values)


def absolute(path: str) -> str:
    """``path`` (inside the app) on the public base URL."""
    return current_config().public_url + path


def absolute_url(endpoint: str, **values: Any) -> str:
    """The public, absolute URL of ``endpoint``."""
    return absolute(app_path(endpoint, **values))


def site_name() -> str:
    """The publisher's name, as feeds and ClaimReview give it."""
    return current_config().site_name
