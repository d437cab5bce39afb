"""The web tier's settings reach its processes: each gunicorn process (``--config
python:factcheck.gunicorn_config``) and ``factcheck serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from factcheck.web import SWITCH_INTERVAL
from tests.deployment import GUNICORN, free_port, wait_for

APP = "import sys\n\ndef app(environ, start_response):\n    start_response('200 OK', [])\n" \
      "    return [repr(sys.getswitchinterval()).encode()]\n"


@pytest.mark.skipif(not Path(GUNICORN).exists(), reason="gunicorn is not installed beside the interpreter")
def test_each_web_process_hands_the_interpreter_over_every_millisecond(tmp_path: Path) -> None:
    (tmp_path / "interval_app.py").write_text(APP, encoding="utf-8")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])]))
    server = subprocess.Popen([GUNICORN, "--config", "python:factcheck.gunicorn_config", "--workers", "1",
                               "--threads", "2", "--preload", "--bind", f"127.0.0.1:{port}", "interval_app:app"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def interval() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:  # noqa: S310 - loopback
                return str(answer.read().decode())

        assert float(wait_for(interval, 20, 0.1, what="gunicorn")) == SWITCH_INTERVAL
        assert sys.getswitchinterval() != SWITCH_INTERVAL  # this process is not changed
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_readme_command_loads_the_settings() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "gunicorn --config python:factcheck.gunicorn_config " in readme


def test_the_embedded_server_hands_the_interpreter_over_every_millisecond(app, monkeypatch) -> None:
    """``factcheck serve`` runs the web's threads and the jobs' in one interpreter: it shortens
    the hand-over as each gunicorn process does."""
    import signal

    import waitress

    from factcheck.cli import serve

    seen: list[float] = []
    monkeypatch.setattr(waitress, "serve", lambda *_args, **_kwargs: seen.append(sys.getswitchinterval()))
    before, on_term = sys.getswitchinterval(), signal.getsignal(signal.SIGTERM)
    try:
        result = app.test_cli_runner().invoke(serve, ["--workers", "0"])
    finally:
        sys.setswitchinterval(before)
        signal.signal(signal.SIGTERM, on_term)
    assert result.exit_code == 0, result.output
    assert seen == [SWITCH_INTERVAL]


def test_each_web_process_opens_its_connections_and_warms_the_index_before_serving(app, make_claim,
                                                                                  monkeypatch) -> None:
    """Before its first request a web process holds its database connections open (PostgreSQL)
    and has looked up what is like its newest claims (the index's caches are read once there,
    not by each of the first requests)."""
    from types import SimpleNamespace

    from factcheck import db, gunicorn_config
    from factcheck.search.engine import SearchIndex

    texts = [f"warm rumour number {n} about the flooded bridge" for n in range(3)]
    for text_ in texts:
        make_claim(text_)
    looked_up: list[str] = []
    similar = SearchIndex.similar

    def counted(index: SearchIndex, text_: str, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(text_)
        return similar(index, text_, *args, **kwargs)

    monkeypatch.setattr(SearchIndex, "similar", counted)
    engine = db.database_of(app).engine
    engine.dispose()
    gunicorn_config.post_worker_init(SimpleNamespace(wsgi=app))
    assert sorted(looked_up) == sorted(texts)
    if engine.dialect.name == "postgresql":
        assert engine.pool.checkedin() == db.POOL_SIZE
