"""Fixtures: a real database per test (SQLite, and PostgreSQL when configured), an app, clients
and builders.

Every test that uses ``app`` runs once on SQLite and once on PostgreSQL. PostgreSQL runs when
``FACTCHECK_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it, and then an unreachable server is an
error, not a skip); without it those runs skip and say why.

Isolation: SQLite tests each get a copy of a database migrated once per session; PostgreSQL tests
share a database created for the session and emptied after each test. Transactions commit for
real, so after-commit hooks and jobs in other sessions see what a test wrote, as in production.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from factcheck import close_app, create_app, db
from factcheck.accounts import operations as accounts
from factcheck.accounts.models import User
from factcheck.config import Config, normalise_database_url
from factcheck.db import Base
from factcheck.migrate import upgrade
from factcheck.models import import_all_models

pytest_plugins = ["tests.httpserver"]  # the http_server and loopback_only fixtures, everywhere

POSTGRES_ENV = "FACTCHECK_TEST_POSTGRES_URL"
REDIS_ENV = "FACTCHECK_TEST_REDIS_URL"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
PASSWORD = "correct horse battery"


def pytest_configure(config: pytest.Config) -> None:
    """Every test stays on loopback: no name beyond it resolves, no connection leaves it."""
    from tests.httpserver import stay_on_loopback  # a plugin (above): imported once pytest rewrites it

    stay_on_loopback()


def corpus_path(*parts: str) -> Path:
    """A path in the shared corpus; the test skips, saying so, when the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus file {path} is absent (see ../shared/corpus/README.md)")
    return path


# -- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to head once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, migrated to head, dropped at the end."""
    base_url = os.environ.get(POSTGRES_ENV)
    if not base_url:
        pytest.skip(f"{POSTGRES_ENV} is not set: the PostgreSQL runs are skipped")
    base = make_url(normalise_database_url(base_url))
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"factcheck_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - CI must fail loudly when PostgreSQL is down
        pytest.fail(f"{POSTGRES_ENV} is set but PostgreSQL is unreachable: {exc}", pytrace=False)
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    import_all_models()
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database for this test."""
    if request.param == "sqlite":
        path = tmp_path / "factcheck.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _empty_postgres(url)


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    """An empty Redis database for this test (its own per parallel test process), or a skip.

    ``.ci/run`` sets ``FACTCHECK_TEST_REDIS_URL``; then an unreachable Redis fails the test."""
    import redis

    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set: the Redis runs are skipped")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parsed = make_url_redis(url, int(worker.removeprefix("gw") or 0))
    client = redis.Redis.from_url(parsed)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.fail(f"{REDIS_ENV} is set but Redis is unreachable: {exc}", pytrace=False)
    finally:
        client.close()
    return parsed


def make_url_redis(url: str, worker: int) -> str:
    """``url`` with its database number lowered by ``worker`` (15, 14, … for parallel processes)."""
    base, _sep, number = url.rpartition("/")
    database = int(number) if number.isdigit() else 15
    return f"{base}/{max(0, database - worker)}" if number.isdigit() else f"{url.rstrip('/')}/{15 - worker}"


# -- the app -----------------------------------------------------------------------------------


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    instance = tmp_path / "instance"
    return Config(
        instance_dir=instance,
        database_url=database_url,
        index_dir=instance / "index",
        archive_dir=instance / "archive",
        queue_url=f"sqlite:///{instance / 'queue.db'}",
        secret_key="test-secret-key-" + uuid.uuid4().hex,
        public_url="https://factcheck.example.org",
        testing=True,
    )


@pytest.fixture
def app(config: Config) -> Iterator[Any]:
    application = create_app(config)
    yield application
    close_app(application)


@pytest.fixture
def app_context(app: Any) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def client(app: Any) -> FlaskClient:
    return app.test_client()


# -- builders ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def password_hash() -> str:
    """PASSWORD hashed cheaply for the test users: the app hashes with scrypt, slow on purpose
    (0.1-0.2 s a check), and tests log in thousands of times. Werkzeug checks either kind."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def run_jobs(app: Any) -> Callable[..., int]:
    """Run every queued job now (and, with ``scheduled=True``, the retries scheduled for later)."""
    return lambda scheduled=False: app.extensions["factcheck.queue"].run_pending(scheduled=scheduled)


@pytest.fixture
def make_user(app: Any, password_hash: str) -> Callable[..., User]:
    """Create and commit a user: ``make_user("reviewer")`` (password: ``PASSWORD``; a display name
    such as "Reviewer 2" unless ``name`` is given)."""
    counter = iter(range(1, 10_000))

    def build(role: str = "volunteer", email: str | None = None, **kwargs: Any) -> User:
        number = next(counter)
        kwargs.setdefault("name", f"{role.title()} {number}")
        with app.app_context():
            user = User(email=email or f"{role}{number}@example.org", role=role,
                        password_hash=password_hash, **kwargs)
            db.session().add(user)
            db.commit()
            return user

    return build


