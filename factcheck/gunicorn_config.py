"""Gunicorn settings the web tier needs beyond its command line (``--config python:factcheck.gunicorn_config``).

Each web process serves several requests at once in threads, and one Python thread runs at a
time. A filing spends most of its CPU finding the claims like it in the index, in pure Python,
while the requests beside it wait on PostgreSQL and Redis: after every answer from them a waiting
thread needs the interpreter back, and by default the busy thread keeps it for up to 5 ms. A
filing makes about a dozen such round trips, so it waited up to a dozen times 5 ms in a busy
process. Handing over after 1 ms instead cuts that wait (the load test measured it, issue 14).
"""

from __future__ import annotations

import sys
from typing import Any

SWITCH_INTERVAL = 0.001  # seconds a thread keeps the interpreter while another one waits for it


def post_fork(_server: Any, _worker: Any) -> None:
    """In each web process, as it starts: hand the interpreter between threads every millisecond."""
    sys.setswitchinterval(SWITCH_INTERVAL)
