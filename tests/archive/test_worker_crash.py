"""A worker killed in the middle of a capture: after a restart the capture completes, once, and
leaves no orphan files. Real worker processes (``factcheck worker``), a real queue and database."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import select

from factcheck import db
from factcheck.archive import capture as capture_module
from factcheck.archive.capture import CAPTURE_JOB, request_capture
from factcheck.archive.fetch import FetchPolicy
from factcheck.archive.models import Snapshot
from factcheck.archive.store import Archive
from tests.httpserver import drip, respond

FACTCHECK = str(Path(sys.executable).with_name("factcheck"))
STORY = b"<html><head><title>Viral story</title></head><body><p>" + b"The full story. " * 40 + b"</p></body></html>"


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {predicate}")


def start_worker(config, site) -> subprocess.Popen:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")},
           "FACTCHECK_INSTANCE_DIR": str(config.instance_dir), "FACTCHECK_DATABASE_URL": config.database_url,
           "FACTCHECK_QUEUE_URL": config.queue_url, "FACTCHECK_ARCHIVE_DIR": str(config.archive_dir),
           "FACTCHECK_FETCH_ALLOW": site.allow_entry, "FACTCHECK_FETCH_TIMEOUT": "30"}
    return subprocess.Popen([FACTCHECK, "worker", "--workers", "1"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def snapshot_state(app) -> Snapshot:
    with app.app_context():
        return db.session().scalars(select(Snapshot)).one()


def test_a_killed_worker_leaves_nothing_behind(app, site, config, api_client, make_user):
    site.route("/story", drip(STORY, interval=0.2, content_type="text/html; charset=utf-8"))
    response = api_client(make_user("volunteer")).post(
        "/api/claims", json={"text": "is this true?", "urls": [site.url("/story")], "platform": "whatsapp"})
    assert response.status_code == 201

    first = start_worker(config, site)
    try:
        wait_for(lambda: any(r.path == "/story" for r in site.requests))
        time.sleep(0.5)  # the worker is now reading the body, byte by byte
        assert snapshot_state(app).lease_token is not None
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)

    stuck = snapshot_state(app)
    assert stuck.state == "pending" and stuck.sha256 is None

    site.route("/story", respond(STORY, content_type="text/html; charset=utf-8"))
    second = start_worker(config, site)
    try:
        done = wait_for(lambda: (s := snapshot_state(app)).state != "pending" and s)
    finally:
        second.send_signal(signal.SIGINT)
        output, _ = second.communicate(timeout=30)

    assert done.state == "archived", output
    assert done.title == "Viral story"
    assert done.attempts == 2
    assert "Requeued 1 unfinished jobs" in output
    files = sorted(p.relative_to(config.archive_dir) for p in config.archive_dir.rglob("*") if p.is_file())
    assert [p.name for p in files] == [done.sha256, f"{done.id}.warc.gz"]
    with app.app_context():
        assert len(db.session().scalars(select(Snapshot)).all()) == 1


def test_a_capture_held_by_another_live_run_looks_again_when_its_lease_ends(app, site, api_client, make_user,
                                                                             run_jobs):
    """Two workers: the run that held the lease died on the database in the other process (alive),
    so its lease outlives it there. The capture job that finds it waits for the lease's end
    instead of ending, and completes then."""
    site.route("/story", respond(STORY, content_type="text/html; charset=utf-8"))
    api_client(make_user("volunteer")).post(
        "/api/claims", json={"text": "is this true?", "urls": [site.url("/story")], "platform": "whatsapp"})
    lease_until = db.utcnow() + dt.timedelta(seconds=45)
    with app.app_context():
        snapshot = db.session().scalars(select(Snapshot)).one()
        snapshot.lease_token = f"{socket.gethostname()[:40]}/{os.getppid()}/other-run"  # a live process
        snapshot.lease_until = lease_until
        db.commit()
    run_jobs()
    assert snapshot_state(app).state == "pending" and not site.requests
    huey = app.extensions["factcheck.queue"].huey
    [waiting] = [task for task in huey.scheduled() if task.name == CAPTURE_JOB]
    assert abs((waiting.eta.replace(tzinfo=dt.UTC) - lease_until).total_seconds() - 1) < 2
    with app.app_context():  # the lease ran out, the other run never came back
        db.session().scalars(select(Snapshot)).one().lease_until = db.utcnow() - dt.timedelta(seconds=1)
        db.commit()
    run_jobs(scheduled=True)
    assert snapshot_state(app).state == "archived"


def test_two_runs_racing_for_one_lease_do_not_both_take_it(app, site, config, monkeypatch):
    """Two worker threads take the lease of one snapshot at the same moment. Each reads the
    snapshot and then waits (up to a second) for the other to have read it too: a read taken
    under the write lock keeps the other out until the lease is committed, so only one run
    takes it and the other finds it live and steps aside. Before: on SQLite a bare ``FOR UPDATE``
    read took no lock, so both read it free and both took it; on both databases the lease became
    live in this process only after its commit, so the second run took over the first's."""
    with app.app_context():
        snapshot_id = request_capture(site.url("/story")).id
        db.commit()
    policy = FetchPolicy.from_config(app.config["FACTCHECK"])
    archive = Archive.at(config.archive_dir)
    both_read = threading.Barrier(2, timeout=1.0)
    read_unlocked = capture_module._locked

    def read_then_wait_for_the_other(wanted: int) -> Snapshot | None:
        snapshot = read_unlocked(wanted)
        with contextlib.suppress(threading.BrokenBarrierError):  # the other could not read yet
            both_read.wait()
        return snapshot

    monkeypatch.setattr(capture_module, "_locked", read_then_wait_for_the_other)
    leases: list[tuple[str, str] | None] = []

    def take_lease() -> None:
        with app.app_context():
            leases.append(capture_module._take_lease(snapshot_id, policy, archive))

    runs = [threading.Thread(target=take_lease) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    taken = [lease for lease in leases if lease is not None]
    capture_module._RUNNING.difference_update(token for token, _url in taken)
    assert len(leases) == 2 and len(taken) == 1, leases
    with app.app_context():
        snapshot = db.session().get(Snapshot, snapshot_id)
        assert snapshot is not None
        assert snapshot.lease_token == taken[0][0] and snapshot.attempts == 1
    huey = app.extensions["factcheck.queue"].huey
    looks_again = [task for task in huey.pending() if task.name == CAPTURE_JOB and task.eta is not None]
    assert len(looks_again) == 1  # the run that stepped aside looks again when the lease ends
