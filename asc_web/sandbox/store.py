"""The sandbox's own SQLite state: schema, seeding, the sandbox clock and counters."""

from __future__ import annotations

import os
import secrets
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from flask import current_app, g
from werkzeug.security import generate_password_hash

from . import seeding, world

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applications (
    application_id TEXT PRIMARY KEY, name TEXT NOT NULL, client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL, is_draft INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sellers (
    seller_id TEXT PRIMARY KEY, region TEXT NOT NULL, store_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS participations (
    seller_id TEXT NOT NULL, marketplace_id TEXT NOT NULL, is_participating INTEGER NOT NULL,
    has_suspended_listings INTEGER NOT NULL, PRIMARY KEY (seller_id, marketplace_id));
CREATE TABLE IF NOT EXISTS users (
    email TEXT PRIMARY KEY, phone TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    seller_id TEXT NOT NULL, is_primary INTEGER NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    seller_id TEXT NOT NULL, expires_at REAL NOT NULL, used_at REAL);
CREATE TABLE IF NOT EXISTS authorizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seller_id TEXT NOT NULL, client_id TEXT NOT NULL,
    region TEXT NOT NULL, refresh_hash TEXT NOT NULL UNIQUE, authorized_at REAL NOT NULL,
    expires_at REAL NOT NULL, revoked_at REAL, replaced_at REAL);
CREATE TABLE IF NOT EXISTS access_tokens (
    token_hash TEXT PRIMARY KEY, authorization_id INTEGER NOT NULL, seller_id TEXT NOT NULL,
    region TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint TEXT NOT NULL, status INTEGER,
    error TEXT, delay_s REAL, remaining INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS amazon_states (
    state_hash TEXT PRIMARY KEY, binding_hash TEXT NOT NULL, seller_id TEXT NOT NULL,
    mp TEXT NOT NULL, application_id TEXT NOT NULL, expires_at REAL NOT NULL, used_at REAL);
CREATE TABLE IF NOT EXISTS buckets (
    seller_id TEXT NOT NULL, client_id TEXT NOT NULL, tokens REAL NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (seller_id, client_id));
CREATE TABLE IF NOT EXISTS op_buckets (
    name TEXT NOT NULL, seller_id TEXT NOT NULL, client_id TEXT NOT NULL, tokens REAL NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (name, seller_id, client_id));
CREATE TABLE IF NOT EXISTS ledger_orders (
    order_id TEXT PRIMARY KEY, seller_id TEXT NOT NULL, marketplace_id TEXT NOT NULL,
    purchase REAL NOT NULL, items TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
    business INTEGER NOT NULL, prime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, seller_id TEXT NOT NULL,
    marketplace_id TEXT NOT NULL, status TEXT NOT NULL, changed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT, seller_id TEXT NOT NULL, marketplace_id TEXT NOT NULL,
    sku TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, severity TEXT NOT NULL,
    categories TEXT NOT NULL, attribute_names TEXT NOT NULL, added_at REAL NOT NULL);
"""

# Everything except meta is world state; meta keeps the generated secrets across resets
# (reset removes only its clock offset, settings and history start).
STATE_TABLES = (
    "applications",
    "sellers",
    "participations",
    "users",
    "auth_codes",
    "authorizations",
    "access_tokens",
    "faults",
    "counters",
    "buckets",
    "amazon_states",
    "op_buckets",
    "ledger_orders",
    "ledger_changes",
    "ledger_issues",
)


def connect(path: str) -> sqlite3.Connection:
    """Open a connection in autocommit mode; transactions are explicit (BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a write transaction that takes the write lock up front, so readers never upgrade."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _enable_wal(conn: sqlite3.Connection, attempts: int = 50) -> None:
    """WAL mode unless already on; switching answers "locked" at once while another process
    opens the file (no busy timeout applies), so ask first and retry briefly."""
    for attempt in range(1, attempts + 1):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.1)


def init_db(path: str, clock_file: str | None = None) -> None:
    """Create the file, schema and seeded world unless present (safe across processes)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = connect(path)
    try:
        _enable_wal(conn)
        conn.executescript(SCHEMA)
        with transaction(conn):
            if meta(conn, "seeded") is None:
                _seed(conn)
            # Every start publishes the offset, so a missing or stale file is put right.
            write_clock_file(clock_file, clock_offset(conn))
    finally:
        conn.close()


def reset(conn: sqlite3.Connection, clock_file: str | None = None) -> None:
    """Wipe all world state, reseed it, restore default settings and real time."""
    with transaction(conn):
        for table in STATE_TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        conn.execute(
            "DELETE FROM meta"
            " WHERE key IN ('seeded', 'clock_offset_s', 'settings', 'history_start')"
        )
        _seed(conn)
        write_clock_file(clock_file, clock_offset(conn))


@cache
def _password_hash() -> str:
    """Hash the shared sandbox password once per process (cheap method: fake accounts)."""
    return generate_password_hash(world.PASSWORD, method="pbkdf2:sha256:50000")


def _seed(conn: sqlite3.Connection) -> None:
    """Insert the application, sellers, participations and users (inside a transaction)."""
    conn.execute(
        "INSERT OR REPLACE INTO applications VALUES (?, ?, ?, ?, 1)",
        (world.APPLICATION_ID, world.APPLICATION_NAME, world.CLIENT_ID, world.CLIENT_SECRET),
    )
    for seller in world.SELLERS:
        conn.execute(
            "INSERT OR REPLACE INTO sellers VALUES (?, ?, ?)",
            (seller.seller_id, seller.region, seller.store_name),
        )
        for marketplace_id, suspended in seller.marketplaces:
            conn.execute(
                "INSERT OR REPLACE INTO participations VALUES (?, ?, 1, ?)",
                (seller.seller_id, marketplace_id, int(suspended)),
            )
    for user in world.USERS:
        conn.execute(
            "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?)",
            (
                user.email,
                user.phone,
                user.name,
                user.seller_id,
                int(user.is_primary),
                _password_hash(),
            ),
        )
    set_meta(conn, "clock_offset_s", "0")
    # Seeded orders go back two years from the day of the (re)seed, then grow with the clock.
    set_meta(conn, "history_start", repr(seeding.history_start(time.time())))
    set_meta(conn, "seeded", "1")


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    """Return one meta value, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row["value"]


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Insert or replace one meta value."""
    conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))


def secret(path: str, key: str) -> str:
    """Return a random secret generated once and shared by every process using this file."""
    conn = connect(path)
    try:
        with transaction(conn):
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)", (key, secrets.token_urlsafe(32))
            )
            return meta(conn, key) or ""
    finally:
        conn.close()


def clock_offset(conn: sqlite3.Connection) -> float:
    """Return how many seconds the sandbox clock is ahead of real time."""
    return float(meta(conn, "clock_offset_s") or 0)


def now(conn: sqlite3.Connection) -> float:
    """Return the sandbox clock: real UTC epoch seconds plus the stored offset."""
    return time.time() + clock_offset(conn)


def advance_clock(conn: sqlite3.Connection, seconds: float, clock_file: str | None = None) -> float:
    """Move the sandbox clock forward (or back) and return the new offset."""
    with transaction(conn):
        offset = clock_offset(conn) + seconds
        set_meta(conn, "clock_offset_s", repr(offset))
        write_clock_file(clock_file, offset)
    return offset


def write_clock_file(path: str | None, offset: float) -> None:
    """Publish the offset for the console: a temp file in the same folder, then a rename."""
    # Callers hold the write transaction, so concurrent clock changes reach the file in the
    # order they reached the database; the rename means no reader sees a half-written file.
    if not path:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{float(offset)!r}\n")
        os.chmod(temp, 0o644)  # mkstemp makes it private; the offset is no secret
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def bump(conn: sqlite3.Connection, name: str) -> None:
    """Add one to a named counter."""
    conn.execute(
        "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1",
        (name,),
    )


def counters(conn: sqlite3.Connection) -> dict[str, int]:
    """Return every counter by name."""
    return {row["name"]: row["value"] for row in conn.execute("SELECT name, value FROM counters")}


def get_db() -> sqlite3.Connection:
    """Return this request's connection, opening it on first use."""
    if "sandbox_db" not in g:
        g.sandbox_db = connect(current_app.config["SANDBOX_DB_PATH"])
    return g.sandbox_db


def close_db(_exc: BaseException | None = None) -> None:
    """Close this request's connection, if one was opened."""
    conn = g.pop("sandbox_db", None)
    if conn is not None:
        conn.close()
