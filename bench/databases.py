"""Databases: a fresh one per data set (SQLite file or own PostgreSQL database), migrated."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, make_url, text

from . import ROOT
from .settings import Settings


@contextlib.contextmanager
def temporary(label: str, server_url: str | None) -> Iterator[str | None]:
    """Yield a database URL for ``label`` (None means the app's default SQLite file).

    With ``server_url`` (PostgreSQL), a database named after this run is created next to
    the one the URL names and dropped afterwards; the named database is never touched.
    """
    if not server_url:
        yield None  # the app puts asc_web.sqlite3 in the instance folder, removed with it
        return
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default).")
    name = f"asc_bench_{os.getpid()}_{label}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def describe(url: str | None) -> str:
    """The backend's name for the report, without credentials."""
    return "sqlite" if not url else make_url(url).get_backend_name()


def migrate(settings: Settings) -> None:
    """Apply the real migrations with ``flask db upgrade``, as an operator would."""
    command = [sys.executable, "-m", "flask", "--app", "asc_web", "db", "upgrade"]
    # Fixed argv, our own interpreter: no shell, no user input.
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=settings.env(), capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{done.stderr[-2000:]}")


def analyze(engine) -> None:
    """Fresh planner statistics after a bulk build, as the database itself would keep them.

    PostgreSQL: ``VACUUM ANALYZE``, what autovacuum does soon after such a load: statistics
    (until then the planner works from default guesses for the freshly filled tables) and
    the visibility map (until then no index-only scan: counting 100,000 stores took 34 ms by
    reading the table, 13 ms from an index after it); about 1 s at 100,000 stores. VACUUM
    cannot run in a transaction: call this once the build is committed.
    SQLite: nothing. ASC Web never runs ``ANALYZE`` nor ``PRAGMA optimize``, so a merchant's
    SQLite database has no statistics (no ``sqlite_stat1``), and the bench measures what a
    merchant gets. Revisit this if the app starts running either.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def count_stores(settings: Settings) -> int:
    """How many stores the install has now (to count what the add-store load created)."""
    url = settings.database_url or f"sqlite:///{settings.instance / 'asc_web.sqlite3'}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM stores")).scalar_one()
    finally:
        engine.dispose()
