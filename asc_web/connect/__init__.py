"""Connect store: SP-API website authorization, its callback and the live store card."""

from flask import Blueprint, Flask

bp = Blueprint("connect", __name__)


def init_app(app: Flask) -> None:
    """Register the ``connections`` CLI."""
    from .cli import connections

    app.cli.add_command(connections)


from . import (  # noqa: E402, F401  (routes attach themselves to ``bp``)
    routes_authorize,
    routes_check_runs,
    routes_errors,
    routes_login,
    routes_sharing,
)
