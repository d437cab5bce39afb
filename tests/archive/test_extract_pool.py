"""Extraction in worker processes: the same result as in the thread, a fallback when the
processes die, and no process left behind when the one they serve is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factcheck.archive import extract_pool
from factcheck.archive.extract import extract_html

PAGE = ("<html lang='hi'><head><title>दावा</title></head><body><article><p>"
        + "वायरल संदेश में किया गया दावा झूठा है। " * 20 + "</p></article></body></html>").encode()


@pytest.fixture
def pool_of(request):
    def use(processes: int | None) -> None:
        extract_pool.shutdown()
        extract_pool.configure(processes)
        extract_pool._disabled = False

    yield use
    extract_pool.shutdown()
    extract_pool.configure(None)
    extract_pool._disabled = False


def test_a_process_gives_what_the_thread_gives(pool_of):
    pool_of(1)
    assert extract_pool.extract(PAGE, "https://example.org/a", None) == extract_html(PAGE, url="https://example.org/a")
    assert extract_pool._pool is not None


def test_no_processes_means_the_calling_thread(pool_of):
    pool_of(0)
    assert extract_pool.extract(PAGE, "https://example.org/a", None).title == "दावा"
    assert extract_pool._pool is None


def test_dead_processes_fall_back_to_the_thread(pool_of):
    pool_of(1)
    extract_pool.extract(PAGE, "https://example.org/a", None)
    for pid in list(extract_pool._pool._processes):
        os.kill(pid, signal.SIGKILL)
    result = extract_pool.extract(PAGE, "https://example.org/a", None)
    assert result.title == "दावा"
    assert extract_pool._pool is None and extract_pool._disabled


# A process that starts its extraction pool, says its processes' ids, then waits to be killed.
SERVED = """
import sys, time
from factcheck.archive import extract_pool
extract_pool.configure(1)
extract_pool.extract(b"<html><body><p>text</p></body></html>", "https://example.org/a", None)
print(*extract_pool._pool._processes, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_parent_leaves_no_extraction_process_behind():
    with subprocess.Popen([sys.executable, "-c", SERVED], stdout=subprocess.PIPE, text=True,
                          cwd=Path(__file__).resolve().parents[2]) as served:
        try:
            assert served.stdout is not None
            children = [int(pid) for pid in served.stdout.readline().split()]
            assert children and all(alive(pid) for pid in children)
            served.kill()  # SIGKILL: no atexit, no pool shutdown
            served.wait(timeout=30)
            deadline = time.monotonic() + 30
            while any(alive(pid) for pid in children) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not any(alive(pid) for pid in children), "the extraction process outlived its parent"
        finally:
            served.kill()
