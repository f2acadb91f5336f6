"""The app's notion of "now", in one place so tests can move it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC (aware)."""
    return datetime.now(UTC)