class ApiClient:
    """A test client that sends a user's bearer token and JSON."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def post_multipart(self, path: str, fields: dict[str, Any], **kwargs: Any) -> Any:
        """POST form fields and files, encoded up front (the test client leaks a temporary file
        for large bodies it encodes itself)."""
        body, content_type = multipart(fields)
        return self.request("POST", path, data=body, content_type=content_type, **kwargs)


def multipart(fields: dict[str, Any]) -> tuple[bytes, str]:
    """Encode ``fields`` (values: str, or (bytes, filename) for files) as multipart/form-data."""
    boundary = "----factcheck-test-" + uuid.uuid4().hex
    lines: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            lines.append(f"--{boundary}".encode())
            if isinstance(item, tuple):
                data, filename = item
                lines.append(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode())
                lines.append(b"Content-Type: application/octet-stream")
                lines.append(b"")
                lines.append(data)
            else:
                lines.append(f'Content-Disposition: form-data; name="{name}"'.encode())
                lines.append(b"")
                lines.append(str(item).encode())
    lines.append(f"--{boundary}--".encode())
    lines.append(b"")
    return b"\r\n".join(lines), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def api_client(app: Any) -> Callable[[User | None], ApiClient]:
    """An API client for ``user`` (anonymous with ``None``)."""

    def build(user: User | None) -> ApiClient:
        token = None
        if user is not None:
            with app.app_context():
                # get, not merge: merging the caller's (maybe stale) copy would write it back.
                _row, token = accounts.create_token(db.session().get(User, user.id), "tests")
                db.commit()
        return ApiClient(app.test_client(), token)

    return build


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client that logs in through the form and sends CSRF tokens like a browser."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self) -> str:
        page = self.client.get("/login", follow_redirects=True)
        match = CSRF_META.search(page.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1) or match.group(2)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        token = self.csrf_token()
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, csrf: bool = True, **kwargs: Any) -> Any:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf_token())
        if any(isinstance(v, tuple) for v in data.values()):
            body, content_type = multipart(data)
            return self.client.post(path, data=body, content_type=content_type, **kwargs)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(app: Any) -> Callable[[User | None], Browser]:
    """A logged-in browser for ``user`` (or a logged-out one for ``None``)."""

    def build(user: User | None) -> Browser:
        session = Browser(app.test_client())
        if user is not None:
            response = session.login(user.email)
            assert response.status_code == 302, response.get_data(as_text=True)
        return session

    return build


@pytest.fixture
def make_claim(app: Any, make_user: Callable[..., User]) -> Callable[..., Any]:
    """File a claim, and put it straight into ``status`` for tests that start mid-lifecycle.

    ``draft_by`` writes a complete rebuttal draft (as that user) citing the claim's first link;
    a published claim also gets its public address.
    """
    from factcheck.claims import operations as claims
    from factcheck.claims.models import Claim
    from factcheck.publish import operations as publish

    def build(text: str = "Forwarded: the moon is made of cheese", *, urls: tuple[str, ...] = (),
              platform: str = "whatsapp", status: str | None = None, by: User | None = None,
              assignee: User | None = None, duplicate_of: int | None = None,
              draft_by: User | None = None, headline: str = "No, the moon is not made of cheese",
              verdict: str = "False") -> Claim:
        author = by or make_user("volunteer")
        if draft_by is not None and not urls:
            urls = ("https://example.com/moon-cheese",)
        with app.test_request_context():
            session = db.session()
            claim = claims.file_claim(session.get(User, author.id), claims.ClaimInput(text=text, urls=urls,
                                      platform=platform), app.extensions["factcheck.archive"].blobs)
            if assignee is not None:
                claim.assignee = session.get(User, assignee.id)
            if draft_by is not None:
                claim.status = "researching"
                session.flush()
                snapshot_id = claim.sources[0].snapshots[0].id
                publish.save_draft(session.get(User, draft_by.id), claim, publish.DraftInput(
                    headline=headline, summary="The viral post is false.", body="The **moon** is rock.",
                    verdict=verdict, snapshot_ids=(snapshot_id,)))
            if status is not None:
                claim.status = status
                claim.duplicate_of_id = duplicate_of
            if status == "published" and draft_by is not None:
                claim.rebuttal.slug = f"claim-{claim.id}"
                claim.rebuttal.published_at = db.utcnow()
            db.commit()
            return claim

    return build


@contextmanager
def recorded_statements(app: Any) -> Iterator[list[str]]:
    """The SQL statements ``app`` sends inside the block, in order: each is a round trip to the
    database, which a busy desk waits on."""
    from sqlalchemy import event

    statements: list[str] = []
    engine = app.extensions[db.EXTENSION_KEY].engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, …)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def tables_read(statements: list[str]) -> list[str]:
    """The first table each SELECT among ``statements`` reads."""
    return [s.split("FROM", 1)[1].split()[0] for s in statements if s.lstrip().upper().startswith("SELECT")]


# -- mail --------------------------------------------------------------------------------------


class SmtpInbox:
    """A real SMTP server on loopback (aiosmtpd) and the messages it accepted.

    ``refuse(n)`` answers the next ``n`` messages with a temporary failure (451), as a server
    that is busy would; ``url`` is what ``FACTCHECK_SMTP_URL`` would say.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.encrypted: list[bool] = []  # whether each message came over TLS
        self.url = ""
        self._refusals = 0

    def refuse(self, count: int) -> None:
        self._refusals = count

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self._refusals > 0:
            self._refusals -= 1
            return "451 4.3.0 Busy, try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.encrypted.append(getattr(session, "ssl", None) is not None)
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[EmailMessage]:
        """The messages accepted for ``address``."""
        return [m for m, (_sender, rcpts) in zip(self.messages, self.envelopes, strict=True) if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_smtp_server(host: str = "127.0.0.1", **smtp_options: Any) -> Iterator[SmtpInbox]:
    """Run an SMTP server on loopback while the block runs (options go to aiosmtpd's SMTP:
    ``tls_context``, ``authenticator``, ``auth_required``, …)."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost", **smtp_options)
    controller.start()
    inbox.url = f"smtp://{host}:{port}"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpInbox]:
    """An SMTP server on 127.0.0.1 for this test; ``config.replace(smtp_url=smtp_server.url)``."""
    with running_smtp_server() as inbox:
        yield inbox
