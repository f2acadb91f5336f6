"""A store's status, derived from stored facts (never stored itself).

The rules are documented in ``docs/statuses.md``. They exist twice on purpose: in Python
for one store, and as SQL conditions for filtering many. ``tests/unit/test_status.py``
checks both agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, false, func, or_, true
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from ..rendering import asc_date
from .authorizations import Authorization
from .stores import Store

RENEWAL_WINDOW = timedelta(days=30)
AUTHORIZATION_LIFETIME = timedelta(days=365)


@dataclass(frozen=True)
class Status:
    """What the card and dashboard show about a store's connection."""

    code: str
    label: str
    detail: str = ""
    days_left: int | None = None

    @property
    def needs_attention(self) -> bool:
        """Renewal due or reconnect required: the merchant should act."""
        return self.code in ("renewal_due", "reconnect_required")


LABELS = {
    "not_connected": "Not connected",
    "awaiting": "Awaiting authorization",
    "active": "Active",
    "renewal_due": "Renewal due",
    "reconnect_required": "Reconnect required",
    "inactive": "Inactive",
}


def derive(
    *,
    active: bool,
    authorization: Authorization | None,
    awaiting_until: datetime | None,
    now: datetime,
) -> Status:
    """Apply the status rules (``docs/statuses.md``) to one store's facts."""
    if not active:
        return Status("inactive", LABELS["inactive"], "Paused: settings kept, sync stopped.")
    if awaiting_until is not None and awaiting_until > now:
        return Status(
            "awaiting",
            LABELS["awaiting"],
            "Finish in the Seller Central tab, signed in as the account's primary user.",
        )
    if authorization is None:
        return Status("not_connected", LABELS["not_connected"])
    if authorization.revoked_at is not None:
        return Status(
            "reconnect_required",
            LABELS["reconnect_required"],
            authorization.last_check_message or "Amazon no longer accepts this authorization.",
        )
    expires_at = authorization.expires_at
    if now >= expires_at:
        when = asc_date(expires_at)
        return Status(
            "reconnect_required",
            LABELS["reconnect_required"],
            f"The authorization expired on {when}.",
        )
    # Started days count: 9 days and 23 hours left reads "10 days left", never "0 days".
    days_left = math.ceil((expires_at - now).total_seconds() / 86400)
    if expires_at - now <= RENEWAL_WINDOW:
        when = asc_date(expires_at)
        plural = "day" if days_left == 1 else "days"
        detail = f"Renew by {when} ({days_left} {plural} left)"
        return Status("renewal_due", LABELS["renewal_due"], detail, days_left)
    return Status("active", LABELS["active"], "", days_left)


def store_status(store: Store, now: datetime) -> Status:
    """The status of a loaded store (its authorization and open attempt come with it)."""
    return derive(
        active=store.active,
        authorization=store.authorization,
        awaiting_until=store.awaiting_until,
        now=now,
    )


def condition(code: str, now, *, indexed: bool = True):
    """A SQL condition on ``Store`` selecting the stores whose status is ``code`` at ``now``
    (a datetime or a bind parameter; ``due`` is then the parameter ``due``, see
    ``status_params``).

    Read from the store's own row: ``connection_valid_until`` and ``awaiting_until`` are
    copies of its authorization's and its open attempt's facts that the database keeps
    (migration 0011), so a filter probes no other table and a count walks one index
    (``ix_stores_status_facts``). The comparisons with ``now`` are the rules of ``derive``:
    a revoked authorization is valid until 1970, an expired one until its expiry.

    ``indexed=False`` (SQLite only) writes the columns ``+column``, which SQLite cannot look
    up in an index: a page of a common status then walks the stores in date order and tests
    each, instead of listing every match from ``ix_stores_status_facts`` to sort them.
    """
    due = now + RENEWAL_WINDOW if isinstance(now, datetime) else bindparam("due")
    column = (lambda c: c) if indexed else _unindexed
    valid, waiting = column(Store.connection_valid_until), column(Store.awaiting_until)
    active = column(Store.active) == true()
    live = and_(active, or_(waiting.is_(None), waiting <= now))
    # Few stores await Amazon at a time: they come from ``ix_stores_awaiting`` when
    # ``active`` is not offered as an index column (coalesce: the same value; without
    # statistics SQLite read every active store's entry of ``ix_stores_status_facts``).
    active_awaiting = func.coalesce(Store.active, false()) == true() if indexed else active
    rules = {
        "inactive": column(Store.active) == false(),
        "awaiting": and_(active_awaiting, waiting > now),
        "not_connected": and_(live, valid.is_(None)),
        "reconnect_required": and_(live, valid <= now),
        "renewal_due": and_(live, valid > now, valid <= due),
        "active": and_(live, valid > due),
        "attention": and_(live, valid <= due),
    }
    return rules[code]


def _unindexed(column):
    """``+column``: the same value, which SQLite's planner does not look up in an index."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def status_params(now: datetime) -> dict:
    """The bind parameters of ``condition(code, bindparam("now"))``."""
    return {"now": now, "due": now + RENEWAL_WINDOW}
