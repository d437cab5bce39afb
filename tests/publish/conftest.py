"""Publishing tests run on the archive's app (its fetcher may reach a loopback test site), and can
take a claim all the way to a published fact-check through the real API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.archive.conftest import app, site  # noqa: F401 - fixtures
from tests.httpserver import respond

HOAX = """<!doctype html><html lang="hi"><head><meta charset="utf-8"><title>बैंक 10 दिन बंद</title></head>
<body><article><h1>बैंक 10 दिन बंद रहेंगे</h1><p>वायरल संदेश में दावा किया गया कि सभी बैंक दस दिन बंद रहेंगे।
यह संदेश तेजी से फैल रहा है और लोग इसे आगे भेज रहे हैं।</p></article></body></html>"""
OFFICIAL = ("<html><head><title>RBI holidays</title></head>"
            "<body><p>The official list of bank holidays.</p></body></html>")


@pytest.fixture
def desk(make_user):
    """The people of a desk: a volunteer, two reviewers and staff."""
    return {"volunteer": make_user("volunteer", name="Vani"), "writer": make_user("reviewer", name="Wasim"),
            "reviewer": make_user("reviewer", name="Rita"), "staff": make_user("staff", name="Sam")}


@pytest.fixture
def publish_claim(site, desk, api_client, run_jobs) -> Callable[..., dict[str, Any]]:  # noqa: F811
    """File a claim with a link, archive it, draft, review and publish a rebuttal; return the claim.

    Without ``language`` the fact-check takes the claim's (Hindi, for the default text)."""
    site.route("/hoax", respond(HOAX.encode()))
    site.route("/rbi", respond(OFFICIAL.encode()))

    def run(headline: str = "बैंक 10 दिन बंद नहीं रहेंगे: वायरल दावा झूठा", summary: str = "The viral message is false.",
            body: str = "RBI has announced **no** ten-day closure.", verdict: str = "False",
            text: str = "*Forwarded as received* सभी बैंक 10 दिन बंद रहेंगे",
            language: str | None = None) -> dict[str, Any]:
        volunteer, writer, reviewer = (api_client(desk[k]) for k in ("volunteer", "writer", "reviewer"))
        claim = volunteer.post("/api/claims", json={"text": text, "urls": [site.url("/hoax")],
                                                    "platform": "whatsapp"}).json
        run_jobs()
        snapshot_id = volunteer.get(f"/api/claims/{claim['id']}").json["sources"][0]["snapshots"][0]["id"]
        assert reviewer.post(f"/api/claims/{claim['id']}/transitions", json={"to": "researching"}).status_code == 200
        saved = writer.put(f"/api/claims/{claim['id']}/rebuttal", json={
            "headline": headline, "summary": summary, "body": body, "verdict": verdict,
            "sources": [{"snapshot_id": snapshot_id}, {"url": site.url("/rbi")}],
            **({"language": language} if language else {})})
        assert saved.status_code == 200, saved.json
        run_jobs()
        submitted = writer.post(f"/api/claims/{claim['id']}/transitions", json={"to": "in_review"})
        assert submitted.status_code == 200, submitted.json
        approved = reviewer.post(f"/api/claims/{claim['id']}/reviews", json={"decision": "approve"})
        assert approved.status_code == 200, approved.json
        published = reviewer.post(f"/api/claims/{claim['id']}/transitions", json={"to": "published"})
        assert published.status_code == 200, published.json
        return published.json

    return run
