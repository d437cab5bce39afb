"""The ``factcheck`` command (SPEC §6): a Click group on Flask's CLI.

Each command is an edge like a request: it calls operations and commits once at its end.
"""

from __future__ import annotations

import secrets
import signal
import sys
import time
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import func, select

from factcheck import db
from factcheck.accounts.models import Role, User
from factcheck.errors import WorkbenchError


def main() -> None:
    """Entry point of the ``factcheck`` console script."""
    from factcheck import create_app

    group = FlaskGroup(name="factcheck", create_app=lambda: create_app(), add_version_option=False,
                       help="Factcheck Workbench: file, archive, review and publish fact-checks.")
    group.main(prog_name="factcheck")


def _fail(error: WorkbenchError) -> None:
    fields = getattr(error, "fields", None)
    raise click.ClickException("; ".join(f"{k}: {v}" for k, v in fields.items()) if fields else error.message)


def register_commands(app: Flask) -> None:
    """Add the workbench's commands to ``app.cli``."""
    cli = app.cli

    @cli.command("init-db")
    def init_db() -> None:
        """Create the instance folders and upgrade the database to the latest migration."""
        from factcheck.migrate import upgrade

        config = current_app.config["FACTCHECK"]
        for folder in (config.instance_dir, config.archive_dir):
            folder.mkdir(parents=True, exist_ok=True)
        upgrade(config.database_url)
        click.echo(f"Database ready: {_redact(config.database_url)}")

    @cli.command("db-revision")
    @click.option("-m", "--message", required=True)
    def db_revision(message: str) -> None:
        """Write a new migration from the difference between the models and the database."""
        from alembic import command

        from factcheck.migrate import alembic_config

        command.revision(alembic_config(current_app.config["FACTCHECK"].database_url), message,
                         autogenerate=True)

    _register_backup(cli)

    @cli.command("reindex")
    @click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 16),
                  help="indexing processes (about 1,700 documents a second with 2 on two cores)")
    def reindex(procs: int) -> None:
        """Rebuild the search index from the database (aside, then swapped in: search stays up)."""
        from factcheck.search.documents import document_count
        from factcheck.search.service import reindex as rebuild

        expected = document_count()
        config = current_app.config["FACTCHECK"]
        with current_app.test_request_context(base_url=config.public_url), \
                click.progressbar(length=expected, label="Indexing", show_pos=True) as bar:
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            total = rebuild(progress, procs=procs)
        db.rollback()
        click.echo(f"Indexed {total} documents into {config.index_dir}")

    @cli.command("search")
    @click.argument("query")
    @click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
    def search(query: str, limit: int) -> None:
        """Search everything (as staff) and print the best results."""
        import re

        from factcheck.search.engine import Viewer
        from factcheck.search.service import get_index

        found = get_index().search(query, viewer=Viewer("staff"), per_page=limit)
        db.rollback()
        click.echo(f"{found.total} results")
        for hit in found.results:
            snippet = re.sub(r"</?mark>", "*", hit.snippet)
            click.echo(f"{hit.kind}:{hit.id}  {hit.title or ''}".rstrip())
            click.echo(f"    {snippet[:200]}")

    @cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--name", default="", help="the name shown in histories")
    @click.option("--password-stdin", is_flag=True, help="read the password from standard input")
    def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
        """Create an account. Without --password-stdin a one-time password is printed."""
        from factcheck.accounts.operations import create_user as create

        one_time = not password_stdin
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else secrets.token_urlsafe(12)
        try:
            user = create(email, role, password, name=name, must_change_password=one_time)
        except WorkbenchError as exc:
            _fail(exc)
        db.commit()
        click.echo(f"Created {user.role} {user.email} (user {user.id}).")
        if one_time:
            click.echo(f"One-time password (change it at first login): {password}")

    @cli.command("create-admin")
    @click.option("--email", default="admin@localhost", show_default=True)
    def create_admin(email: str) -> None:
        """Create the first staff account, unless a staff account exists; print its one-time password."""
        from factcheck.accounts.operations import create_user as create

        staff = db.session().scalar(select(func.count()).select_from(User).where(User.role == Role.STAFF.value))
        if staff:
            click.echo("A staff account exists already; no admin created.")
            return
        password = secrets.token_urlsafe(12)
        create(email, Role.STAFF.value, password, name="Admin", must_change_password=True)
        db.commit()
        click.echo("=" * 64)
        click.echo(f"  Admin account: {email}")
        click.echo(f"  One-time password: {password}")
        click.echo("  (shown only now; you choose your own at first login)")
        click.echo("=" * 64)

    @cli.command("create-token")
    @click.argument("email")
    @click.option("--label", default="command line", show_default=True)
    def create_token(email: str, label: str) -> None:
        """Create an API token for EMAIL; the token alone is printed on the last line."""
        from factcheck.accounts.operations import create_token as create
        from factcheck.accounts.operations import find_user_by_email

        user = find_user_by_email(email)
        if user is None or not user.active:
            raise click.ClickException(f"no active user {email}")
        _row, token = create(user, label)
        db.commit()
        click.echo(f"API token for {user.email} (send it as Authorization: Bearer <token>):", err=True)
        click.echo(token)

    @cli.command("serve")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
    @click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
    @click.option("--workers", default=3, show_default=True, type=click.IntRange(0, 32),
                  help="in-process job workers (0: leave jobs to `factcheck worker`)")
    def serve(host: str, port: int, threads: int, workers: int) -> None:
        """Serve the workbench with waitress and run the job worker in the same process."""
        import waitress

        from factcheck.jobs import BackgroundWorker, get_queue

        app: Any = current_app._get_current_object()  # type: ignore[attr-defined]
        signal.signal(signal.SIGTERM, _exit_on_signal)
        worker = BackgroundWorker(get_queue(), workers) if workers else None
        if worker is not None:
            _recover_jobs()
            worker.start()
        click.echo(f"Factcheck Workbench on http://{host}:{port}/ (Ctrl+C stops it)")
        try:
            waitress.serve(app, host=host, port=port, threads=threads, ident="factcheck")
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.stop()
            click.echo("Stopped.")

    @cli.command("worker")
    @click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
    def worker(workers: int) -> None:
        """Run job workers only (scale-out: any number of these, on any host)."""
        from factcheck.jobs import get_queue

        _recover_jobs()
        consumer = get_queue().consumer(workers)
        consumer.run()

    @cli.command("archive")
    @click.argument("url")
    def archive(url: str) -> None:
        """Capture URL now and print the snapshot as JSON (exit 1 when the capture failed)."""
        import json

        from factcheck.archive.capture import capture, request_capture
        from factcheck.archive.fetch import FetchPolicy
        from factcheck.archive.models import Snapshot, State
        from factcheck.archive.operations import snapshot_as_dict
        from factcheck.claims.urls import InvalidURL, normalise_url

        try:
            normalised = normalise_url(url)
        except InvalidURL as exc:
            raise click.ClickException(f"{url}: {exc}") from None
        config = current_app.config["FACTCHECK"]
        with current_app.test_request_context(base_url=config.public_url):
            snapshot_id = request_capture(normalised).id
            db.commit()  # the queued job finds it done and leaves it alone
            policy = FetchPolicy.from_config(config)
            while True:
                capture(snapshot_id, policy, current_app.extensions["factcheck.archive"])
                snapshot = db.session().get(Snapshot, snapshot_id)
                db.session().refresh(snapshot)
                if snapshot.state != State.PENDING:
                    break
                wait = (snapshot.lease_until - db.utcnow()).total_seconds() if snapshot.lease_until else 0
                db.rollback()
                time.sleep(max(0.0, wait))  # a transient failure: wait for the retry's due time
            click.echo(json.dumps(snapshot_as_dict(snapshot, detail=True), ensure_ascii=False, indent=2))
        sys.exit(0 if snapshot.state == State.ARCHIVED else 1)


