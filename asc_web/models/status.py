"""A store's status, derived from stored facts (never stored itself).

The rules are documented in ``docs/statuses.md``. They exist twice on purpose: in Python
for one store, and as SQL conditions for filtering many. ``tests/unit/test_status.py``
checks both agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, func, not_, or_, select

from ..rendering import asc_date
from .authorizations import Authorization, AuthorizationAttempt, unfinished
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


def _ended_by(moment):
    """A SQL condition on ``Authorization``: revoked, or expired by ``moment``."""
    return or_(Authorization.revoked_at.is_not(None), Authorization.expires_at <= moment)


def condition(code: str, now: datetime, *, page_order: bool = False):
    """A SQL condition on ``Store`` selecting the stores whose status is ``code``.

    Written as ``IN`` lists the database builds once (the waiting attempts; the
    authorizations in a time window, from the index on ``(revoked_at, expires_at)``) rather
    than subqueries run for every store. For a count the authorizations' list drives the
    search through ``stores.authorization_id``; with ``page_order`` (a page of stores, newest
    first) the list is only probed while the stores are walked in date order, which stops
    after one page instead of sorting every match. Measured at 10,000 stores (SQLite,
    in-process), count + first page of Renewal due: 4.4 + 1.0 ms with per-store subqueries,
    0.7 + 1.1 ms this way (the page driven by the list would take 2.1 ms).
    """
    waiting = select(AuthorizationAttempt.store_id).where(
        unfinished(), AuthorizationAttempt.expires_at > now
    )
    due = now + RENEWAL_WINDOW

    # No authorization has id 0: coalesce keeps the membership the same but not indexable.
    column = func.coalesce(Store.authorization_id, 0) if page_order else Store.authorization_id

    def authorizations(*where):
        return column.in_(select(Authorization.id).where(*where))

    live = and_(Store.active, Store.id.not_in(waiting))
    rules = {
        "inactive": not_(Store.active),
        "awaiting": and_(Store.active, Store.id.in_(waiting)),
        "not_connected": and_(live, Store.authorization_id.is_(None)),
        "reconnect_required": and_(live, authorizations(_ended_by(now))),
        "renewal_due": and_(live, authorizations(
            Authorization.revoked_at.is_(None),
            Authorization.expires_at > now,
            Authorization.expires_at <= due,
        )),
        "active": and_(live, authorizations(
            Authorization.revoked_at.is_(None), Authorization.expires_at > due
        )),
        "attention": and_(live, authorizations(_ended_by(due))),
    }  # fmt: skip
    return rules[code]


def attention_count_select(now):
    """A scalar subquery counting the stores that need attention, ``condition("attention")``.

    Written from the authorizations' side: only stores with an authorization can need
    attention, and the index on ``(revoked_at, expires_at)`` finds the authorizations that
    have ended or end within the renewal window, so the cost follows the number of stores
    due, not the number of stores. ``now`` may be a bind parameter: ``due`` is then the
    parameter ``due`` (see ``attention_params``).
    """
    due = now + RENEWAL_WINDOW if isinstance(now, datetime) else bindparam("due")
    open_attempt = exists().where(
        AuthorizationAttempt.store_id == Store.id,
        unfinished(),
        AuthorizationAttempt.expires_at > now,
    )
    return (
        select(func.count())
        .select_from(Authorization)
        .join(Store, Store.authorization_id == Authorization.id)
        .where(
            _ended_by(due),
            Store.active,
            not_(open_attempt),
        )
        .scalar_subquery()
    )


def attention_params(now: datetime) -> dict:
    """The bind parameters of ``attention_count_select(bindparam("now"))``."""
    return {"now": now, "due": now + RENEWAL_WINDOW}


# The attention count, cached per SQLite connection: the home page takes 3.2 ms with the
# cache and 6.3 ms without at 10,000 stores (3.1 and 3.75 ms at 100; in-process,
# interleaved runs), since every page shows the count.
# The count changes only when data changes or when time reaches the next authorization
# entering the renewal window or the next open attempt timing out. SQLite's
# ``PRAGMA data_version`` changes when another connection commits (and stays put within a
# transaction, matching its snapshot), and the connection's ``total_changes`` grows with
# each row it writes itself (committed or not). A cached count is used only while both are
# unchanged and time has not reached the next change, so it is always the count the query
# would return. With 10,000 stores the query visits every authorization that needs
# attention (about 2 ms); the check is one PRAGMA.
_CACHE_KEY = "asc_attention_count"
_ATTENTION_AND_NEXT_CHANGE = select(
    attention_count_select(bindparam("now")),
    select(func.min(Authorization.expires_at))
    .where(Authorization.revoked_at.is_(None), Authorization.expires_at > bindparam("due"))
    .scalar_subquery(),
    select(func.min(AuthorizationAttempt.expires_at))
    .where(unfinished(), AuthorizationAttempt.expires_at > bindparam("now"))
    .scalar_subquery(),
)


@dataclass(frozen=True)
class _CachedCount:
    state: tuple[int, int]
    since: datetime
    until: datetime | None
    count: int


def attention_count(session, now: datetime) -> int:
    """How many stores need attention (renewal due or reconnect required) at ``now``."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or connection.engine.url.database in (
        None,
        "",
        ":memory:",
    ):
        return session.scalar(select(attention_count_select(now)))
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    state = (version, connection.connection.driver_connection.total_changes)
    cached = connection.info.get(_CACHE_KEY)
    if (
        cached is not None
        and cached.state == state
        and cached.since <= now
        and (cached.until is None or now < cached.until)
    ):
        return cached.count
    count, next_due, next_timeout = session.execute(
        _ATTENTION_AND_NEXT_CHANGE, attention_params(now)
    ).one()
    changes = [t for t in (next_due and next_due - RENEWAL_WINDOW, next_timeout) if t]
    connection.info[_CACHE_KEY] = _CachedCount(state, now, min(changes, default=None), count)
    return count
