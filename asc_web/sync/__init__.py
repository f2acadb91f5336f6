"""Each connected store's Amazon data (daily sales, orders, listings), kept in sync by the
worker: ``services`` runs a store's sync, ``schedule`` says when one is due."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``sync`` CLI."""
    from .cli import sync

    app.cli.add_command(sync)
