"""Keeping the index current in the app: a burst of commits asks for one sync job, one sync runs
at a time (threads and processes) and leaves nothing behind, merges happen in their own job,
and the index and the outbox report their health."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from factcheck import db
from factcheck.search import build, service
from factcheck.search.engine import SearchIndex, Viewer
from factcheck.search.models import IndexRequest

ROOT = Path(__file__).resolve().parents[2]
STAFF = Viewer("staff", 1)


def sync_jobs(app) -> list:
    huey = app.extensions["factcheck.queue"].huey
    return [t for t in [*huey.pending(), *huey.scheduled()] if t.name == service.SYNC_JOB]


def waiting(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count(IndexRequest.id)))


def found(app, text: str) -> int:
    with app.app_context():
        return service.get_index().search(text, viewer=STAFF, per_page=100).total


def test_a_burst_of_commits_asks_for_one_sync_which_indexes_them_all(app, make_claim, make_user, run_jobs,
                                                                      monkeypatch):
    monkeypatch.setattr(service, "SYNC_DELAY", 60.0)  # the whole burst falls in one delay
    author = make_user("volunteer")
    for n in range(25):
        make_claim(f"burst rumour number {n}", by=author)
    assert len(sync_jobs(app)) == 1
    assert waiting(app) == 25
    run_jobs(scheduled=True)
    assert found(app, "burst") == 25 and waiting(app) == 0
    make_claim("one more burst rumour", by=author)  # after the job started: a new job
    assert len(sync_jobs(app)) == 1
    run_jobs(scheduled=True)
    assert found(app, "burst") == 26


def test_one_sync_at_a_time_across_threads_and_nothing_is_left(app, make_claim, monkeypatch):
    for n in range(30):
        make_claim(f"threaded rumour {n}")
    running, most = [0], [0]
    lock = threading.Lock()
    real = service.sync_index

    def counted(batch=None):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            return real(batch=7)  # several batches
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(service, "sync_index", counted)
    done: list[int] = []

    def sync() -> None:
        with app.app_context():
            done.append(service.sync_outbox())

    threads = [threading.Thread(target=sync) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
    assert sum(done) == 30 and waiting(app) == 0
    assert found(app, "threaded") == 30


def test_a_commit_during_a_sync_is_indexed_by_it_not_left_for_the_sweep(app, make_claim, monkeypatch):
    make_claim("first rumour of the race")
    real = service.sync_index
    late: list[int] = []
    other: list[int] = []

    def slow(batch=None):
        done = real(batch)
        if not done and not late:
            # The sync found the outbox empty and is about to let go of the lock: a commit now,
            # and its own job finding the lock still taken.
            late.append(make_claim("second rumour of the race").id)
            with app.app_context():
                other.append(service.sync_outbox())
        return done

    monkeypatch.setattr(service, "sync_index", slow)
    with app.app_context():
        service.sync_outbox()
    assert other == [0]  # the second job left the work to the running sync
    assert found(app, "race") == 2 and waiting(app) == 0


LOCKER = textwrap.dedent("""
    import sys, time
    from whoosh.util.filelock import FileLock
    lock = FileLock(sys.argv[1])
    assert lock.acquire(blocking=False)
    print("held", flush=True)
    sys.stdin.readline()
    lock.release()
""")


def test_a_sync_in_another_process_keeps_this_one_out(app, make_claim, config):
    make_claim("rumour indexed by the other process")
    with app.app_context():
        service.get_index()  # the index folder exists
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(config.index_dir / "sync.lock")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert holder.stdout.readline().strip() == "held"
        with app.app_context():
            assert service.sync_outbox() == 0
        assert waiting(app) == 1
    finally:
        holder.communicate("\n", timeout=30)
    with app.app_context():
        assert service.sync_outbox() == 1
    assert found(app, "process") == 1


def test_updates_merge_only_the_smallest_segments(app, make_claim, run_jobs):
    """Each update commits a segment; once MERGE_FACTOR of the smallest are there, the update
    merges them (readers open every segment, so they must not pile up between merge jobs)."""
    for n in range(build.MERGE_FACTOR + 4):
        make_claim(f"segment rumour {n}")
        with app.app_context():
            service.sync_outbox()
            assert service.get_index().health().segments <= build.MERGE_FACTOR
    assert found(app, "segment") == build.MERGE_FACTOR + 4


def test_the_merge_job_merges_small_segments_left_unmerged(app, make_claim, run_jobs, monkeypatch):
    monkeypatch.setattr(build, "commit_merge_policy", lambda _writer, segments: segments)  # none merged
    for n in range(12):
        make_claim(f"segment rumour {n}")
        with app.app_context():
            service.sync_outbox()
    with app.app_context():
        index = service.get_index()
        before = index.health().segments
        assert before >= 12
        app.extensions["factcheck.queue"].tasks[service.MERGE_JOB].call_local()
        after = index.health().segments
    assert after < before
    assert found(app, "segment") == 12


def test_health_reports_the_index_and_the_outbox(app, make_claim, config):
    make_claim("health rumour")
    with app.app_context():
        report = service.health_report()
        assert report["ok"] and report["outbox"]["waiting"] == 1
        assert report["outbox"]["oldest_seconds"] is not None and report["outbox"]["oldest_seconds"] < 60
        service.sync_outbox()
        report = service.health_report()
        assert report["ok"] and report["documents"] == 1 and report["outbox"] == {"waiting": 0,
                                                                                  "oldest_seconds": None}
    make_claim("a change stuck in the outbox")
    with app.app_context():
        db.session().execute(update(IndexRequest).values(created_at=db.utcnow().replace(year=2020)))
        db.commit()
        lag = service.outbox_lag()
        assert lag.waiting == 1 and lag.oldest_seconds > service.MAX_OUTBOX_AGE
        assert not service.health_report()["ok"]


@pytest.mark.parametrize("damage", ["garbage", "missing generation", "old schema"])
def test_an_unreadable_index_is_unhealthy_and_health_does_not_rebuild_it(tmp_path: Path, damage: str) -> None:
    index = SearchIndex(tmp_path / "index")
    index.update([{"kind": "claim", "id": 1, "body": "healthy rumour"}])
    health = index.health()
    assert health.ok and health.documents == 1 and health.segments == 1 and health.error is None
    [generation] = [p for p in (tmp_path / "index").iterdir() if p.name.startswith("gen-")]
    if damage == "garbage":
        for file in generation.iterdir():
            if file.name != "factcheck-schema":
                file.write_bytes(b"garbage")
    elif damage == "missing generation":
        for file in generation.iterdir():
            file.unlink()
        generation.rmdir()
    else:
        (generation / "factcheck-schema").write_text("1")
    health = index.health()
    assert not health.ok and health.error and health.documents is None
    assert not index.health().ok  # still: health never rebuilds
    index.close()
