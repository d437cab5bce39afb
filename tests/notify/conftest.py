"""Notify's tests run on the archive's app (claims link to a loopback test site) and stay on
loopback; they publish, reject and correct through the real API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from factcheck import db
from factcheck.notify.models import Notification
from tests.archive.conftest import app, site  # noqa: F401 - fixtures
from tests.httpserver import respond

HOAX = """<!doctype html><html lang="hi"><head><meta charset="utf-8"><title>बैंक 10 दिन बंद</title></head>
<body><article><h1>बैंक 10 दिन बंद रहेंगे</h1><p>वायरल संदेश में दावा किया गया कि सभी बैंक दस दिन बंद रहेंगे।</p>
</article></body></html>"""


@pytest.fixture(autouse=True)
def _on_loopback(loopback_only: None) -> None:
    """Nothing in these tests may leave the machine."""


@pytest.fixture
def desk(make_user: Callable[..., Any]) -> dict[str, Any]:
    """The desk: one reviewer writes, another reviews and publishes."""
    return {"writer": make_user("reviewer", name="Wasim"), "reviewer": make_user("reviewer", name="Rita")}


@pytest.fixture
def hoax_url(site: Any) -> str:  # noqa: F811
    site.route("/hoax", respond(HOAX.encode()))
    return str(site.url("/hoax"))


@pytest.fixture
def approved(make_claim: Callable[..., Any], desk: dict[str, Any], hoax_url: str) -> Callable[..., Any]:
    """A claim with a complete draft, approved and ready to publish (filed by ``by``)."""

    def build(by: Any = None, text: str = "सभी बैंक 10 दिन बंद रहेंगे") -> Any:
        return make_claim(text, urls=(hoax_url,), status="approved", draft_by=desk["writer"], by=by,
                          headline="बैंक 10 दिन बंद नहीं रहेंगे")

    return build


@pytest.fixture
def move(api_client: Callable[..., Any], desk: dict[str, Any]) -> Callable[..., Any]:
    """Move a claim through the API as the reviewer; returns the response."""

    def run(claim_id: int, to: str, **body: Any) -> Any:
        response = api_client(desk["reviewer"]).post(f"/api/claims/{claim_id}/transitions", json={"to": to, **body})
        assert response.status_code == 200, response.json
        return response

    return run


@pytest.fixture
def told(app: Any) -> Callable[..., list[tuple[int, int, str]]]:  # noqa: F811
    """(user id, claim id, kind) of every notification, in order."""

    def read() -> list[tuple[int, int, str]]:
        with app.app_context():
            rows = db.session().scalars(select(Notification).order_by(Notification.user_id, Notification.id))
            return [(row.user_id, row.claim_id, row.kind) for row in rows]

    return read
