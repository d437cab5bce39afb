"""Background work's place on the CPU: behind people's requests.

Captures, extraction, indexing and the other jobs can wait a moment; a volunteer filing a claim
or a reviewer searching cannot. On Linux each thread has its own priority, so a job's thread (a
worker's, or one beside the web threads in ``factcheck serve``) and each extraction process run
at the lowest (niceness 19). Not in the idle scheduling class: a job holding a lock the web
needs (SQLite's write lock, a row, the index's) would then wait for an idle CPU while the
requests wait for it (the load test measured exactly that, issue 14).
"""

from __future__ import annotations

import os
import threading

NICENESS = 19


def run_in_background(thread_id: int | None = None) -> None:
    """Lower a thread's priority (``thread_id``, a native id; the calling thread if None) to the
    lowest; where that is not possible, it runs as it is."""
    tid = threading.get_native_id() if thread_id is None else thread_id
    try:
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), NICENESS))
    except (OSError, AttributeError):
        pass
