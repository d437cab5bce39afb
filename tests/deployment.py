"""Both deployments of SPEC §7, started for real from the commands the README documents.

- *embedded*: SQLite, the SQLite job queue and the index under one instance folder, served by
  ``factcheck serve`` (waitress with the job worker in the same process);
- *scale-out*: PostgreSQL, Redis, the web app under gunicorn with several processes and two
  ``factcheck worker`` processes, all sharing the archive and index folders.

The PostgreSQL and Redis servers are private ones (:class:`PrivatePostgres`, :class:`PrivateRedis`)
on free loopback ports, so a test may stop and start them without disturbing anyone else.
Used by the deployment tests and by ``bench/load.py``.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
FACTCHECK = str(BIN / "factcheck")
GUNICORN = str(BIN / "gunicorn")
POSTGRES_BIN = Path(os.environ.get("FACTCHECK_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1, what: str = "") -> Any:
    """Poll ``predicate`` until it returns something true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # noqa: BLE001 - not ready yet
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def missing_services() -> str | None:
    """Why the scale-out deployment cannot be started here, or None."""
    if not (POSTGRES_BIN / "initdb").exists() or not (POSTGRES_BIN / "pg_ctl").exists():
        return f"PostgreSQL server binaries are absent from {POSTGRES_BIN} (set FACTCHECK_TEST_POSTGRES_BIN)"
    if shutil.which("redis-server") is None:
        return "redis-server is not installed"
    if not Path(GUNICORN).exists():
        return f"gunicorn is not installed beside {sys.executable}"
    return None


