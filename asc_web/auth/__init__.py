"""Accounts: first-admin set-up, sign in and out, sessions, roles, the ``users`` CLI."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    """Wire the login wall, the user loader and the CLI into ``app``."""
    from . import cli, wall

    wall.init_app(app)
    app.cli.add_command(cli.users)


from . import routes_account, routes_sign_in, routes_users  # noqa: E402, F401  (routes attach to ``bp``)
