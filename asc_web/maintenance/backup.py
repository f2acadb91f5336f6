"""``flask --app asc_web backup PATH``: a consistent copy of the SQLite database."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

PG_ADVICE = (
    "This install uses {backend}: back it up with the database's own tool, for example\n"
    "  pg_dump --format=custom --file=asc_web.dump DATABASE_URL\n"
    "and restore with pg_restore (see docs/operations.md)."
)


def sqlite_path(uri: str) -> Path | None:
    """The file of a SQLite database URL; ``None`` for other databases or memory."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def copy_database(source: Path, target: Path) -> int:
    """Copy ``source`` to ``target`` with SQLite's online backup; return the page count.

    Safe while the app runs: the backup API copies a consistent snapshot, including what
    is still in the write-ahead log. ``target`` is created with mode 0600 (it holds
    password hashes and encrypted tokens).
    """
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=rw", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if ok != "ok":
        raise click.ClickException(f"The copy failed its integrity check: {ok}")
    return pages


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH (a new file)."""
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    source = sqlite_path(uri)
    if source is None:
        click.echo(PG_ADVICE.format(backend=make_url(uri).get_backend_name()), err=True)
        sys.exit(2)
    if not source.exists():
        raise click.ClickException(f"The database file {source} does not exist.")
    if path.exists():
        raise click.ClickException(f"{path} already exists; choose a new file name.")
    pages = copy_database(source, path)
    click.echo(f"Backed up {source} to {path} ({pages} pages, integrity ok).")