def _register_backup(cli: Any) -> None:
    @cli.command("export")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    def export(directory: Path) -> None:
        """Write a complete, restorable backup into DIRECTORY (rows as JSON Lines, archive files)."""
        from factcheck.backup import BackupError, export_backup

        try:
            manifest = export_backup(db.session(), current_app.config["FACTCHECK"].archive_dir, directory)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        db.rollback()
        click.echo(f"Exported {sum(manifest['rows'].values())} rows and {manifest['files']} files to {directory}")

    @cli.command("import")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def import_(directory: Path) -> None:
        """Restore a backup from DIRECTORY into this (empty, initialised) instance."""
        from factcheck.backup import BackupError, import_backup

        try:
            manifest = import_backup(db.session(), current_app.config["FACTCHECK"].archive_dir, directory)
        except BackupError as exc:
            db.rollback()
            raise click.ClickException(str(exc)) from None
        db.commit()
        click.echo(f"Imported {sum(manifest['rows'].values())} rows and {manifest['files']} files from {directory}")


def _recover_jobs() -> None:
    """Queue again the work a dead worker left half-done (captures still pending)."""
    from factcheck.archive.tasks import requeue_stalled
    from factcheck.jobs import get_queue

    count = requeue_stalled(get_queue(), grace=0)
    db.commit()
    if count:
        click.echo(f"Requeued {count} unfinished captures.")


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user}:***@{host}"
