"""ASC Web's own token buckets, per authorization (seller and region) and Amazon operation.

Amazon meters each operation per seller and application with a token bucket (a rate and a
burst). Every run of every worker on every server takes from the same bucket row before it
calls, so together they never ask faster than Amazon's documented rate (or the lower rate
Amazon states in ``x-amzn-RateLimit-Limit``). Taking is an optimistic conditional UPDATE:
two takers that read the same row cannot both spend its last token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..amazon.data import RATES
from ..extensions import db
from ..models import RateBucket

# ASC Web asks at 90% of the rate: a request reaches Amazon a little earlier or later than
# it left, and calls paced at exactly the rate would now and then find Amazon's bucket empty.
PACE = 0.9


def take(authorization_id: int, operation: str, now: datetime, rate: float | None = None) -> float:
    """Spend one request; 0.0 when spent, else the seconds until one is there. Commits.

    ``rate`` is the rate Amazon last stated, used when it is below the documented one.
    """
    documented, burst = RATES[operation]
    rate = (min(documented, rate) if rate else documented) * PACE
    _ensure(authorization_id, operation, float(burst), now)
    for _ in range(20):
        row = db.session.execute(
            select(RateBucket.tokens, RateBucket.updated_at).where(
                RateBucket.authorization_id == authorization_id,
                RateBucket.operation == operation,
            )
        ).one()
        elapsed = max(0.0, (now - row.updated_at).total_seconds())
        tokens = min(float(burst), row.tokens + elapsed * rate)
        if tokens < 1:
            db.session.rollback()
            return (1 - tokens) / rate
        spent = db.session.execute(
            update(RateBucket)
            .where(
                RateBucket.authorization_id == authorization_id,
                RateBucket.operation == operation,
                RateBucket.tokens == row.tokens,
                RateBucket.updated_at == row.updated_at,
            )
            .values(tokens=tokens - 1, updated_at=max(now, row.updated_at))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if spent.rowcount == 1:
            return 0.0
    return 1.0 / rate  # pragma: no cover - twenty takers in a row beat this one


def drain(authorization_id: int, operation: str, now: datetime) -> None:
    """Amazon answered 429: its bucket is empty whatever ours said. Commits."""
    _ensure(authorization_id, operation, 0.0, now)
    db.session.execute(
        update(RateBucket)
        .where(RateBucket.authorization_id == authorization_id, RateBucket.operation == operation)
        .values(tokens=0.0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _ensure(authorization_id: int, operation: str, tokens: float, now: datetime) -> None:
    """Create the bucket (full) the first time; a no-op once it is there."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(RateBucket)
        .values(
            authorization_id=authorization_id, operation=operation, tokens=tokens, updated_at=now
        )  # fmt: skip
        .on_conflict_do_nothing(index_elements=["authorization_id", "operation"])
    )
