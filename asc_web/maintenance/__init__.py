"""Operations commands: ``flask --app asc_web backup PATH`` and ``keys generate|rotate``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the maintenance commands."""
    from .backup import backup
    from .keys import keys

    app.cli.add_command(backup)
    app.cli.add_command(keys)
