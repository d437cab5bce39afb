"""The authorisation matrix: every route of the app, every method, as every role and as a
visitor, against the rights of SPEC §1.

``RIGHTS`` is written from SPEC §1, not from the views' decorators: one entry per endpoint, the
least role each method needs. A route the app serves without an entry here fails
:func:`test_every_route_has_an_entry`, naming the entry to add; an entry whose route is gone fails
too. Each case builds fresh objects for the route's URL parameters (a claim, a snapshot, a user,
…), so a request that changes something (a move, a revoked token) cannot sway the next one.

Levels: ``public`` (anyone, logged in or not), ``volunteer`` (any logged-in user), ``owner`` (a
volunteer on their own object: the claim they filed, its snapshots; reviewers and staff on
everyone's), ``reviewer``, ``staff``. An entry may name variants of the object: a snapshot cited by
a published fact-check (``published``) is public, one of a claim in progress (``unpublished``) is
not; a claim the volunteer filed and is assigned to write (``assigned``, the default) shows them
its draft, one they only filed (``filed``: a reviewer writes it) does not.

A new route's URL parameters need a builder in :meth:`World.argument` (an unknown one fails saying
so), and an API route taking a body needs a valid one in ``JSON_BODIES`` (``FORMS`` for pages),
or a refusal could hide behind a 400.

Allowed: neither 401, 403, 404 nor a redirect to the login page (nor a 5xx). Refused: 401 or 403,
a redirect to the login page for pages, or 404 for an object the caller may not read (the app does
not reveal that it exists). HEAD and OPTIONS go through the same request checks as GET (Werkzeug
routes them to the same rule), so GET stands for them.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from factcheck import close_app, create_app, db
from factcheck.accounts import operations as accounts
from factcheck.accounts.models import User
from factcheck.config import Config
from tests.conftest import PASSWORD, Browser, _empty_postgres
from tests.images import image_bytes

PUBLIC, VOLUNTEER, OWNER, REVIEWER, STAFF = "public", "volunteer", "owner", "reviewer", "staff"
Rights = str | dict[str, str]  # a level, or variant -> level

# endpoint -> {method: level or {variant: level}}. Add an entry for every new route (SPEC §1).
RIGHTS: dict[str, dict[str, Rights]] = {
    # public pages, feeds and the public API (anonymous: read and search published fact-checks)
    "pages.index": {"GET": PUBLIC},
    "pages.healthz": {"GET": PUBLIC},
    "pages.language": {"GET": PUBLIC},
    "static": {"GET": PUBLIC},
    "webapp.manifest": {"GET": PUBLIC},
    "webapp.offline": {"GET": PUBLIC},
    "webapp.service_worker": {"GET": PUBLIC},
    "publish.index": {"GET": PUBLIC},
    "publish.factcheck": {"GET": PUBLIC},
    "publish.card": {"GET": PUBLIC},
    "publish.feed": {"GET": PUBLIC},
    "publish.sitemap_xml": {"GET": PUBLIC},
    "publish.corrections_policy": {"GET": PUBLIC},
    "publish.report_error": {"GET": PUBLIC, "POST": PUBLIC},
    "publish_api.fact_checks": {"GET": PUBLIC},
    "search.search_page": {"GET": PUBLIC},
    "search_api.search_api": {"GET": PUBLIC},
    "api.openapi_document": {"GET": PUBLIC},
    "archive.show": {"GET": {"published": PUBLIC, "unpublished": OWNER}},
    "archive.replay": {"GET": {"published": PUBLIC}},  # a signed, expiring link to a cited copy
    "archive_api.get_snapshot_metadata": {"GET": {"published": PUBLIC, "unpublished": OWNER}},
    "archive_api.snapshot_raw": {"GET": {"published": PUBLIC, "unpublished": OWNER}},
    # logging in and out, and getting back in
    "accounts.login": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts.logout": {"POST": PUBLIC},
    "accounts.forgot_password": {"GET": PUBLIC, "POST": PUBLIC},
    "accounts.reset_by_link": {"GET": PUBLIC, "POST": PUBLIC},
    "claims.share_target": {"POST": PUBLIC},  # keeps what a phone shares; files nothing
    # one's own account
    "accounts.account": {"GET": VOLUNTEER},
    "accounts.set_name": {"POST": VOLUNTEER},
    "accounts.change_password": {"GET": VOLUNTEER, "POST": VOLUNTEER},
    "accounts.set_preferences": {"POST": VOLUNTEER},
    "accounts.create_token": {"POST": VOLUNTEER},
    "accounts.revoke_token": {"POST": VOLUNTEER},  # one's own token
    # volunteers: file claims, see their own, draft a rebuttal on a claim assigned to them
    "claims.new": {"GET": VOLUNTEER, "POST": VOLUNTEER},
    "claims.mine": {"GET": VOLUNTEER},
    "claims.shared_image": {"GET": VOLUNTEER},  # one's own share
    "claims_api.create_claim": {"POST": VOLUNTEER},
    "claims_api.find_links_in_text": {"POST": VOLUNTEER},
    "claims_api.list_claims": {"GET": VOLUNTEER},
    "publish_api.preview": {"POST": VOLUNTEER},
    "search_image.search_image_page": {"POST": VOLUNTEER},  # OCR and hashing cost: signed-in people only
    "search_image_api.search_image_api": {"POST": VOLUNTEER},
    "notify.inbox": {"GET": VOLUNTEER},  # one's own notifications
    "notify.mark_read": {"POST": VOLUNTEER},
    "notify.me": {"GET": VOLUNTEER},
    "notify_api.list_notifications": {"GET": VOLUNTEER},
    "notify_api.read_notifications": {"POST": VOLUNTEER},
    # following a claim: one the caller may see (SPEC §1: volunteers follow their own claims)
    "notify.follow": {"POST": {"assigned": OWNER, "filed": OWNER}},
    "notify.unfollow": {"POST": {"assigned": OWNER, "filed": OWNER}},
    "notify_api.put_follow": {"PUT": {"assigned": OWNER, "filed": OWNER}},
    "claims.show": {"GET": {"assigned": OWNER, "filed": OWNER}},
    "claims.screenshot": {"GET": {"assigned": OWNER, "filed": OWNER}},
    "claims_api.get_claim": {"GET": {"assigned": OWNER, "filed": OWNER}},
    # the rebuttal: its writer's (the volunteer assigned to it), not the filer's until published
    "publish.edit": {"GET": {"assigned": OWNER, "filed": REVIEWER}, "POST": {"assigned": OWNER, "filed": REVIEWER}},
    "publish.revisions": {"GET": {"assigned": OWNER, "filed": REVIEWER}},
    "publish_api.save_rebuttal": {"PUT": {"assigned": OWNER, "filed": REVIEWER}},
    # reviewers: triage, assign, reject, review, publish, archive again
    "claims.queue": {"GET": REVIEWER},
    "claims.transition": {"POST": REVIEWER},  # a rejection (the writer's own "send for review" aside)
    "claims.assign": {"POST": REVIEWER},
    "claims.tags": {"POST": REVIEWER},
    "claims.priority": {"POST": REVIEWER},
    "claims.bulk": {"POST": REVIEWER},
    "claims_api.transition": {"POST": REVIEWER},
    "claims_api.put_assignee": {"PUT": REVIEWER},
    "claims_api.put_tags": {"PUT": REVIEWER},
    "claims_api.put_priority": {"PUT": REVIEWER},
    "claims_api.bulk": {"POST": REVIEWER},
    "publish.review": {"POST": REVIEWER},
    "publish_api.review": {"POST": REVIEWER},
    "archive.archive_again": {"POST": REVIEWER},
    "archive_api.archive_source": {"POST": REVIEWER},
    # staff: user management, dashboard, the desk's settings
    "accounts.users": {"GET": STAFF, "POST": STAFF},
    "accounts.update_user": {"POST": STAFF},
    "accounts.reset_password": {"POST": STAFF},
    "dashboard.dashboard": {"GET": STAFF},
    "dashboard.chart_csv": {"GET": STAFF},
    "publish.byline": {"POST": STAFF},
}

# Who may do what, per level; "stranger" is a volunteer acting on someone else's object (asked
# only where the level is OWNER: elsewhere a stranger is any volunteer).
ACTORS = ("anonymous", "stranger", "volunteer", "reviewer", "staff")
ALLOWED: dict[str, frozenset[str]] = {
    PUBLIC: frozenset(ACTORS),
    VOLUNTEER: frozenset({"stranger", "volunteer", "reviewer", "staff"}),
    OWNER: frozenset({"volunteer", "reviewer", "staff"}),
    REVIEWER: frozenset({"reviewer", "staff"}),
    STAFF: frozenset({"staff"}),
}
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})

# Request bodies that pass validation, so that a refusal cannot hide behind a 400. Claim ids
# come in as the placeholder CLAIM; the claims routes act on a claim the volunteer filed and is
# assigned to, researching, with an archived link, a screenshot and the volunteer's draft.
CLAIM = "<claim>"
JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("claims_api.create_claim", "POST"): {"text": "All banks shut for ten days", "urls": [], "platform": "whatsapp"},
    ("claims_api.find_links_in_text", "POST"): {"text": "see https://example.com/a"},
    ("claims_api.transition", "POST"): {"to": "rejected", "note": "not check-worthy"},
    ("claims_api.put_assignee", "PUT"): {"assignee": None},
    ("claims_api.put_tags", "PUT"): {"tags": ["banks"]},
    ("claims_api.put_priority", "PUT"): {"priority": True},
    ("claims_api.bulk", "POST"): {"action": "priority", "claims": [CLAIM]},
    ("publish_api.save_rebuttal", "PUT"): {"headline": "No ten-day closure", "summary": "False.",
                                           "body": "RBI says **no**.", "verdict": "False", "sources": []},
    ("publish_api.review", "POST"): {"decision": "approve"},
    ("publish_api.preview", "POST"): {"body": "**bold**"},
    ("notify_api.put_follow", "PUT"): {"follow": True},
    ("notify_api.read_notifications", "POST"): {},
}
FORMS: dict[tuple[str, str], dict[str, Any]] = {
    ("claims.new", "POST"): {"text": "All banks shut for ten days", "urls": "", "platform": "whatsapp"},
    ("claims.transition", "POST"): {"to": "rejected", "note": "not check-worthy"},
    ("claims.assign", "POST"): {"assignee": ""},
    ("claims.tags", "POST"): {"tags": "banks"},
    ("claims.priority", "POST"): {"priority": "1"},
    ("claims.bulk", "POST"): {"action": "priority", "claims": CLAIM},
    ("publish.edit", "POST"): {"headline": "No ten-day closure", "summary": "False.", "body": "RBI says no.",
                               "verdict": "False"},
    ("publish.review", "POST"): {"decision": "approve"},
    ("publish.report_error", "POST"): {"message": "This fact-check has a wrong date."},
    ("publish.byline", "POST"): {"byline": "The Desk"},
    ("accounts.forgot_password", "POST"): {"email": "nobody@example.org"},
    ("accounts.set_name", "POST"): {"name": "A new name"},
    ("accounts.set_preferences", "POST"): {"language": "hi"},
    ("accounts.create_token", "POST"): {"label": "phone"},
    ("accounts.users", "POST"): {"email": "new-person@example.org", "role": "volunteer", "name": "New Person",
                                 "password": "a one-time passphrase"},
    ("accounts.update_user", "POST"): {"role": "volunteer"},
    ("claims.share_target", "POST"): {"text": "shared from a phone"},
    ("accounts.reset_by_link", "POST"): {"password": "a brand new passphrase",
                                         "password_again": "a brand new passphrase"},
}
# The claim a route acts on, when not the default: reviews need one in review (drafted by the
# volunteer, so any reviewer is a second pair of eyes).
CLAIM_STATE = {"publish.review": "in_review", "publish_api.review": "in_review"}


def test_every_route_has_an_entry(matrix_app: World) -> None:
    """Every method of every rule of the URL map is in RIGHTS, and RIGHTS names no other."""
    served = {(rule.endpoint, method) for rule in matrix_app.app.url_map.iter_rules()
              for method in rule.methods or () if method not in IGNORED_METHODS}
    listed = {(endpoint, method) for endpoint, methods in RIGHTS.items() for method in methods}
    missing = sorted(served - listed)
    assert not missing, "routes without an entry in tests/test_authorisation.py RIGHTS (write them from " \
        "SPEC §1): " + "; ".join(f'RIGHTS["{e}"]["{m}"] = PUBLIC/VOLUNTEER/OWNER/REVIEWER/STAFF' for e, m in missing)
    stale = sorted(listed - served)
    assert not stale, f"RIGHTS entries for routes the app does not serve (remove them): {stale}"


def cases() -> Iterator[Any]:
    for endpoint, methods in RIGHTS.items():
        for method, rights in methods.items():
            variants = rights if isinstance(rights, dict) else {"": rights}
            for variant, level in variants.items():
                # a stranger differs from the volunteer only where being the owner matters
                for actor in (a for a in ACTORS if a != "stranger" or level == OWNER):
                    name = f"{endpoint}-{method}{'-' + variant if variant else ''}-{actor}"
                    yield pytest.param(endpoint, method, variant, level, actor, id=name)


@pytest.mark.parametrize(("endpoint", "method", "variant", "level", "actor"), list(cases()))
def test_rights(matrix_app: World, endpoint: str, method: str, variant: str, level: str, actor: str) -> None:
    world = matrix_app
    expected = actor in ALLOWED[level]
    # Fresh objects for a request that may change them; a GET, or a request the caller should be
    # refused, gets objects made once (a refusal that changed something fails its own case).
    world.fresh = expected and method != "GET"
    url, params = world.url(endpoint, variant, actor)
    response = world.send(actor, endpoint, method, url, params)
    status = response.status_code
    location = response.headers.get("Location", "")
    # the closed-by-default answer sends a page's visitor to log in and come back (next=…)
    to_login = status in (301, 302, 303, 307, 308) and location.split("?")[0].endswith("/login") \
        and "next=" in location
    refused = status in (401, 403, 404) or to_login
    assert status < 500, f"{method} {url} as {actor}: {status}"
    what = f"{method} {url} ({endpoint}{' ' + variant if variant else ''}) as {actor}"
    body = response.get_data()[:300].decode("utf-8", "replace")
    response.close()  # file responses (static, raw bodies, screenshots) hold their file open
    if expected:
        assert not refused, f"SPEC §1 allows {what} ({level}+), the app refused: {status} {location} {body}"
    else:
        assert refused, f"SPEC §1 refuses {what} (needs {level}), the app answered {status} {location} {body}"


# -- the app, its people and the objects of each case -------------------------------------------


@dataclass
class World:
    """One app for the whole matrix, its people (logged in once) and builders of fresh objects."""

    app: Flask
    users: dict[str, User]
    browsers: dict[str, Browser]
    tokens: dict[str, str]
    published: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    csrf_tokens: dict[str, str] = field(default_factory=dict)
    fresh: bool = True  # whether this case's objects are made for it alone

    # objects

    def claim(self, status: str = "researching", *, reuse: bool = False, writer: str = "volunteer") -> int:
        """A claim the volunteer filed (with a screenshot and a link), assigned to ``writer``, with
        its link archived and the writer's complete draft citing it. ``reuse``: one made before,
        for a request that changes nothing."""
        if reuse:
            key = f"{status}/{writer}"
            if key not in self.claims:
                self.claims[key] = self.claim(status, writer=writer)
            return self.claims[key]
        from factcheck.claims import operations as claims
        from factcheck.claims.screenshots import verify_screenshot
        from factcheck.publish import operations as publish

        with self.app.test_request_context():
            session = db.session()
            author = session.get(User, self.users["volunteer"].id)
            claim = claims.file_claim(author, claims.ClaimInput(
                text="Forwarded: all banks shut for ten days", urls=(f"https://example.com/{uuid.uuid4().hex}",),
                platform="whatsapp", screenshot=verify_screenshot(image_bytes(), "shot.png")),
                self.app.extensions["factcheck.archive"].blobs)
            assignee = session.get(User, self.users[writer].id)
            claim.assignee = assignee
            claim.status = "researching"
            session.flush()
            snapshot = claim.sources[0].snapshots[0]
            self._archive(snapshot)
            publish.save_draft(assignee, claim, publish.DraftInput(
                headline="No ten-day closure", summary="False.", body="RBI says **no**.", verdict="False",
                snapshot_ids=(snapshot.id,)))
            claim.status = status
            db.commit()
            return claim.id

    def _archive(self, snapshot: Any) -> None:
        sha256, size = self.app.extensions["factcheck.archive"].blobs.put(b"<html><title>Banks</title></html>")
        snapshot.state, snapshot.sha256, snapshot.size = "archived", sha256, size
        snapshot.content_type, snapshot.http_status, snapshot.fetched_at = "text/html", 200, db.utcnow()
        snapshot.final_url, snapshot.title = snapshot.url, "Banks"

    def snapshot(self, variant: str) -> int:
        """A snapshot cited by a published fact-check, or one of the volunteer's claim."""
        if variant == "published":
            return int(self.published_fact_check()["snapshot_id"])
        from factcheck.claims.models import Claim

        claim_id = self.claim(reuse=True)  # snapshots are only read
        with self.app.app_context():
            return int(db.session().get(Claim, claim_id).sources[0].snapshots[0].id)  # type: ignore[union-attr]

    def published_fact_check(self) -> dict[str, Any]:
        """A published fact-check (made once: nothing in the matrix changes it)."""
        if not self.published:
            from factcheck.claims.models import Claim

            claim_id = self.claim()
            with self.app.app_context():
                claim = db.session().get(Claim, claim_id)
                assert claim is not None and claim.rebuttal is not None
                claim.status = "published"
                claim.rebuttal.slug = f"claim-{claim.id}"
                claim.rebuttal.published_at = db.utcnow()
                self.published = {"slug": claim.rebuttal.slug, "snapshot_id": claim.sources[0].snapshots[0].id}
                db.commit()
        return self.published

    def source(self) -> int:
        from factcheck.claims.models import Claim

        claim_id = self.claim(reuse=not self.fresh)
        with self.app.app_context():
            return int(db.session().get(Claim, claim_id).sources[0].id)  # type: ignore[union-attr]

    def replay_token(self) -> str:
        from factcheck.archive.views import replay_url

        snapshot_id = self.snapshot("published")
        with self.app.test_request_context():
            from factcheck.archive.models import Snapshot

            url = replay_url(db.session().get(Snapshot, snapshot_id))  # type: ignore[arg-type]
            assert url is not None
            return url.rsplit("/", 1)[1]

    def reset_token(self) -> str:
        """The token of a password-reset link sent to a new volunteer."""
        from factcheck.accounts import recovery
        from factcheck.accounts.models import User as Person

        person_id = self.person()
        with self.app.test_request_context():
            person = db.session().get(Person, person_id)
            assert person is not None
            reset = recovery.start_reset(person.email, "en")
            assert reset is not None
            token = recovery.issue_token(reset)
            assert token is not None
            db.commit()
            return token

    def person(self) -> int:
        """A volunteer for staff to manage."""
        with self.app.app_context():
            user = User(email=f"person-{uuid.uuid4().hex[:8]}@example.org", role="volunteer", name="Person",
                        password_hash=self.users["volunteer"].password_hash)
            db.session().add(user)
            db.commit()
            return user.id

    def api_token_id(self, actor: str) -> int:
        """A fresh token of ``actor`` (of the volunteer for a visitor) to revoke."""
        owner = self.users["volunteer" if actor == "anonymous" else actor]
        with self.app.app_context():
            row, _token = accounts.create_token(db.session().get(User, owner.id), "to revoke")  # type: ignore[arg-type]
            db.commit()
            return row.id

    def shared_token(self, actor: str) -> str:
        """A share with an image kept for ``actor`` (for the volunteer, for a visitor)."""
        from factcheck.claims import pending
        from factcheck.claims.screenshots import verify_screenshot

        owner = self.users["volunteer" if actor == "anonymous" else actor]
        with self.app.test_request_context():
            token = pending.keep(db.session().get(User, owner.id), pending.SharedPost(
                text="shared", image=verify_screenshot(image_bytes(), "shared.png")))
            db.commit()
            return token

    # requests

    def url(self, endpoint: str, variant: str, actor: str) -> tuple[str, dict[str, Any]]:
        """The URL of ``endpoint`` with real objects for its parameters, and those objects."""
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        values: dict[str, Any] = {}
        for name in rule.arguments:
            values[name] = self.argument(endpoint, name, variant, actor)
        with self.app.test_request_context():
            from flask import url_for

            return url_for(endpoint, **values), values

    def argument(self, endpoint: str, name: str, variant: str, actor: str) -> Any:
        if name == "claim_id":
            return self.claim(CLAIM_STATE.get(endpoint, "researching"), reuse=not self.fresh,
                              writer="reviewer" if variant == "filed" else "volunteer")
        if name == "snapshot_id":
            return self.snapshot(variant)
        if name == "source_id":
            return self.source()
        if name == "slug":
            return self.published_fact_check()["slug"]
        if name == "user_id":
            return self.person()
        if name == "token_id":
            return self.api_token_id(actor)
        if name == "code":
            return "hi"
        if name == "key":
            return "filed-per-day"
        if name == "filename":
            return "app.css"
        if name == "token" and endpoint == "archive.replay":
            return self.replay_token()
        if name == "token" and endpoint == "claims.shared_image":
            return self.shared_token(actor)
        if name == "token" and endpoint == "accounts.reset_by_link":
            return self.reset_token()
        raise AssertionError(f"no builder for the URL parameter {name!r} of {endpoint}: add one to World.argument")

    def send(self, actor: str, endpoint: str, method: str, url: str, params: dict[str, Any]) -> Any:
        claim_id = params.get("claim_id")
        if url.startswith("/api/"):  # the API, with bearer tokens
            body = _fill(JSON_BODIES.get((endpoint, method)), claim_id, self)
            headers = {"Authorization": f"Bearer {self.tokens[actor]}"} if actor in self.tokens else {}
            client = self.app.test_client()
            if body is None:
                return client.open(url, method=method, headers=headers)
            return client.open(url, method=method, headers=headers, json=body)
        if endpoint in ("accounts.logout", "accounts.login", "accounts.reset_by_link"):
            # logging out ends every session of the user, and logging in (or a reset link) starts
            # one: they use a user of their own, so the sessions the other cases use stay as they are
            browser, email = self.fresh_browser(actor)
            if endpoint == "accounts.login" and method == "POST":
                return browser.post(url, {"email": email, "password": PASSWORD})
        else:
            browser = self.browsers[actor]
        if method == "GET":
            return browser.get(url)
        form = _fill(FORMS.get((endpoint, method)), claim_id, self) or {}
        token = self.csrf_token(actor) if browser is self.browsers[actor] else browser.csrf_token()
        return browser.client.open(url, method=method, data={**form, "csrf_token": token})

    def csrf_token(self, actor: str) -> str:
        """The CSRF token of ``actor``'s browser (one per session: asked for once)."""
        if actor not in self.csrf_tokens:
            self.csrf_tokens[actor] = self.browsers[actor].csrf_token()
        return self.csrf_tokens[actor]

    def fresh_browser(self, actor: str) -> tuple[Browser, str]:
        """A browser of a new user with ``actor``'s role (logged out for a visitor), and its e-mail."""
        role = "volunteer" if actor in ("anonymous", "stranger") else actor
        with self.app.app_context():
            user = User(email=f"{role}-{uuid.uuid4().hex[:8]}@example.org", role=role, name="Someone",
                        password_hash=self.users["volunteer"].password_hash)
            db.session().add(user)
            db.commit()
            email = user.email
        session = Browser(self.app.test_client())
        if actor != "anonymous":
            assert session.login(email).status_code == 302
        return session, email

