"""Sandbox settings the settings hook changes, kept in the meta table for every process."""

from __future__ import annotations

import json
import math
import sqlite3
from typing import NamedTuple

from . import store

KEY = "settings"


class Settings(NamedTuple):
    """How strict the token rules are and how fast each SP-API operation may be called."""

    retire_previous_tokens: bool
    sellers_rate: float
    sellers_burst: int
    sales_rate: float
    sales_burst: int
    orders_rate: float
    orders_burst: int
    listings_rate: float
    listings_burst: int


# Amazon's behaviour: a new refresh token leaves the earlier ones working; each operation's
# documented default usage plan (requests per second, burst): getMarketplaceParticipations,
# getOrderMetrics, getOrders, searchListingsItems.
DEFAULTS = Settings(
    retire_previous_tokens=False,
    sellers_rate=0.016,
    sellers_burst=15,
    sales_rate=0.5,
    sales_burst=15,
    orders_rate=0.0167,
    orders_burst=20,
    listings_rate=5.0,
    listings_burst=5,
)
RATE_FIELDS = tuple(name for name in Settings._fields if name.endswith(("_rate", "_burst")))


def load(conn: sqlite3.Connection) -> Settings:
    """Return the current settings (the defaults for anything never set)."""
    raw = store.meta(conn, KEY)
    stored = json.loads(raw) if raw else {}
    return DEFAULTS._replace(**{k: v for k, v in stored.items() if k in Settings._fields})


def parse(body: object) -> dict:
    """Check a settings hook body; return the changes or raise ValueError with the reason."""
    if not isinstance(body, dict):
        raise ValueError("send a JSON object")
    unknown = sorted(set(body) - set(Settings._fields))
    if unknown:
        raise ValueError(f"unknown settings: {unknown}; known: {list(Settings._fields)}")
    changes: dict = {}
    if "retire_previous_tokens" in body:
        if not isinstance(body["retire_previous_tokens"], bool):
            raise ValueError("retire_previous_tokens must be true or false")
        changes["retire_previous_tokens"] = body["retire_previous_tokens"]
    for name in RATE_FIELDS:
        if name not in body:
            continue
        value = body[name]
        if name.endswith("_rate"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number above 0")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"{name} must be a number above 0")
            changes[name] = float(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer of at least 1")
            changes[name] = value
    return changes


def update(conn: sqlite3.Connection, changes: dict) -> Settings:
    """Apply changes and return the full settings; new limits refill every bucket at once."""
    with store.transaction(conn):
        current = load(conn)._replace(**changes)
        store.set_meta(conn, KEY, json.dumps(current._asdict()))
        # Whoever changes the limits expects them to apply now, not after a refill.
        if {"sellers_rate", "sellers_burst"} & set(changes):
            conn.execute("DELETE FROM buckets")
        # Only the enforced buckets: the watch on Amazon's documented rates keeps counting.
        for operation in ("sales", "orders", "listings"):
            if {f"{operation}_rate", f"{operation}_burst"} & set(changes):
                conn.execute("DELETE FROM op_buckets WHERE name = ?", (f"limit:{operation}",))
    return current
