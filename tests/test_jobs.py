"""How jobs run beside the web: behind its requests on the CPU, and, for work a sweep redoes,
with commits that do not wait for the disk (issue 14)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
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


def test_jobs_take_turns_and_let_the_next_in_while_they_wait() -> None:
    """One job of a process runs at a time; one waiting (on the network, another process) lets
    the next run meanwhile; a job run inside another in the same thread shares its turn."""
    from factcheck.background import job_turn, waiting

    events: list[str] = []
    first_waits, second_done = threading.Event(), threading.Event()

    def first() -> None:
        with job_turn():
            events.append("first runs")
            with waiting():
                first_waits.set()
                assert second_done.wait(10), "the second job did not run while the first waited"
            events.append("first runs again")

    def second() -> None:
        assert first_waits.wait(10)
        with job_turn():
            events.append("second runs")
            with job_turn():  # a job run inline by this one (an immediate queue)
                events.append("second's inner job runs")
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert events == ["first runs", "second runs", "second's inner job runs", "first runs again"]


def test_a_job_waits_for_the_turn_while_another_runs() -> None:
    from factcheck.background import job_turn

    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def holder() -> None:
        with job_turn():
            inside.set()
            release.wait(10)
            order.append("holder done")

    def other() -> None:
        with job_turn():
            order.append("other runs")

    first = threading.Thread(target=holder)
    first.start()
    assert inside.wait(10)
    second = threading.Thread(target=other)
    second.start()
    second.join(0.3)
    assert second.is_alive() and order == []  # it waits for the turn
    release.set()
    first.join(10)
    second.join(10)
    assert order == ["holder done", "other runs"]


PROCESS_PRIORITY = """
import os
from pathlib import Path
from factcheck.background import run_process_in_background
run_process_in_background()
print(os.getpriority(os.PRIO_PROCESS, 0))
print(Path("/proc/self/autogroup").read_text())
"""


def group_niceness(report: str) -> str | None:
    """The niceness in a ``/proc/<pid>/autogroup`` report ("/autogroup-85 nice 0"), or None where
    the kernel reports none (autogroup off, or a sandbox whose file reads empty)."""
    words = report.split()
    return words[-1] if len(words) == 3 and words[1] == "nice" else None


def test_group_niceness_reads_only_a_report_it_understands() -> None:
    assert group_niceness("/autogroup-85 nice 0\n") == "0"
    assert group_niceness("/autogroup-7 nice 19") == "19"
    assert group_niceness("") is None
    assert group_niceness("nice") is None


def _own_group_niceness() -> str | None:
    try:
        return group_niceness(Path("/proc/self/autogroup").read_text())
    except OSError:
        return None


@pytest.mark.skipif(_own_group_niceness() is None, reason="this kernel reports no autogroup scheduling")
@pytest.mark.parametrize("own_session", [True, False])
def test_a_worker_process_lowers_its_own_cpu_group_only(own_session: bool) -> None:
    """A worker leading its own session (as a supervisor starts it) has a CPU group of its own,
    which shares the CPU equally with the web's whatever its threads' priorities: it lowers the
    group. In a session shared with others (a terminal's) it leaves the group be."""
    import subprocess

    done = subprocess.run([sys.executable, "-c", PROCESS_PRIORITY], capture_output=True, text=True, timeout=60,
                          start_new_session=own_session, cwd=Path(__file__).resolve().parents[1], check=True)
    priority, _, group_report = done.stdout.partition("\n")
    assert int(priority) == NICENESS
    assert group_niceness(group_report) == (str(NICENESS) if own_session else _own_group_niceness())