class PrivatePostgres:
    """A PostgreSQL cluster of our own in ``folder`` on a free port: stop and start it at will."""

    def __init__(self) -> None:
        # Its own folder in the system's temporary folder, which the postgres user can reach.
        self.folder = Path(tempfile.mkdtemp(prefix="factcheck-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        # PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
        self.as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self.as_user, *args], check=False, capture_output=True, text=True, timeout=60)
        if check and done.returncode:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}")
        return done

    def init(self) -> PrivatePostgres:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(self.folder, "postgres")
            self.folder.chmod(0o700)
        self._run(str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8")
        return self

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
                   "-c max_connections=200 -c shared_buffers=64MB")
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "log"), "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop",
                  check=False)

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """A Redis server of our own on a free port, keeping nothing on disk (``--save ''``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), 10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


class PageServer:
    """A loopback web server with one small page per path ``/page/<n>``, as linked by claims;
    ``/slow/<n>`` sends the same page a few bytes at a time, over ``slow_seconds``."""

    def __init__(self, slow_seconds: float = 6.0) -> None:
        self.hits = 0
        self.slow_seconds = slow_seconds

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(handler) -> None:  # noqa: N802, N805 - the standard library's names
                self.hits += 1
                name = handler.path.rsplit("/", 1)[-1]
                body = (f"<html><head><title>Story {name}</title></head><body><article><h1>Story {name}</h1>"
                        f"<p>{'A viral story that travels fast. ' * 30}</p></article></body></html>").encode()
                handler.send_response(200)
                handler.send_header("Content-Type", "text/html; charset=utf-8")
                handler.send_header("Content-Length", str(len(body)))
                handler.end_headers()
                if not handler.path.startswith("/slow/"):
                    handler.wfile.write(body)
                    return
                pieces = 30
                step = len(body) // pieces + 1
                for start in range(0, len(body), step):
                    try:
                        handler.wfile.write(body[start:start + step])
                        handler.wfile.flush()
                    except OSError:
                        return
                    time.sleep(self.slow_seconds / pieces)

            def log_message(handler, *_args: object) -> None:  # noqa: N805
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def allow_entry(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, name: str, *, slow: bool = False) -> str:
        return f"http://127.0.0.1:{self.port}/{'slow' if slow else 'page'}/{name}"

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Deployment:
    """A running deployment: its web address, an API token, and its processes."""

    kind: str  # "embedded" or "scale-out"
    folder: Path
    env: dict[str, str]
    port: int
    token: str = ""
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    postgres: PrivatePostgres | None = None
    redis: PrivateRedis | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args: str, stdin: str | None = None) -> str:
        """Run ``factcheck ARGS`` against this deployment; return its output."""
        done = subprocess.run([FACTCHECK, *args], env=self.env, input=stdin, capture_output=True, text=True,
                              timeout=120)
        if done.returncode:
            raise RuntimeError(f"factcheck {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def commands(self, *commands: Sequence[str], stdin: str = "") -> list[str]:
        """Run several ``factcheck`` commands in turn in one Python process (the app starts in
        seconds, so a test saves the repeats); return the output of each."""
        done = subprocess.run([sys.executable, "-c", _RUN_COMMANDS, json.dumps([list(c) for c in commands])],
                              env=self.env, input=stdin, capture_output=True, text=True, timeout=180)
        if done.returncode:
            raise RuntimeError(f"factcheck {commands} failed: {done.stdout}{done.stderr}")
        return done.stdout.split(_COMMAND_END)[:-1]

    def _spawn(self, args: Sequence[str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.folder / log_name).open("ab") as log:
            return subprocess.Popen(list(args), env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)

    def start_web(self, processes: int = 3, threads: int = 8) -> None:
        if self.kind == "embedded":
            self.web = self._spawn([FACTCHECK, "serve", "--port", str(self.port), "--threads", str(threads)],
                                   "web.log")
        else:
            self.web = self._spawn([GUNICORN, "--config", "python:factcheck.gunicorn_config",
                                    "--workers", str(processes), "--threads", str(threads),
                                    "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "--preload",
                                    "--keep-alive", "30",
                                    "factcheck:create_app()"], "web.log")
        self.wait_until_healthy()

    def wait_until_healthy(self, timeout: float = 60.0) -> None:
        """Wait until the web answers /healthz with 200 (database and queue reachable)."""
        def healthy() -> bool:
            with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as answer:  # noqa: S310 - loopback
                return bool(answer.status == 200)

        wait_for(healthy, timeout, 0.2, what=f"the web server ({self.log('web.log')[-2000:]})")

    def start_worker(self, threads: int = 2) -> subprocess.Popen[bytes]:
        process = self._spawn([FACTCHECK, "worker", "--workers", str(threads)], f"worker{len(self.workers)}.log")
        self.workers.append(process)
        return process

    def log(self, name: str) -> str:
        path = self.folder / name
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
                         for path in sorted(self.folder.glob("*.log")))

    def stop(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, self.web]:
            if process is None:
                continue
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.workers.clear()
        self.web = None


_COMMAND_END = "\n--- factcheck command done ---\n"
_RUN_COMMANDS = f"""
import json, sys
from flask.cli import FlaskGroup
from factcheck import create_app
group = FlaskGroup(name="factcheck", create_app=lambda: create_app(), add_version_option=False)
def seed(count, email, texts_file):
    # Claims as a busy desk has them, written straight into the database (no captures).
    import random
    from sqlalchemy import insert, select
    from factcheck import db
    from factcheck.accounts.models import User
    from factcheck.claims.models import Claim
    words = ("vaccine bridge minister election rally flood video photo hospital train border police "
             "farmers protest scheme ration water army doctor school मोदी सरकार कांग्रेस चुनाव वायरल "
             "वीडियो फोटो किसान अस्पताल पुलिस मजबूत सच झूठ").split()
    chance = random.Random(7)
    texts = json.load(open(texts_file, encoding="utf-8")) if texts_file else []
    app = create_app()
    with app.app_context():
        user_id = db.session().scalar(select(User.id).where(User.email == email))
        for start in range(0, count, 1000):
            rows = [dict(text=texts[(start + i) % len(texts)] if texts else
                         " ".join(chance.choice(words) for _ in range(chance.randint(8, 40))),
                         platform="whatsapp", status="submitted", submitted_by_id=user_id)
                    for i in range(min(1000, count - start))]
            db.session().execute(insert(Claim), rows)
            db.commit()


for command in json.loads(sys.argv[1]):
    try:
        if command[0] == "seed-claims":
            seed(int(command[1]), command[2], command[3])
        else:
            group.main(command, prog_name="factcheck", standalone_mode=False)
    finally:
        sys.stdout.write({_COMMAND_END!r})
        sys.stdout.flush()
