"""SP-API's token buckets per seller and application, on the sandbox clock, in the database."""

from __future__ import annotations

import sqlite3

from . import store


def take(conn: sqlite3.Connection, seller_id: str, client_id: str, rate: float, burst: int) -> bool:
    """Spend one request from the bucket if it holds one; False means answer 429."""
    with store.transaction(conn):
        now = store.now(conn)
        row = conn.execute(
            "SELECT tokens, updated_at FROM buckets WHERE seller_id = ? AND client_id = ?",
            (seller_id, client_id),
        ).fetchone()
        allowed, tokens = _spend(row, now, rate, burst)
        if not allowed:
            store.bump(conn, "sellers:throttled")
        conn.execute(
            "INSERT OR REPLACE INTO buckets VALUES (?, ?, ?, ?)",
            (seller_id, client_id, tokens, now),
        )
    return allowed


def take_op(
    conn: sqlite3.Connection, name: str, seller_id: str, client_id: str, rate: float, burst: int,
    now: float,
) -> bool:  # fmt: skip
    """Spend one request at `now` from a named bucket (in the caller's transaction).

    Names: ``limit:<operation>`` enforces the configured limits; ``amazon:<operation>`` only
    watches Amazon's documented ones, so the stats can tell a caller that exceeded them. One
    call passes the same `now` to both, so with the default limits they agree call by call.
    """
    row = conn.execute(
        "SELECT tokens, updated_at FROM op_buckets WHERE name = ? AND seller_id = ?"
        " AND client_id = ?",
        (name, seller_id, client_id),
    ).fetchone()
    allowed, tokens = _spend(row, now, rate, burst)
    conn.execute(
        "INSERT OR REPLACE INTO op_buckets VALUES (?, ?, ?, ?, ?)",
        (name, seller_id, client_id, tokens, now),
    )
    return allowed


def _spend(row: sqlite3.Row | None, now: float, rate: float, burst: int) -> tuple[bool, float]:
    """Refill a bucket to now and spend one request if it holds one: (allowed, tokens left)."""
    if row is None:
        tokens = float(burst)  # a bucket starts full
    else:
        # max(): the clock hook may move time back; that must not drain the bucket.
        elapsed = max(0.0, now - row["updated_at"])
        tokens = min(float(burst), row["tokens"] + elapsed * rate)
    if tokens >= 1:
        return True, tokens - 1
    return False, tokens
