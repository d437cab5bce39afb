"""How jobs run beside the web: behind its requests on the CPU, and, for work a sweep redoes,
with commits that do not wait for the disk (issue 14)."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest
from sqlalchemy import text

from factcheck import db
from factcheck.background import NICENESS, run_in_background
from factcheck.jobs import BackgroundWorker


def commit_mode() -> str:
    """How the current transaction commits: PostgreSQL's ``synchronous_commit``, SQLite's
    ``synchronous`` pragma."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        return str(session.execute(text("SHOW synchronous_commit")).scalar())
    return f"pragma {session.execute(text('PRAGMA synchronous')).scalar()}"


def test_jobs_whose_work_a_sweep_redoes_do_not_wait_for_the_disk(app: Any) -> None:
    queue = app.extensions["factcheck.queue"]
    modes: dict[str, tuple[str, str]] = {}

    def recorder(name: str) -> Any:
        def job() -> None:
            first = commit_mode()
            db.commit()  # and in the job's next transaction too
            modes[name] = (first, commit_mode())
        return job

    queue.task("test.redone", redone_if_lost=True)(recorder("redone"))
    queue.task("test.durable")(recorder("durable"))
    queue.tasks["test.redone"].call_local()
    queue.tasks["test.durable"].call_local()
    with app.app_context():
        request = commit_mode()
    if app.extensions["factcheck.db"].engine.dialect.name == "postgresql":
        assert modes == {"redone": ("off", "off"), "durable": ("on", "on")}
        assert request == "on"  # what a person files waits for the disk
    else:  # SQLite in WAL mode: one setting for all (NORMAL: a commit never waits for a sync)
        assert modes == {"redone": ("pragma 1", "pragma 1"), "durable": ("pragma 1", "pragma 1")}
        assert request == "pragma 1"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_a_background_thread_runs_at_the_lowest_priority() -> None:
    priorities: list[int] = []

    def work() -> None:
        run_in_background()
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert priorities == [NICENESS]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) != NICENESS  # this thread is left be


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_jobs_beside_the_web_run_at_the_lowest_priority(app: Any) -> None:
    queue = app.extensions["factcheck.queue"]
    seen = threading.Event()
    priorities: list[int] = []

    def job() -> None:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        seen.set()

    queue.task("test.priority")(job)
    worker = BackgroundWorker(queue, workers=1)
    worker.start()
    try:
        queue.enqueue("test.priority")
        assert seen.wait(30), "the job did not run"
    finally:
        worker.stop()
    assert priorities == [NICENESS]
