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


def test_users_tokens_and_the_first_admin(env):
    run(env, "init-db")
    created = run(env, "create-user", "Reviewer@Example.org", "--role", "reviewer", "--password-stdin",
                  stdin="a long enough password\n")
    assert "Created reviewer reviewer@example.org" in created.stdout
    assert "One-time password" not in created.stdout
    duplicate = run(env, "create-user", "reviewer@example.org", "--role", "staff", check=False)
    assert duplicate.returncode != 0 and "exists" in duplicate.stderr
    weak = run(env, "create-user", "v@example.org", "--role", "volunteer", "--password-stdin", stdin="short\n",
               check=False)
    assert weak.returncode != 0 and "password" in weak.stderr

    token = run(env, "create-token", "reviewer@example.org").stdout.strip().splitlines()[-1]
    assert token.startswith("fcw_") and " " not in token
    assert run(env, "create-token", "nobody@example.org", check=False).returncode != 0

    admin = run(env, "create-admin")
    assert "One-time password:" in admin.stdout
    again = run(env, "create-admin")
    assert "exists already" in again.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_a_production_server_that_files_claims(env):
    run(env, "init-db")
    run(env, "create-user", "v@example.org", "--role", "volunteer", "--password-stdin",
        stdin="a long enough password\n")
    token = run(env, "create-token", "v@example.org").stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen([FACTCHECK, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
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
