"""amazon_state values of the Login URI leg: random, single use, bound to one session."""

from __future__ import annotations

import secrets
import sqlite3

from . import store, world
from .grants import digest


def issue(
    conn: sqlite3.Connection, binding: str, seller_id: str, mp: str, application_id: str
) -> str:
    """Create an amazon_state for this session, seller, site and app (stored as a hash)."""
    state = secrets.token_urlsafe(32)
    with store.transaction(conn):
        now = store.now(conn)
        # Spent and expired values are of no further use: drop them as new ones are made.
        conn.execute(
            "DELETE FROM amazon_states WHERE used_at IS NOT NULL OR expires_at <= ?", (now,)
        )
        conn.execute(
            "INSERT INTO amazon_states VALUES (?, ?, ?, ?, ?, ?, NULL)",
            (digest(state), digest(binding), seller_id, mp, application_id,
             now + world.AMAZON_STATE_TTL_S),
        )  # fmt: skip
    return state


def take(
    conn: sqlite3.Connection, state: str, binding: str, mp: str, application_id: str
) -> str | None:
    """Use up a live amazon_state issued to this session for this site and app; its seller."""
    with store.transaction(conn):
        now = store.now(conn)
        row = conn.execute(
            "SELECT seller_id FROM amazon_states WHERE state_hash = ? AND binding_hash = ?"
            " AND mp = ? AND application_id = ? AND used_at IS NULL AND expires_at > ?",
            (digest(state), digest(binding), mp, application_id, now),
        ).fetchone()
        if row is None:
            return None
        conn.execute(
            "UPDATE amazon_states SET used_at = ? WHERE state_hash = ?", (now, digest(state))
        )
    return row["seller_id"]
