"""``factcheck export DIR`` and ``factcheck import DIR``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from factcheck import db
from factcheck.backup import BackupError, export_backup, restoring
from factcheck.config import current_config


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export(directory: Path) -> None:
    """Write a complete, restorable backup into DIRECTORY (rows as JSON Lines, archive files)."""
    try:
        manifest = export_backup(db.session(), current_config().archive_dir, directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    db.rollback()
    click.echo(f"Exported {sum(manifest['rows'].values())} rows and {manifest['files']} files to {directory}")


@click.command("import")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def import_(directory: Path) -> None:
    """Restore a backup from DIRECTORY into this (empty, initialised) instance.

    The whole backup is checked before anything is written; a backup that fails a check is
    refused with the file, line and problem, and leaves the database and archive untouched.
    """
    try:
        with restoring(db.session(), current_config().archive_dir, directory) as manifest:
            db.commit()
    except BackupError as exc:
        db.rollback()
        raise click.ClickException(f"backup refused: {exc}") from None
    click.echo(f"Imported {sum(manifest['rows'].values())} rows and {manifest['files']} files from {directory}")
    click.echo("Run `factcheck reindex` to rebuild the search index.")


def register(cli: click.Group) -> None:
    """Add the backup commands to ``factcheck``."""
    cli.add_command(export)
    cli.add_command(import_)
