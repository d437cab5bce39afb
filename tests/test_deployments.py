"""Both deployments of SPEC §7 under load and faults: nothing accepted is ever lost.

Each test starts a real deployment from the README's commands (``tests/deployment.py``): the
embedded one (``factcheck serve`` on SQLite) or the scale-out one (a private PostgreSQL and Redis,
gunicorn with several processes, two ``factcheck worker`` processes). Clients file claims with
links to a loopback page server, search and read (``tests/load.py``); afterwards every accepted
claim must be in the database, captured and searchable, and no answer may have been a 5xx (a
clean 503 is allowed only while a fault is injected).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests import load
from tests.deployment import Deployment, PageServer, embedded, missing_services, scale_out, wait_for

pytestmark = pytest.mark.slow

SMALL = load.Plan(clients=8, seconds=3.0, filings_per_s=6.0, searches_per_s=3.0, reads_per_s=3.0, max_filings=40)


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture(scope="module")
def scaled(tmp_path_factory: pytest.TempPathFactory, pages: PageServer) -> Iterator[Deployment]:
    """One scale-out deployment for this module's tests (its services are private to it)."""
    reason = missing_services()
    if reason:
        pytest.skip(reason)
    with scale_out(tmp_path_factory.mktemp("scale-out"), pages, web_processes=2, web_threads=4) as deployment:
        yield deployment


def assert_nothing_lost(deployment: Deployment, result: load.Result, *, allowed: frozenset[int] = frozenset()) -> None:
    verdict = load.verify(deployment, result, timeout=40)
    unexpected = {status: n for counts in result.statuses.values() for status, n in counts.items()
                  if (status >= 500 or status == 0) and status not in allowed}
    context = f"{load.summary(result, verdict)}\n{result.errors[:5]}\n{deployment.logs()}"
    assert result.accepted, context
    assert not unexpected, context
    refused = {status: n for status, n in result.statuses.get(load.FILE, {}).items()
               if status != 201 and status not in allowed}
    assert not refused, context  # every filing accepted, not only "no 5xx"
    assert not verdict.missing_claims, context
    assert not verdict.uncaptured, context
    assert not verdict.unsearchable, context


def file_one(deployment: Deployment, pages: PageServer, name: str) -> requests.Response:
    return requests.post(f"{deployment.base_url}/api/claims", timeout=30,
                         headers={"Authorization": f"Bearer {deployment.token}"},
                         json={"text": f"Forwarded: {name} happened", "urls": [pages.url(name)],
                               "platform": "whatsapp"})


def test_the_embedded_deployment_under_load_loses_nothing(tmp_path: Path, pages: PageServer) -> None:
    with embedded(tmp_path / "embedded", pages) as deployment:
        result = load.run(deployment, pages, SMALL)
        assert_nothing_lost(deployment, result)


def test_the_scale_out_deployment_under_load_loses_nothing(scaled: Deployment, pages: PageServer) -> None:
    result = load.run(scaled, pages, SMALL)
    assert_nothing_lost(scaled, result)
    health = requests.get(f"{scaled.base_url}/healthz", timeout=10).json()
    assert health["status"] == "ok", health


def test_a_postgresql_restart_answers_503_then_recovers(scaled: Deployment, pages: PageServer) -> None:
    assert scaled.postgres is not None
    plan = load.Plan(clients=6, seconds=5.0, filings_per_s=6.0, searches_per_s=2.0, reads_per_s=2.0, max_filings=40)
    outcome: dict[str, load.Result] = {}
    loader = threading.Thread(target=lambda: outcome.setdefault("result", load.run(scaled, pages, plan)))
    loader.start()
    time.sleep(1.5)
    scaled.postgres.restart(down_for=1.0)
    loader.join(60)
    result = outcome["result"]
    # While the database was away, requests were refused cleanly (503 with Retry-After), and
    # once it was back the desk recovered by itself: filing works again, nothing accepted is lost.
    assert result.statuses[load.FILE].get(503), result.report()
    assert wait_for(lambda: file_one(scaled, pages, "after-restart").status_code == 201, 20)
    assert_nothing_lost(scaled, result, allowed=frozenset({503}))


def test_a_redis_restart_loses_no_queued_capture(scaled: Deployment, pages: PageServer) -> None:
    assert scaled.redis is not None
    # The workers are paused, so the captures wait in Redis; Redis then restarts with nothing
    # kept on disk, and claims are filed while it is down. The desk must still capture them all.
    for worker in scaled.workers:
        worker.send_signal(signal.SIGSTOP)
    try:
        queued = [file_one(scaled, pages, f"queued-{n}") for n in range(4)]
        scaled.redis.stop()
        while_down = [file_one(scaled, pages, f"while-down-{n}") for n in range(2)]
        scaled.redis.start()
    finally:
        for worker in scaled.workers:
            worker.send_signal(signal.SIGCONT)
    assert [r.status_code for r in queued + while_down] == [201] * 6
    result = load.Result(run="forwarded", seconds=1.0)
    for response in queued + while_down:
        result.record(load.FILE, response.status_code, 0.0)
        result.accepted[int(response.json()["id"])] = "happened"
    verdict = load.verify(scaled, result, timeout=30)
    assert not verdict.missing_claims and not verdict.uncaptured, (verdict, scaled.logs())
    assert "the queue had lost its jobs" in scaled.logs(), scaled.logs()


def test_a_worker_killed_mid_capture_on_the_scale_out_deployment(scaled: Deployment, pages: PageServer) -> None:
    response = requests.post(f"{scaled.base_url}/api/claims", timeout=30,
                             headers={"Authorization": f"Bearer {scaled.token}"},
                             json={"text": "Forwarded: the slow page", "urls": [pages.url("killed", slow=True)],
                                   "platform": "whatsapp"})
    assert response.status_code == 201
    claim_id = response.json()["id"]
    engine = create_engine(scaled.env["FACTCHECK_DATABASE_URL"])
    query = text("SELECT sn.id, sn.state, sn.lease_token, sn.attempts, sn.sha256 FROM snapshots sn "
                 "JOIN sources s ON sn.source_id = s.id WHERE s.claim_id = :claim")
    try:
        def rows() -> list[Any]:
            with engine.connect() as connection:
                return list(connection.execute(query, {"claim": claim_id}).all())

        # The worker holding the capture's lease (its token names its process) dies mid-body.
        lease = wait_for(lambda: rows()[0].lease_token, 20, 0.05, what="a worker to take the capture")
        holder = int(lease.split("/")[1])
        victim = next(worker for worker in scaled.workers if worker.pid == holder)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        scaled.workers.remove(victim)
        assert rows()[0].state == "pending"
        # A replacement worker (as a supervisor starts one) takes the capture over at its start.
        scaled.start_worker()
        done = wait_for(lambda: (row := rows()[0]).state != "pending" and row, 40, 0.2, what="the capture")
        assert done.state == "archived", scaled.logs()
        assert done.attempts == 2
        assert len(rows()) == 1
    finally:
        engine.dispose()
