"""Operations commands: ``flask --app asc_web backup PATH``, ``keys generate|rotate`` and
``history prune``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the maintenance commands."""
    from .backup import backup
    from .history import history_cli
    from .keys import keys

    app.cli.add_command(backup)
    app.cli.add_command(keys)
    app.cli.add_command(history_cli)