def _fill(template: dict[str, Any] | None, claim_id: int | None, world: World) -> dict[str, Any] | None:
    if template is None:
        return None
    def value(item: Any) -> Any:
        if item == CLAIM:
            return claim_id or world.claim(reuse=not world.fresh)
        if isinstance(item, list):
            return [value(x) for x in item]
        return item
    return {key: value(item) for key, item in template.items()}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def matrix_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               password_hash: str) -> Iterator[World]:
    """One app (on each engine) for every case of the matrix, with its people logged in."""
    instance = tmp_path_factory.mktemp(f"matrix-{request.param}")
    if request.param == "sqlite":
        database_url = f"sqlite:///{instance / 'factcheck.db'}"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), instance / "factcheck.db")
    else:
        database_url = request.getfixturevalue("postgres_database")
    app = create_app(Config(
        instance_dir=instance, database_url=database_url, index_dir=instance / "index",
        archive_dir=instance / "archive", queue_url=f"sqlite:///{instance / 'queue.db'}",
        secret_key="test-secret-key-" + uuid.uuid4().hex, public_url="https://factcheck.example.org",
        testing=True, extra={"rate_limits": False},
        smtp_url="smtp://127.0.0.1:9",  # password recovery is offered (mail waits in the queue, never sent)
    ))
    try:
        users: dict[str, User] = {}
        tokens: dict[str, str] = {}
        with app.app_context():
            for actor, role in (("stranger", "volunteer"), ("volunteer", "volunteer"), ("reviewer", "reviewer"),
                                ("staff", "staff")):
                user = User(email=f"{actor}@example.org", role=role, name=actor.title(), password_hash=password_hash)
                db.session().add(user)
                db.commit()
                users[actor] = user
                _row, tokens[actor] = accounts.create_token(user, "matrix")
                db.commit()
            for user in users.values():
                db.session().refresh(user)
                db.session().expunge(user)
        browsers = {"anonymous": Browser(app.test_client())}
        for actor, user in users.items():
            browsers[actor] = Browser(app.test_client())
            assert browsers[actor].login(user.email).status_code == 302
        yield World(app=app, users=users, browsers=browsers, tokens=tokens)
    finally:
        close_app(app)
        if request.param == "postgresql":
            _empty_postgres(database_url)

