"""``factcheck archive URL``: capture a page now and print its snapshot."""

from __future__ import annotations

import json
import sys
import time

import click
from flask.cli import with_appcontext

from factcheck import db
from factcheck.archive.capture import capture, request_capture, storage_failure
from factcheck.archive.fetch import FetchPolicy
from factcheck.archive.models import Snapshot, State
from factcheck.archive.serialise import snapshot_as_dict
from factcheck.archive.store import current_archive
from factcheck.claims.links import InvalidURL, normalise_url
from factcheck.config import current_config


@click.command("archive")
@click.argument("url")
@with_appcontext
def archive(url: str) -> None:
    """Capture URL now and print the snapshot as JSON (exit 1 when the capture failed, or could
    not be stored: then it stays pending and the worker tries again later)."""
    try:
        normalised = normalise_url(url)
    except InvalidURL as exc:
        raise click.ClickException(f"{url}: {exc}") from None
    snapshot_id = request_capture(normalised).id
    db.commit()  # the queued job finds it done and leaves it alone
    policy = FetchPolicy.from_config(current_config())
    while True:
        capture(snapshot_id, policy, current_archive())
        snapshot = db.session().get(Snapshot, snapshot_id)
        if snapshot is None:
            raise click.ClickException(f"snapshot {snapshot_id} vanished")
        db.session().refresh(snapshot)
        if snapshot.state != State.PENDING:
            break
        if storage_failure(snapshot):  # no room to store it: the worker retries later, not this command
            click.echo(f"could not store the capture ({snapshot.error_message}); a worker retries it later",
                       err=True)
            break
        wait = (snapshot.lease_until - db.utcnow()).total_seconds() if snapshot.lease_until else 0
        db.rollback()
        time.sleep(max(0.0, wait))  # a transient failure: wait for the retry's due time
    click.echo(json.dumps(snapshot_as_dict(snapshot, detail=True), ensure_ascii=False, indent=2))
    sys.exit(0 if snapshot.state == State.ARCHIVED else 1)


def register(cli: click.Group) -> None:
    """Add the archive's command to ``factcheck``."""
    cli.add_command(archive)
