"""Every page and message in Hindi: a Hindi-speaking desk never meets an English word from the
workbench, nor an internal code (``in_review``, ``blocked_address``).

Every page the app serves (taken from its own URL map, so a new page is checked too) is rendered
for each role in Hindi, along with error pages, refused moves, field errors and flashes. In the
visible text, what people wrote (marked ``dir="auto"`` or ``translate="no"``: claims, headlines,
notes, names) and what is code by nature (links, hashes) are set aside; what is left must hold no
message of the catalogue in English, no internal code, and no Latin word outside a short list of
names (WhatsApp, CSV…).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from babel.messages.pofile import read_po

from factcheck import db
from factcheck.archive.models import Snapshot, State
from tests.conftest import Browser

CATALOGUE = Path(__file__).resolve().parents[1] / "factcheck" / "translations" / "hi" / "LC_MESSAGES" / "messages.po"
# Names that stay as they are in Hindi text, and the brand.
LATIN_ALLOWED = {
    "factcheck", "workbench", "whatsapp", "facebook", "youtube", "instagram", "telegram", "x", "csv", "json",
    "api", "url", "sha", "pdf", "png", "jpeg", "webp", "utc", "english", "markdown", "warc", "ok", "id",
    "true", "false", "null", "pm", "am", "gmt", "mb", "kb", "http", "https",
}
INTERNAL_CODES = re.compile(r"\b(in_review|blocked_address|http_error|connection_error|too_many_redirects|"
                            r"unsupported_content|too_large|tags_changed|priority_changed|rebuttal_saved|"
                            r"snapshot_failed|snapshot_archived|archive_requested|password_reset|"
                            r"request_changes|not_found)\b")
SKIPPED_ENDPOINTS = {"static", "archive.replay", "publish.card", "claims.screenshot", "publish.feed",
                     "publish.sitemap_xml", "pages.healthz", "pages.language", "dashboard.chart_csv",
                     "accounts.logout"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def english_messages() -> list[re.Pattern[str]]:
    """A pattern for each catalogue message whose Hindi differs from its English."""
    patterns = []
    with CATALOGUE.open("rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for english, hindi in zip(ids, strings, strict=False):
                if english == hindi or len(english) < 4 or not LATIN_WORD.search(english):
                    continue
                parts = [re.escape(part) for part in re.split(r"%\(\w+\)[sd]|%[sd]", english)]
                patterns.append(re.compile(r"(?<![A-Za-z])" + r".{0,80}?".join(parts) + r"(?![A-Za-z])"))
    return patterns


ENGLISH = english_messages()


def visible_text(html: str) -> str:
    """The page's text without what people wrote, code-like values and scripts."""
    tree = lxml.html.document_fromstring(html)
    for element in tree.xpath('//script | //style | //*[@dir="auto"] | //*[@translate="no"] | //code | //pre'
                              ' | //*[@lang and @lang!="hi"] | //option | //textarea | //title'):
        element.drop_tree()
    body = tree.find("body")
    return " ".join((body if body is not None else tree).text_content().split())


DOMAIN = re.compile(r"\b[\w-]+(?:\.[\w-]+)+\b")  # example.com in a sentence is a name, not English


def problems(html: str) -> list[str]:
    text = DOMAIN.sub(" ", visible_text(html))
    found = [f"code {m.group()}" for m in INTERNAL_CODES.finditer(text)]
    found += [f"message {p.pattern[:60]}" for p in ENGLISH if p.search(text)]
    found += [f"word {w}" for w in LATIN_WORD.findall(text) if w.lower() not in LATIN_ALLOWED]
    return found


def in_hindi(browser: Browser) -> Browser:
    browser.client.set_cookie("lang", "hi")
    return browser


@pytest.fixture
def desk_world(app, make_user, make_claim) -> dict[str, Any]:
    """Claims in every state, captures archived and failed, a published fact-check, every role."""
    people = {role: make_user(role, name=name) for role, name in
              (("volunteer", "वाणी"), ("reviewer", "रवि"), ("staff", "सीमा"))}
    writer = make_user("reviewer", name="वसीम")
    claims = {state: make_claim(f"दावा {state}", by=people["volunteer"], status=state)
              for state in ("submitted", "rejected")}
    claims["duplicate"] = make_claim("दोहराया दावा", by=people["volunteer"], status="duplicate",
                                     duplicate_of=claims["submitted"].id)
    claims["researching"] = make_claim("जाँच में दावा", by=people["volunteer"], draft_by=writer,
                                       status="researching", assignee=people["volunteer"])
    claims["in_review"] = make_claim("समीक्षा में दावा", by=make_user("volunteer", name="गीता"), draft_by=writer,
                                     status="in_review")
    claims["published"] = make_claim("प्रकाशित दावा", by=people["volunteer"], draft_by=writer, status="published")
    with app.app_context():
        session = db.session()
        snapshots = list(session.query(Snapshot).order_by(Snapshot.id))
        archived, failed = snapshots[0], snapshots[1]
        archived.state, archived.sha256, archived.title = State.ARCHIVED.value, "a" * 64, "पन्ना"
        archived.fetched_at = db.utcnow()
        failed.state, failed.error_kind, failed.http_status = State.FAILED.value, "http_error", 404
        db.commit()
        ids = {"archived": archived.id, "failed": failed.id}
    return {"people": people, "claims": claims, "snapshots": ids}


