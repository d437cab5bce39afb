"""Scale-out: jobs queued in Redis and run by `factcheck worker` processes; login limits kept in
Redis, so every web process counts the same attempts. Runs when FACTCHECK_TEST_REDIS_URL is set
(`.ci/run` sets it, and then an unreachable Redis is an error)."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from factcheck import close_app, create_app
from tests.conftest import PASSWORD, Browser
from tests.httpserver import respond

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))


@pytest.fixture
def app(config, site, redis_url):
    application = create_app(config.replace(fetch_allow=frozenset({site.allow_entry}), queue_url=redis_url,
                                            rate_limit_storage_url=redis_url))
    yield application
    close_app(application)


def test_worker_processes_run_the_jobs_queued_in_redis(app, site, config, redis_url, api_client, make_user):
    site.route("/story", respond(b"<html><head><title>Queued in Redis</title></head><body><p>x</p></body></html>"))
    api = api_client(make_user("reviewer"))
    claim = api.post("/api/claims", json={"text": "two workers, one queue", "urls": [site.url("/story")],
                                          "platform": "web"}).json
    assert app.extensions["factcheck.queue"].pending_count() >= 1
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_QUEUE_URL": redis_url, "FACTCHECK_FETCH_ALLOW": site.allow_entry,
           "FACTCHECK_INDEX_DIR": str(config.index_dir), "FACTCHECK_EXTRACT_PROCESSES": "0"}
    workers = [subprocess.Popen([FACTCHECK, "worker", "--workers", "1"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        deadline, idle = time.monotonic() + 60, 0
        while True:
            detail = api.get(f"/api/claims/{claim['id']}").json
            snapshot = detail["sources"][0]["snapshots"][0]
            searchable = api.get("/api/search?q=workers").json["total"]
            # A capture queues follow-up jobs after its commit (images, a delayed index sync): the
            # workers are done when nothing is queued or scheduled twice in a row, not when the
            # snapshot first reads archived (a running job may still queue its follow-up).
            idle = idle + 1 if _queue_is_empty(app) else 0
            if snapshot["state"] != "pending" and searchable and idle >= 2:
                break
            assert time.monotonic() < deadline, (snapshot, searchable, idle)
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.communicate(timeout=30)
    assert snapshot["state"] == "archived" and snapshot["title"] == "Queued in Redis"
    assert _queue_is_empty(app)


def _queue_is_empty(app) -> bool:
    queue = app.extensions["factcheck.queue"]
    return queue.pending_count() == 0 and queue.huey.scheduled_count() == 0


def test_login_limits_are_shared_by_every_web_process(app, config, redis_url, make_user):
    """Failed logins against a second web process (a real `factcheck serve`) count here too."""
    user = make_user("volunteer")
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_QUEUE_URL": redis_url, "FACTCHECK_SECRET_KEY": config.secret_key,
           "FACTCHECK_INDEX_DIR": str(config.index_dir)}
    server = subprocess.Popen([FACTCHECK, "serve", "--workers", "0", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        other = _RemoteBrowser(f"http://127.0.0.1:{port}")
        statuses = [other.login(user.email, "wrong password!") for _ in range(6)]
        here = Browser(app.test_client())
        statuses += [here.login(user.email, "wrong password!").status_code for _ in range(5)]
        assert statuses[:10] == [401] * 10 and statuses[10] == 429, statuses
        assert other.login(user.email, PASSWORD) == 429
    finally:
        server.terminate()
        server.communicate(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _RemoteBrowser:
    """Just enough of a browser to log in to a real server: cookies and the form's CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.opener.open(f"{base}/healthz", timeout=2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)

    def login(self, email: str, password: str) -> int:
        with self.opener.open(f"{self.base}/login", timeout=10) as page:
            token = CSRF_INPUT.search(page.read().decode()).group(1)
        form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": token}).encode()
        try:
            with self.opener.open(f"{self.base}/login", data=form, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
