"""The factcheck command, run as users run it: the installed console script in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))


def run(env: dict[str, str], *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([FACTCHECK, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"factcheck {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    return {**clean, "FACTCHECK_INSTANCE_DIR": str(tmp_path / "instance")}


def test_init_db_creates_a_fresh_instance_and_is_repeatable(env, tmp_path):
    first = run(env, "init-db")
    assert "Database ready" in first.stdout
    assert (tmp_path / "instance" / "factcheck.db").is_file()
    assert (tmp_path / "instance" / "secret_key").is_file()
    run(env, "init-db")


def test_users_tokens_and_the_first_admin(app):
    """The account commands, run in-process on the test app (the console script is run above)."""
    cli = app.test_cli_runner()
    created = cli.invoke(args=["create-user", "Reviewer@Example.org", "--role", "reviewer", "--password-stdin"],
                         input="a long enough password\n")
    assert created.exit_code == 0, created.output
    assert "Created reviewer reviewer@example.org" in created.output
    assert "One-time password" not in created.output
    duplicate = cli.invoke(args=["create-user", "reviewer@example.org", "--role", "staff"])
    assert duplicate.exit_code != 0 and "exists" in duplicate.output
    weak = cli.invoke(args=["create-user", "v@example.org", "--role", "volunteer", "--password-stdin"],
                      input="short\n")
    assert weak.exit_code != 0 and "password" in weak.output
    one_time = cli.invoke(args=["create-user", "v@example.org", "--role", "volunteer"])
    assert "One-time password" in one_time.output

    token = cli.invoke(args=["create-token", "reviewer@example.org"]).output.strip().splitlines()[-1]
    assert token.startswith("fcw_") and " " not in token
    assert app.test_client().get("/api/claims", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert cli.invoke(args=["create-token", "nobody@example.org"]).exit_code != 0

    admin = cli.invoke(args=["create-admin"])
    assert "One-time password:" in admin.output
    again = cli.invoke(args=["create-admin"])
    assert "exists already" in again.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_a_production_server_that_files_claims(env, config, make_user, api_client):
    env = {**env, "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url}
    token = api_client(make_user("volunteer")).headers["Authorization"].removeprefix("Bearer ")
    port = _free_port()
    server = subprocess.Popen([FACTCHECK, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # starting takes seconds on a busy machine
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    health = json.load(response)
                    server_header = response.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not start")
        assert health["status"] == "ok"
        assert "waitress" in server_header or "factcheck" in server_header
        request = urllib.request.Request(f"{base}/api/claims", method="POST",
                                         data=json.dumps({"text": "served", "platform": "web"}).encode(),
                                         headers={"Authorization": f"Bearer {token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 201
            assert json.load(response)["status"] == "submitted"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert "Factcheck Workbench on" in output
