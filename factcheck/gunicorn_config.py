"""Gunicorn settings the web tier needs beyond its command line (``--config python:factcheck.gunicorn_config``)."""

from __future__ import annotations

from typing import Any

from factcheck.web import hand_over_often


def post_fork(_server: Any, _worker: Any) -> None:
    """In each web process, as it starts: hand the interpreter between threads every millisecond."""
    hand_over_often()
