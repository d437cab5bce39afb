"""The ``factcheck`` command (SPEC §6): a Click group on Flask's CLI.

The app-wide commands live here (init-db, db-revision, serve, worker); each feature adds its own
(create-user, archive, reindex, export, …) in its ``cli.register``, called by ``create_app``.
Each command is an edge like a request: it calls operations and commits once at its end.
"""

from __future__ import annotations

import signal
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from factcheck import db
from factcheck.background import run_process_in_background
from factcheck.config import current_config
from factcheck.jobs import BackgroundWorker, QueueWatch, get_queue
from factcheck.search.service import warm_up
from factcheck.web import hand_over_often


def main() -> None:
    """Entry point of the ``factcheck`` console script."""
    from factcheck import create_app

    group = FlaskGroup(name="factcheck", create_app=lambda: create_app(), add_version_option=False,
                       help="Factcheck Workbench: file, archive, review and publish fact-checks.")
    group.main(prog_name="factcheck")


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the instance folders and upgrade the database to the latest migration."""
    from factcheck.migrate import upgrade

    config = current_config()
    for folder in (config.instance_dir, config.archive_dir):
        folder.mkdir(parents=True, exist_ok=True)
    upgrade(config.database_url)
    click.echo(f"Database ready: {_redact(config.database_url)}")


@click.command("db-revision")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from factcheck.migrate import alembic_config

    command.revision(alembic_config(current_config().database_url), message, autogenerate=True)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option("--workers", default=3, show_default=True, type=click.IntRange(0, 32),
              help="in-process job workers (0: leave jobs to `factcheck worker`)")
@with_appcontext
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Serve the workbench with waitress and run the job worker in the same process."""
    import waitress

    # The app itself, not the proxy: waitress calls it from its own threads. (Werkzeug documents
    # _get_current_object as the way; mypy does not see it on the proxy's type.)
    app: Any = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001
    signal.signal(signal.SIGTERM, _exit_on_signal)
    hand_over_often()  # the web's threads and the jobs' share one interpreter
    warm_up()  # the index's caches, read once before the first requests
    worker = BackgroundWorker(get_queue(), workers) if workers else None
    if worker is not None:
        _recover_jobs()
        worker.start()
    click.echo(f"Factcheck Workbench on http://{host}:{port}/ (Ctrl+C stops it)")
    public = current_config().public_url
    if public.rstrip("/") != f"http://{host}:{port}" and host in ("127.0.0.1", "localhost"):
        click.echo(f"Warning: FACTCHECK_PUBLIC_URL is {public}: feeds, JSON-LD and share links point there, "
                   f"not at http://{host}:{port}/", err=True)
    try:
        # poll(), not select(): select() fails once the process holds a descriptor above 1023.
        waitress.serve(app, host=host, port=port, threads=threads, ident="factcheck", asyncore_use_poll=True)
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.stop()
        click.echo("Stopped.")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def worker(workers: int) -> None:
    """Run job workers only (scale-out: any number of these, on any host)."""
    run_process_in_background()
    _recover_jobs()
    watch = QueueWatch(get_queue())
    watch.start()
    try:
        get_queue().consumer(workers).run()
    finally:
        watch.stop()


def register(cli: click.Group) -> None:
    """Add the app-wide commands to ``factcheck``."""
    for command in (init_db, db_revision, serve, worker):
        cli.add_command(command)


def _recover_jobs() -> None:
    """Queue again the work a dead worker left half-done (each feature says what that is)."""
    count = get_queue().recover()
    db.commit()
    if count:
        click.echo(f"Requeued {count} unfinished jobs.")


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