"""  # noqa: S608 - a program the tests run, not SQL


def _base_env(folder: Path, page_server: PageServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTCHECK_")}
    env.update({
        "FACTCHECK_INSTANCE_DIR": str(folder / "instance"),
        "FACTCHECK_SECRET_KEY": "deployment-test",
        "FACTCHECK_FETCH_TIMEOUT": "20",
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]),
    })
    if page_server is not None:
        env["FACTCHECK_FETCH_ALLOW"] = page_server.allow_entry
    return env


def _prepare(deployment: Deployment, email: str, seed_claims: int = 0, seed_texts: Sequence[str] = ()) -> None:
    """What the README says to do once: initialise the database and the index, add a person, give
    them a token (with ``seed_claims``, that many claims, of ``seed_texts`` if given, are there
    before the index is built)."""
    texts_file = ""
    if seed_texts:
        texts_file = str(deployment.folder / "seed-texts.json")
        Path(texts_file).write_text(json.dumps(list(seed_texts)), encoding="utf-8")
    _, _, token, *_ = deployment.commands(
        ["init-db"], ["create-user", email, "--role", "volunteer", "--password-stdin"], ["create-token", email],
        *([["seed-claims", str(seed_claims), email, texts_file]] if seed_claims else []), ["reindex"],
        stdin="a long enough password 1\n")
    deployment.token = token.strip().splitlines()[-1].strip()


@contextmanager
def embedded(folder: Path, page_server: PageServer | None = None, *, email: str = "desk@example.org",
             worker_threads: int = 3, threads: int = 8, seed_claims: int = 0,
             seed_texts: Sequence[str] = ()) -> Iterator[Deployment]:
    """The one-machine deployment: ``factcheck serve`` on SQLite with its in-process worker."""
    folder.mkdir(parents=True, exist_ok=True)
    env = _base_env(folder, page_server)
    deployment = Deployment("embedded", folder, env, free_port())
    env["FACTCHECK_PUBLIC_URL"] = deployment.base_url
    _prepare(deployment, email, seed_claims, seed_texts)
    deployment.web = deployment._spawn(  # noqa: SLF001
        [FACTCHECK, "serve", "--port", str(deployment.port), "--threads", str(threads),
         "--workers", str(worker_threads)], "web.log")
    try:
        deployment.wait_until_healthy()
        yield deployment
    finally:
        deployment.stop()


@contextmanager
def scale_out(folder: Path, page_server: PageServer | None = None, *, email: str = "desk@example.org",
              web_processes: int = 3, web_threads: int = 8, workers: int = 2,
              worker_threads: int = 2, seed_claims: int = 0, seed_texts: Sequence[str] = ()) -> Iterator[Deployment]:
    """PostgreSQL + Redis (private ones), gunicorn with ``web_processes`` processes, and ``workers``
    ``factcheck worker`` processes, sharing one archive folder and one index folder."""
    reason = missing_services()
    if reason:
        raise RuntimeError(reason)
    folder.mkdir(parents=True, exist_ok=True)
    postgres = PrivatePostgres().init()
    redis = PrivateRedis(folder / "redis")
    postgres.start()
    redis.start()
    env = _base_env(folder, page_server)
    env.update({"FACTCHECK_DATABASE_URL": postgres.url, "FACTCHECK_QUEUE_URL": redis.url,
                "FACTCHECK_ARCHIVE_DIR": str(folder / "shared" / "archive"),
                "FACTCHECK_INDEX_DIR": str(folder / "shared" / "index")})
    deployment = Deployment("scale-out", folder, env, free_port(), postgres=postgres, redis=redis)
    env["FACTCHECK_PUBLIC_URL"] = deployment.base_url
    try:
        _prepare(deployment, email, seed_claims, seed_texts)
        for _ in range(workers):
            deployment.start_worker(worker_threads)
        deployment.start_web(web_processes, web_threads)
        yield deployment
    finally:
        deployment.stop()
        redis.stop()
        postgres.remove()
