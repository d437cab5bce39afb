"""``factcheck create-user``, ``create-admin`` and ``create-token``."""

from __future__ import annotations

import secrets
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from factcheck import db
from factcheck.accounts import operations
from factcheck.accounts.models import Role, User
from factcheck.cli_support import fail


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", default="", help="the display name others see")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@with_appcontext
def create_user(email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create an account. Without --password-stdin a one-time password is printed."""
    one_time = not password_stdin
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else secrets.token_urlsafe(12)
    user = fail(lambda: operations.create_user(email, role, password, name=name, must_change_password=one_time))
    db.commit()
    click.echo(f"Created {user.role} {user.email} (user {user.id}).")
    if one_time:
        click.echo(f"One-time password (change it at first login): {password}")


@click.command("create-admin")
@click.option("--email", default="admin@localhost", show_default=True)
@with_appcontext
def create_admin(email: str) -> None:
    """Create the first staff account, unless a staff account exists; print its one-time password."""
    staff = db.session().scalar(select(func.count()).select_from(User).where(User.role == Role.STAFF.value))
    if staff:
        click.echo("A staff account exists already; no admin created.")
        return
    password = secrets.token_urlsafe(12)
    operations.create_user(email, Role.STAFF.value, password, name="Admin", must_change_password=True)
    db.commit()
    click.echo("=" * 64)
    click.echo(f"  Admin account: {email}")
    click.echo(f"  One-time password: {password}")
    click.echo("  (shown only now; you choose your own at first login)")
    click.echo("=" * 64)


@click.command("create-token")
@click.argument("email")
@click.option("--label", default="command line", show_default=True)
@with_appcontext
def create_token(email: str, label: str) -> None:
    """Create an API token for EMAIL; the token alone is printed on the last line."""
    user = operations.find_user_by_email(email)
    if user is None or not user.active or user.is_system:
        raise click.ClickException(f"no active user {email}")
    _row, token = fail(lambda: operations.create_token(user, label))
    db.commit()
    click.echo(f"API token for {user.email} (send it as Authorization: Bearer <token>):", err=True)
    click.echo(token)


def register(cli: click.Group) -> None:
    """Add the accounts' commands to ``factcheck``."""
    for command in (create_user, create_admin, create_token):
        cli.add_command(command)
