"""Leases on maintenance jobs: one server at a time runs a job, however many try at once.

A job's row in ``maintenance_leases`` names who holds it and until when. Taking it is one
conditional ``UPDATE`` (free, expired, or already ours), so two servers, cron runs or
workers that try together cannot both win; a holder that dies lets go when ``until``
passes.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import MaintenanceLease


def new_holder() -> str:
    """A name for this run, unique across servers and processes (host, pid, random)."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def acquire(name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Take the lease ``name`` for ``ttl`` unless someone else holds it; commit.

    Taking a lease one already holds extends it.
    """
    if not _free_or_ours(name, holder, now):
        return False
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(MaintenanceLease).values(name=name).on_conflict_do_nothing(index_elements=["name"])
    )
    taken = db.session.execute(
        update(MaintenanceLease)
        .where(
            MaintenanceLease.name == name,
            or_(
                MaintenanceLease.until.is_(None),
                MaintenanceLease.until <= now,
                MaintenanceLease.holder == holder,
            ),
        )
        .values(holder=holder, until=now + ttl)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return taken.rowcount == 1


def release(name: str, holder: str) -> None:
    """Give the lease back, if ``holder`` still holds it; commit."""
    db.session.execute(
        update(MaintenanceLease)
        .where(MaintenanceLease.name == name, MaintenanceLease.holder == holder)
        .values(holder=None, until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def held_until(name: str) -> datetime | None:
    """Until when the lease ``name`` is held (None: free or never taken)."""
    until = db.session.scalar(select(MaintenanceLease.until).where(MaintenanceLease.name == name))
    db.session.commit()  # a read: ends the transaction (on SQLite, a write lock) at once
    return until


def _free_or_ours(name: str, holder: str, now: datetime) -> bool:
    """A read first: a lease plainly held by another is refused without a write."""
    row = db.session.execute(
        select(MaintenanceLease.holder, MaintenanceLease.until).where(MaintenanceLease.name == name)
    ).first()
    db.session.commit()
    return row is None or row.until is None or row.until <= now or row.holder == holder
