"""``flask --app asc_web users ...`` commands."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import ROLES
from . import events, services

users = AppGroup("users", help="Manage the people who can sign in.")


@users.command("create")
@click.option("--email", required=True, help="The user's email address.")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--password", help="The password; read from standard input when omitted.")
def create(email: str, role: str, password: str | None) -> None:
    """Create a user with EMAIL and ROLE."""
    if password is None:
        password = _read_password()
    try:
        user = services.create_user(email, password, role)
    except services.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    events.record("user.created", user, by="cli", role=user.role)
    click.echo(f"Created {user.role} {user.email}.")


def _read_password() -> str:
    """Prompt twice on a terminal; read one line from a pipe."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException("No password given: pass --password or pipe it on stdin.")
    return line
