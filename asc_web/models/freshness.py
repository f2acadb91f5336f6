"""How fresh a status is: when Amazon last answered for the authorization, in words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A status older than this may be out of date: the schedule checks every 6 hours by default.
STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class LastChecked:
    """ "Last checked 2 hours ago", "Not checked yet", or a stale warning."""

    text: str
    stale: bool


def last_checked(checked_at: datetime | None, now: datetime, ended: bool = False) -> LastChecked:
    """Say when the authorization was last checked, and whether that is too long ago.

    ``ended``: revoked or expired; no check can change that, so age is no warning.
    """
    if checked_at is None:
        return LastChecked("Not checked yet", stale=not ended)
    age = max(now - checked_at, timedelta(0))
    if age >= STALE_AFTER and not ended:
        return LastChecked(f"Last checked {_ago(age)} — may be out of date", stale=True)
    return LastChecked(f"Last checked {_ago(age)}", stale=False)


def _ago(age: timedelta) -> str:
    """just now, 5 minutes ago, 3 hours ago, 2 days ago."""
    seconds = int(age.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"
