"""The app's notion of "now", in one place so tests can move it.

In sandbox mode the console's clock follows the sandbox clock: the sandbox writes its
offset (seconds, as text) to the file named by ``CLOCK_OFFSET_FILE`` whenever its clock
hook moves, so a person sees *Renewal due* and expiry without editing the database.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context

# The offset read from each file, by path, with the file's modification stamp.
_offsets: dict[str, tuple[int, timedelta]] = {}


def utcnow() -> datetime:
    """Return the current time in UTC (aware)."""
    return datetime.now(UTC) + _offset()


def _offset() -> timedelta:
    """The sandbox clock's offset, when this app follows one (sandbox mode only)."""
    if not has_app_context():
        return timedelta(0)
    path = current_app.config.get("CLOCK_OFFSET_FILE")
    if not path:
        return timedelta(0)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return timedelta(0)
    cached = _offsets.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        with open(path, encoding="ascii") as fh:
            offset = timedelta(seconds=float(fh.read().strip() or 0))
    except (OSError, ValueError, OverflowError):
        offset = timedelta(0)
    _offsets[path] = (stamp, offset)
    return offset
