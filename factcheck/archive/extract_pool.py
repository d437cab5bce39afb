"""Extraction in worker processes, so captures use every core.

Extracting text and metadata is most of a capture's CPU time, and it is Python: in the worker
threads of ``factcheck serve`` it would run one page at a time, whatever the core count. Pages
are handed to a small pool of processes (started on first use, with ``spawn`` so that no thread
state is forked); if the pool cannot be used, extraction runs in the calling thread.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from factcheck.archive.extract import Extracted, extract_html
from factcheck.background import run_in_background, waiting

log = logging.getLogger(__name__)
_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_disabled = False
_configured: int | None = None


def configure(processes: int | None) -> None:
    """Set how many extraction processes to use (``None``: one less than the cores; 0: none)."""
    global _configured
    _configured = processes


def size() -> int:
    """How many extraction processes are used."""
    if _configured is not None:
        return _configured
    return max(0, min(4, (os.cpu_count() or 1) - 1))  # the capturing process needs a core too


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool
    if _disabled or size() < 1:
        return None  # one core: a process would only add the cost of sending the page
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(max_workers=size(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_prepare_process)
            atexit.register(shutdown)
        return _pool


def extract(body: bytes, url: str, declared_charset: str | None) -> Extracted:
    """:func:`extract_html` in a worker process when possible, else here."""
    global _pool
    pool = _get_pool()
    if pool is not None:
        try:
            with waiting():  # the extraction runs in its process meanwhile
                return pool.submit(extract_html, body, url=url, declared_charset=declared_charset).result()
        except BrokenProcessPool:
            log.warning("the extraction processes died; extracting in the worker thread from now on")
            with _lock:
                _pool = None
                _set_disabled()
            pool.shutdown(wait=False, cancel_futures=True)
    return extract_html(body, url=url, declared_charset=declared_charset)


def _set_disabled() -> None:
    global _disabled
    _disabled = True


def shutdown() -> None:
    """Stop the extraction processes (at exit, and in tests)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


PARENT_CHECK_SECONDS = 1.0


def _prepare_process() -> None:
    """Set up an extraction process: background priority, and an end with the process it serves."""
    _yield_to_requests()
    _exit_with_parent(os.getppid())


def _exit_with_parent(parent: int) -> None:
    """End this process once ``parent`` is gone. A parent killed outright (SIGKILL, the OOM killer)
    cannot stop its pool, and the pool's processes hold their own task pipe open, so they would
    otherwise wait for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="factcheck-parent-watch", daemon=True).start()


def _yield_to_requests() -> None:
    """Extraction is background work: on a busy machine, people's requests get the CPU first."""
    run_in_background()
