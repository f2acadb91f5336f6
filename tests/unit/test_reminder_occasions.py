"""Which reminder an authorization calls for, and how a check's age reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from asc_web.models.freshness import last_checked
from asc_web.reminders.services import occasion

NOW = datetime(2027, 1, 1, 12, tzinfo=UTC)


def _authorization(days_left: float, revoked_days_ago: float | None = None):
    revoked = None if revoked_days_ago is None else NOW - timedelta(days=revoked_days_ago)
    return SimpleNamespace(expires_at=NOW + timedelta(days=days_left), revoked_at=revoked)


@pytest.mark.parametrize(
    ("days_left", "kind"),
    [(45, None), (30.01, None), (30, "due_30"), (8, "due_30"), (7, "due_7"), (1.5, "due_7"),
     (1, "due_1"), (0.01, "due_1"), (0, "expired"), (-20, "expired")],
)  # fmt: skip
def test_each_renewal_occasion_starts_at_its_day(days_left, kind):
    assert occasion(_authorization(days_left), NOW) == kind


def test_a_revocation_is_its_own_occasion_but_one_found_after_expiry_is_the_expiry():
    assert occasion(_authorization(100, revoked_days_ago=1), NOW) == "revoked"
    assert occasion(_authorization(-5, revoked_days_ago=1), NOW) == "expired"
    assert occasion(_authorization(-5, revoked_days_ago=10), NOW) == "revoked"


def test_last_checked_reads_as_a_person_would_say_it():
    assert last_checked(None, NOW).text == "Not checked yet"
    assert last_checked(NOW - timedelta(seconds=20), NOW).text == "Last checked just now"
    assert last_checked(NOW - timedelta(minutes=1), NOW).text == "Last checked 1 minute ago"
    recent = last_checked(NOW - timedelta(hours=23, minutes=59), NOW)
    assert (recent.text, recent.stale) == ("Last checked 23 hours ago", False)
    old = last_checked(NOW - timedelta(days=3, hours=2), NOW)
    assert (old.text, old.stale) == ("Last checked 3 days ago — may be out of date", True)
    ended = last_checked(NOW - timedelta(days=3), NOW, ended=True)
    assert (ended.text, ended.stale) == ("Last checked 3 days ago", False)
    assert last_checked(NOW + timedelta(hours=2), NOW).text == "Last checked just now"
