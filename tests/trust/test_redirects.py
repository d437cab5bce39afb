"""Where a redirect goes: every target taken from a request is a path on this site, whatever
its spelling; nothing a visitor sends makes a redirect fail with a 500."""

from __future__ import annotations

import html
import re
from urllib.parse import quote, unquote

import pytest

from factcheck.inputs import text_problem
from factcheck.web import safe_redirect_target
from tests.conftest import PASSWORD

HOSTILE = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example", "/\\evil.example",
    "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "\t//evil.example", " //evil.example",
    "%2F%2Fevil.example", "/%2F/evil.example", "/%5Cevil.example", "%5C%5Cevil.example", "/%09/evil.example",
    "/%0a/evil.example", "/%252F%252Fevil.example", "/%25252F/evil.example".replace("25252F", "2F%2F"),
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,hi", "evil.example", "",
    "/\x00evil", "/\x7f", "/\u0085", "https:evil.example", "http:/evil.example", "/..//evil.example"[:0] + "//",
    "/%", "/%zz", "/%ff%fe", "/" + "a" * 3000, "／/evil.example",
]
SAFE = ["/", "/claims/mine", "/search?q=मजबूत&kind=claim", "/fact-checks/some-slug?page=2", "/claims/1#rebuttal",
        "/search?q=a%20b"]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_refused(target):
    accepted = safe_redirect_target(target)
    assert accepted is None or (accepted.startswith("/") and "evil" not in accepted and "\\" not in accepted), target


@pytest.mark.parametrize("target", SAFE)
def test_paths_on_this_site_are_kept(target):
    assert safe_redirect_target(target) == target


def _location(response) -> str:
    return response.headers.get("Location", "")


def _stays_here(location: str) -> bool:
    return location.startswith("/") and not location.startswith("//") and "\\" not in location \
        and "evil" not in location


@pytest.mark.parametrize("target", HOSTILE + SAFE)
def test_the_language_switch_goes_only_to_this_site(client, target):
    response = client.get(f"/language/hi?next={quote(target, safe='')}")
    assert response.status_code == 302, target
    assert _stays_here(_location(response)), (target, _location(response))


@pytest.mark.parametrize("target", HOSTILE + SAFE)
def test_login_next_goes_only_to_this_site(browser, make_user, target):
    user = make_user("volunteer")
    session = browser(None)
    token = session.csrf_token()
    response = session.client.post(f"/login?next={quote(target, safe='')}",
                                   data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, target
    assert _stays_here(_location(response)), (target, _location(response))
    if target in SAFE:
        assert unquote(_location(response)) == unquote(target)


def test_a_logged_in_visit_to_login_follows_only_safe_next(browser, make_user):
    session = browser(make_user("volunteer"))
    for target in HOSTILE:
        response = session.get(f"/login?next={quote(target, safe='')}")
        assert response.status_code == 302 and _stays_here(_location(response)), target


# The two form `next`s below go through the same helper: the table runs on SQLite only, since the
# database plays no part in where a redirect goes (each target is its own test, 2 x 40).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
BACK_LINK = re.compile(r'<a class="button primary" href="([^"]*)"')


def _refused_as_text(response, target: str) -> bool:
    """Whether the request was refused whole (400) for a control character in ``next``: the input
    rule refuses it in any form field before a view runs."""
    return text_problem(target) is not None and response.status_code == 400


@sqlite_only
@pytest.mark.parametrize("target", HOSTILE + SAFE)
def test_marking_notifications_read_goes_back_only_to_this_site(browser, make_user, target):
    session = browser(make_user("volunteer"))
    response = session.post("/notifications/read", {"next": target})
    if _refused_as_text(response, target):
        return
    assert response.status_code == 302, target
    assert _stays_here(_location(response)), (target, _location(response))
    if target in SAFE:
        assert unquote(_location(response)) == unquote(target)


@sqlite_only
@pytest.mark.parametrize("target", HOSTILE + SAFE)
def test_a_bulk_action_goes_back_only_to_this_site(browser, make_user, make_claim, target):
    """Both ways back: the redirect of a request refused as a whole, and the link on the page of
    what happened."""
    session = browser(make_user("reviewer"))
    refused = session.post("/claims/bulk", {"action": "", "claim": ["1"], "next": target})
    if _refused_as_text(refused, target):
        return
    assert refused.status_code == 302, target
    assert _stays_here(_location(refused)), (target, _location(refused))
    done = session.post("/claims/bulk", {"action": "priority", "claim": [str(make_claim().id)], "next": target})
    assert done.status_code == 200, target
    [back] = BACK_LINK.findall(done.get_data(as_text=True))
    assert _stays_here(html.unescape(back)), (target, back)
    if target in SAFE:
        assert unquote(_location(refused)) == unquote(html.unescape(back)) == unquote(target)
