"""Extraction in worker processes: the same result as in the thread, and a fallback when the
processes die."""

from __future__ import annotations

import os
import signal

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
