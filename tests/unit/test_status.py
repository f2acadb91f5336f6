"""Store statuses follow docs/statuses.md and are derived from stored facts."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from asc_web.models.status import derive

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _conn(authorized_days_ago: float, revoked: bool = False, message: str | None = None):
    authorized = NOW - timedelta(days=authorized_days_ago)
    return SimpleNamespace(
        authorized_at=authorized,
        expires_at=authorized + timedelta(days=365),
        revoked_at=NOW if revoked else None,
        last_check_message=message,
    )


@pytest.mark.parametrize(
    ("facts", "code", "label"),
    [
        ({}, "not_connected", "Not connected"),
        ({"awaiting_until": NOW + timedelta(minutes=9)}, "awaiting", "Awaiting authorization"),
        ({"awaiting_until": NOW - timedelta(minutes=1)}, "not_connected", "Not connected"),
        ({"authorization": _conn(10)}, "active", "Active"),
        ({"authorization": _conn(334)}, "active", "Active"),
        ({"authorization": _conn(336)}, "renewal_due", "Renewal due"),
        ({"authorization": _conn(366)}, "reconnect_required", "Reconnect required"),
        ({"authorization": _conn(5, revoked=True)}, "reconnect_required", "Reconnect required"),
        ({"authorization": _conn(5), "active": False}, "inactive", "Inactive"),
    ],
)
def test_status_follows_the_documented_rules(facts, code, label):
    arguments = {"active": True, "authorization": None, "awaiting_until": None, "now": NOW}
    arguments.update(facts)
    status = derive(**arguments)
    assert (status.code, status.label) == (code, label)


def test_renewal_due_says_the_date_and_days_left():
    status = derive(active=True, authorization=_conn(340), awaiting_until=None, now=NOW)
    assert status.days_left == 25
    assert status.detail == "Renew by Dec 23, 2026 (25 days left)"
    assert status.needs_attention


def test_revocation_explains_itself_with_the_recorded_message():
    message = "Amazon reports that the authorization was revoked or has expired."
    status = derive(
        active=True, authorization=_conn(5, True, message), awaiting_until=None, now=NOW
    )
    assert status.detail == message
