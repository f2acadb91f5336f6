"""The Communication Errors Log's queries that must not grow with the log.

With years of history (millions of errors) counting every matching error and listing the
distinct operations by reading the whole table were what made the log slow (2 million
history rows: 77 ms and 73 ms per page on SQLite): the count stops at ``COUNT_CAP``
("1,000+ errors"; counting to 10,000 still took 0.7 ms, an eighth of the page) and the
operations are found by jumping from one to the next along ``ix_comm_errors_operation``
(one index seek per operation). A deep page counts as far as its own rows.
"""

from __future__ import annotations

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import CommunicationError

COUNT_CAP = 1_000


class Total(int):
    """How many errors match: exact up to the cap, else the cap plus one, shown "1,000+"."""

    capped_at: int | None = None

    def __str__(self) -> str:
        if self.capped_at is not None:
            return f"{self.capped_at:,}+"
        return int.__str__(self)

    def __html__(self) -> str:
        return str(self)


def count(ids: Select, at_least: int = 0) -> Total:
    """Count the rows of ``ids`` (a select of error ids), reading at most the cap's worth.

    ``at_least``: a deep page needs an exact answer up to its own last row.
    """
    cap = max(COUNT_CAP, at_least)
    found = db.session.scalar(select(func.count()).select_from(ids.limit(cap + 1).subquery()))
    total = Total(found)
    if found > cap:
        total.capped_at = cap
    return total


def operations() -> list[str]:
    """The operations seen so far, in order: a loose index scan, one seek per operation."""
    column = CommunicationError.operation
    seen = select(func.min(column).label("operation")).cte("seen", recursive=True)
    following = select(func.min(column)).where(column > seen.c.operation).scalar_subquery()
    seen = seen.union_all(select(following).where(seen.c.operation.is_not(None)))
    return list(db.session.scalars(select(seen.c.operation).where(seen.c.operation.is_not(None))))
