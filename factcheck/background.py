"""Background work's place on the CPU: behind people's requests.

Captures, extraction, indexing and the other jobs can wait a moment; a volunteer filing a claim
or a reviewer searching cannot. On Linux each thread has its own priority, so a job's thread (a
worker's, or one beside the web threads in ``factcheck serve``) and each extraction process run
at the lowest (niceness 19). Not in the idle scheduling class: a job holding a lock the web
needs (SQLite's write lock, a row, the index's) would then wait for an idle CPU while the
requests wait for it (the load test measured exactly that, issue 14).

Priorities do not reach one thing: Python runs one thread of a process at a time, and
``factcheck serve`` runs its jobs in the web's process. With three job threads busy, a request
coming back from the database waited its turn behind all three. So jobs take turns
(:func:`job_turn`): one job thread of a process runs Python at a time, and it lets the next one
in while it only waits (:func:`waiting`: a fetch on the network, an extraction process, a
Tesseract pass). Captures still overlap their waits; the requests compete with one job, not
three (the embedded load test at 20 filings/s: filing p95 from 0.41-0.48 s to 0.2 s).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NICENESS = 19


def run_in_background() -> None:
    """Lower the calling thread's priority to the lowest; where that is not possible, it runs as
    it is."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), NICENESS))
    except (OSError, AttributeError):
        pass


def run_process_in_background() -> None:
    """Put this whole process behind requests (``factcheck worker``; call it before starting
    threads, which inherit the priority). Where Linux groups processes by session for the CPU
    (autogroup), a process leading its own session, as a supervisor starts a worker, has a
    group of its own that gets an equal share however nice its threads are: that group is
    lowered too."""
    run_in_background()
    if os.getsid(0) != os.getpid():
        return  # a session shared with others (a terminal's): its group is not this process's
    try:
        Path("/proc/self/autogroup").write_text(str(NICENESS), encoding="ascii")
    except OSError:  # no autogroup here, or not allowed: threads' priorities still apply
        pass


_turn = threading.Lock()
_holding = threading.local()


@contextmanager
def job_turn() -> Iterator[None]:
    """Run a job's work as this process's one running job (see the module docstring); a job run
    inside another in the same thread (an immediate queue) shares its turn."""
    if getattr(_holding, "turn", False):
        yield
        return
    with _turn:
        _holding.turn = True
        try:
            yield
        finally:
            _holding.turn = False


@contextmanager
def waiting() -> Iterator[None]:
    """Inside a job's turn, wait (on the network, another process) while the next job runs;
    take the turn back after. Outside a turn, nothing changes."""
    if not getattr(_holding, "turn", False):
        yield
        return
    _holding.turn = False
    _turn.release()
    try:
        yield
    finally:
        _turn.acquire()
        _holding.turn = True
