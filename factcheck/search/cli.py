"""``factcheck reindex`` and ``factcheck search``."""

from __future__ import annotations

import re

import click
from flask.cli import with_appcontext

from factcheck import db
from factcheck.config import current_config
from factcheck.search.documents import document_count
from factcheck.search.engine import Viewer
from factcheck.search.service import ReindexRunning, get_index
from factcheck.search.service import reindex as rebuild


@click.command("reindex")
@click.option("--procs", default=1, show_default=True, type=click.IntRange(1, 16),
              help="indexing processes (about 1,700 documents a second with 2 on two cores)")
@with_appcontext
def reindex(procs: int) -> None:
    """Rebuild the search index from the database (aside, then swapped in: search stays up)."""
    expected = document_count()
    with click.progressbar(length=expected, label="Indexing", show_pos=True) as bar:
        done = [0]

        def progress(count: int) -> None:
            bar.update(count - done[0])
            done[0] = count

        try:
            total = rebuild(progress, procs=procs)
        except ReindexRunning as exc:
            raise click.ClickException(f"{exc}: not starting a second one (the index stays as it is)") from None
    db.rollback()
    click.echo(f"Indexed {total} documents into {current_config().index_dir}")


@click.command("search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@with_appcontext
def search(query: str, limit: int) -> None:
    """Search everything (as staff) and print the best results."""
    found = get_index().search(query, viewer=Viewer("staff"), per_page=limit)
    db.rollback()
    click.echo(f"{found.total} results")
    for hit in found.results:
        snippet = re.sub(r"</?mark>", "*", hit.snippet)
        click.echo(f"{hit.kind}:{hit.id}  {hit.title or ''}".rstrip())
        click.echo(f"    {snippet[:200]}")


def register(cli: click.Group) -> None:
    """Add the search commands to ``factcheck``."""
    cli.add_command(reindex)
    cli.add_command(search)
