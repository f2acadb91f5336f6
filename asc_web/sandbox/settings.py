"""Sandbox settings the settings hook changes, kept in the meta table for every process."""

from __future__ import annotations

import json
import math
import sqlite3
from typing import NamedTuple

from . import store

KEY = "settings"


class Settings(NamedTuple):
    """How strict the token rules are and how fast the Sellers API may be called."""

    retire_previous_tokens: bool
    sellers_rate: float
    sellers_burst: int


# Amazon's behaviour: a new refresh token leaves the earlier ones working; the Sellers
# API's documented getMarketplaceParticipations limits (requests per second, burst).
DEFAULTS = Settings(retire_previous_tokens=False, sellers_rate=0.016, sellers_burst=15)


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
    if "sellers_rate" in body:
        rate = body["sellers_rate"]
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ValueError("sellers_rate must be a number above 0")
        if not math.isfinite(rate) or rate <= 0:
            raise ValueError("sellers_rate must be a number above 0")
        changes["sellers_rate"] = float(rate)
    if "sellers_burst" in body:
        burst = body["sellers_burst"]
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError("sellers_burst must be an integer of at least 1")
        changes["sellers_burst"] = burst
    return changes


def update(conn: sqlite3.Connection, changes: dict) -> Settings:
    """Apply changes and return the full settings; new limits refill every bucket at once."""
    with store.transaction(conn):
        current = load(conn)._replace(**changes)
        store.set_meta(conn, KEY, json.dumps(current._asdict()))
        # Whoever changes the limits expects them to apply now, not after a refill.
        if {"sellers_rate", "sellers_burst"} & set(changes):
            conn.execute("DELETE FROM buckets")
    return current