def page_paths(app, world: dict[str, Any]) -> list[str]:
    """Every page the app serves by GET, with its ids filled from the world."""
    claims, snapshots = world["claims"], world["snapshots"]
    values = {"claim_id": claims["researching"].id, "snapshot_id": snapshots["failed"],
              "slug": f"claim-{claims['published'].id}", "user_id": world["people"]["volunteer"].id,
              "key": "filed-per-day", "token": "x"}
    paths = []
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED_ENDPOINTS:
                continue
            if rule.rule.startswith("/api") or rule.endpoint.endswith("_api.openapi_document"):
                continue
            try:
                paths.append(url_for(rule.endpoint, **{arg: values[arg] for arg in rule.arguments}))
            except KeyError:
                pytest.fail(f"the test cannot fill the page {rule.rule}: add its argument to page_paths")
    for state in ("submitted", "in_review", "published", "rejected"):
        paths.append(f"/claims/{claims[state].id}")
    paths.append(f"/snapshots/{snapshots['archived']}")
    paths.append("/search?q=दावा")
    paths.append("/claims?status=all")
    return sorted(set(paths))


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "reviewer", "staff"])
def test_every_page_speaks_hindi(app, browser, desk_world, role):
    person = None if role == "anonymous" else desk_world["people"][role]
    session = in_hindi(browser(person))
    failures = {}
    for path in page_paths(app, desk_world):
        response = session.get(path)
        if response.status_code in (301, 302):
            continue
        html = response.get_data(as_text=True)
        if "text/html" not in response.content_type:
            continue
        assert '<html lang="hi">' in html or f"lang=\"{'hi'}\"" in html, path
        found = problems(html)
        if found:
            failures[path] = sorted(set(found))[:8]
    assert failures == {}, "\n".join(f"{path}: {found}" for path, found in failures.items())


def test_messages_and_errors_speak_hindi(app, browser, desk_world, make_user):
    staff = in_hindi(browser(desk_world["people"]["staff"]))
    claims = desk_world["claims"]
    pages = {
        "field errors": staff.post("/claims/new", {"text": "", "urls": "https://", "platform": "nowhere"}),
        "not found": staff.get("/claims/99999"),
        "refused move": staff.post(f"/claims/{claims['submitted'].id}/transitions", {"to": "rejected", "note": ""},
                                   follow_redirects=True),
        "conflict": staff.post(f"/claims/{claims['published'].id}/transitions", {"to": "researching"},
                               follow_redirects=True),
        "byline error": staff.post("/desk/byline", {"byline": "x" * 300}, follow_redirects=True),
        "password rules": staff.post("/account/password", {"current_password": "wrong", "password": "short",
                                                           "password_again": "short"}),
        "report form": in_hindi(browser(None)).post("/report", {"message": ""}),
    }
    volunteer = in_hindi(browser(desk_world["people"]["volunteer"]))
    pages["forbidden"] = volunteer.get("/dashboard")
    failures = {name: problems(r.get_data(as_text=True)) for name, r in pages.items()}
    failed = {name: sorted(set(found)) for name, found in failures.items() if found}
    assert failed == {}, "\n".join(f"{name}: {found}" for name, found in failed.items())


def test_too_large_and_unexpected_errors_speak_hindi(app, browser, make_user):
    """The 413 and 500 pages, for someone who chose Hindi with the language link: their title
    and message come from the Hindi catalogue, and no English message is left."""
    from flask_babel import force_locale

    from factcheck.web import default_message, error_title

    @app.get("/test-only/broken")
    def broken() -> str:  # a bug in some page
        raise RuntimeError("a bug")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # let the bug become the 500 page people see
    staff = browser(make_user("staff", name="सीमा"))
    assert staff.get("/language/hi?next=/").status_code == 302
    pages = {413: staff.post("/report", {"message": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}),
             500: staff.get("/test-only/broken")}
    with app.test_request_context(), force_locale("hi"):
        expected = {status: (error_title(status), default_message(status)) for status in pages}
    assert all(re.search("[\u0900-\u097f]", text) for both in expected.values() for text in both)
    for status, response in pages.items():
        html = response.get_data(as_text=True)
        tree = lxml.html.document_fromstring(html)
        assert response.status_code == status
        assert '<html lang="hi"' in html
        assert (tree.findtext(".//h1").strip(), tree.get_element_by_id("error-message").text_content()) == \
            expected[status]
        assert problems(html) == [], status
