"""The workbench served under a path prefix (WSGI ``SCRIPT_NAME``, here ``/desk``), as behind a
proxy that mounts it there: every link, form, static file and redirect stays under the prefix.

The test app is mounted at ``/desk`` in front of a WSGI app that answers 404 to anything else, so
a link that leaves the prefix leads nowhere, as it would behind such a proxy.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tests.conftest import CSRF_META, PASSWORD

PREFIX = "/desk"
PUBLIC_URL = "https://factcheck.example.org"  # the test config's FACTCHECK_PUBLIC_URL
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "content", "data-api", "data-scope",
                  "data-worker", "data-url")


@pytest.fixture
def mounted(app: Any) -> Any:
    """``app`` served at ``/desk`` only."""
    app.wsgi_app = DispatcherMiddleware(NotFound(), {PREFIX: app.wsgi_app})
    return app


def inside(url: str) -> bool:
    """Whether a link or redirect from the app's page stays where the app is served (or is meant
    to leave: another site, the public URL, a fragment, a query on the same page)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return parts.scheme not in ("http", "https") or parts.netloc != "localhost"
    return not parts.path or parts.path == PREFIX or parts.path.startswith(PREFIX + "/")


def app_links(html: str) -> list[str]:
    """Every address in the page's elements and ``data-`` attributes that the browser would use."""
    tree = lxml.html.document_fromstring(html)
    found = []
    for element in tree.iter():
        for name, value in element.attrib.items():
            if name in URL_ATTRIBUTES or (name.startswith("data-") and value.startswith("/")):
                if name == "content" and not value.startswith("/"):
                    continue  # a meta's content is text unless it is a path
                found.append(value)
    found += tree.xpath('//input[@name="next"]/@value')  # where a form comes back to
    found += [value for link in tree.xpath("//a/@href") for value in parse_qs(urlsplit(link).query).get("next", [])]
    return found


def log_in(client: Any, email: str, where: str) -> Any:
    """Meet the login form on the way to ``where``, fill it as shown; return the last answer."""
    sent_to_login = client.get(where)
    assert sent_to_login.status_code == 302
    login_page = client.get(sent_to_login.location)
    assert login_page.status_code == 200, sent_to_login.location
    html = login_page.get_data(as_text=True)
    action = lxml.html.fromstring(html).xpath('//form[@method="post"]/@action')[0]
    token = CSRF_META.search(html)
    assert token
    return client.post(action, data={"email": email, "password": PASSWORD,
                                     "csrf_token": token.group(1) or token.group(2)})


def test_logging_in_under_a_prefix_comes_back_to_the_page_under_it(mounted, make_user):
    client = mounted.test_client()
    assert client.get("/claims").status_code == 404  # nothing is served outside the prefix
    to_login = client.get(f"{PREFIX}/claims?status=all")
    assert to_login.status_code == 302 and inside(to_login.location)
    assert parse_qs(urlsplit(to_login.location).query)["next"] == [f"{PREFIX}/claims?status=all"]
    logged_in = log_in(client, make_user("reviewer").email, f"{PREFIX}/claims?status=all")
    assert logged_in.status_code == 302 and logged_in.location == f"{PREFIX}/claims?status=all"
    assert client.get(logged_in.location).status_code == 200


def test_every_link_form_and_file_of_the_pages_stays_under_the_prefix(mounted, make_user, make_claim):
    staff = make_user("staff")
    published = make_claim("प्रकाशित दावा", draft_by=make_user("reviewer"), status="published")
    client = mounted.test_client()
    assert log_in(client, staff.email, f"{PREFIX}/dashboard").status_code == 302
    pages = ["/", "/claims", "/claims?status=all", "/claims/new", f"/claims/{published.id}",
             f"/claims/{published.id}/rebuttal/revisions", "/search?q=moon", "/dashboard", "/me",
             "/notifications", "/account", "/fact-checks", f"/fact-checks/claim-{published.id}", "/report"]
    outside: dict[str, list[str]] = {}
    internal: set[str] = set()
    for page in pages:
        response = client.get(PREFIX + page)
        if response.status_code == 302:  # the start page sends each role on to its own
            assert inside(response.location), page
            response = client.get(response.location)
        assert response.status_code == 200, page
        links = app_links(response.get_data(as_text=True))
        outside[page] = [link for link in links if not inside(link)]
        internal |= {link for link in links if urlsplit(link).path.startswith(PREFIX + "/")
                     and not link.startswith(PUBLIC_URL)}
    assert {page: links for page, links in outside.items() if links} == {}
    for link in sorted(internal):  # the app answers each (forms' targets take only POST: 405 to a GET)
        if "/logout" in link:
            continue
        with client.get(link) as response:
            assert response.status_code in (200, 302, 405), link


def test_the_installed_app_and_its_worker_live_under_the_prefix(mounted):
    client = mounted.test_client()
    manifest = client.get(f"{PREFIX}/manifest.webmanifest").json
    addresses = [manifest["id"], manifest["start_url"], manifest["scope"], manifest["share_target"]["action"],
                 *(icon["src"] for icon in manifest["icons"]), *(s["url"] for s in manifest["shortcuts"])]
    assert [a for a in addresses if not a.startswith(PREFIX + "/")] == []
    assert manifest["scope"] == f"{PREFIX}/"
    worker = client.get(f"{PREFIX}/service-worker.js")
    assert worker.headers["Service-Worker-Allowed"] == f"{PREFIX}/"
    assert f'"{PREFIX}/offline"' in worker.get_data(as_text=True)


def test_the_language_switch_and_form_redirects_stay_under_the_prefix(mounted, make_user):
    client = mounted.test_client()
    assert log_in(client, make_user("volunteer").email, f"{PREFIX}/claims/new").status_code == 302
    page = client.get(f"{PREFIX}/claims/new").get_data(as_text=True)
    switch = lxml.html.fromstring(page).xpath('//a[@lang="hi"]/@href')[0]
    assert inside(switch)
    switched = client.get(switch)
    assert switched.status_code == 302 and switched.location == f"{PREFIX}/claims/new"
    tree = lxml.html.fromstring(client.get(switched.location).get_data(as_text=True))
    form = tree.get_element_by_id("claim-form")
    assert tree.getroottree().getroot().get("lang") == "hi" and inside(form.get("action"))
    token = CSRF_META.search(page)
    assert token
    filed = client.post(form.get("action"),
                        data={"text": "एक वायरल संदेश", "urls": "", "platform": "whatsapp",
                              "csrf_token": token.group(1) or token.group(2)})
    assert filed.status_code == 302 and filed.location.startswith(f"{PREFIX}/claims/")
    assert client.get(filed.location).status_code == 200
