"""History with a bound: prune old activity, communication errors and finished attempts.

``ASC_HISTORY_RETENTION_DAYS`` (365) says how long history is kept; each store's last
``ASC_HISTORY_KEEP_PER_STORE`` (50) entries of each kind stay whatever their age, so a
quiet store's dashboard never goes blank. Pruning walks each table oldest first along an
index (migration 0007) in short batches, each its own transaction, so pruning ten million
rows never holds the write lock for long; a lease lets one run at a time prune, whichever
server, worker or cron job starts it. ``flask --app asc_web history prune`` runs it by
hand; the worker runs it once a day (``prune_if_due``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import delete, literal, select, tuple_
from sqlalchemy.orm import aliased

from .. import clock
from ..extensions import db
from ..models import AuthorizationAttempt, CommunicationError, StoreActivity
from . import leases

log = logging.getLogger(__name__)

# One run at a time prunes; a run renews its lease after every batch.
LEASE = "history_prune"
LEASE_TTL = timedelta(minutes=10)
# The worker prunes once a day: whoever takes this lease first runs that day's prune.
DAILY = "history_prune_daily"
DAILY_EVERY = timedelta(days=1)
# 500 rows: each batch holds SQLite's write lock for well under 250 ms (2,000: up to a second).
BATCH_SIZE = 500


@dataclass(frozen=True)
class Kind:
    """A kind of history: its model, and the column that says when an entry ended."""

    key: str
    label: str
    model: type
    ended: object
    # The columns that order a store's entries, newest first (the last N are kept).
    newest: tuple[str, ...]


KINDS = (
    Kind("activity", "activity entries", StoreActivity, StoreActivity.created_at,
         ("created_at", "id")),
    Kind("errors", "communication errors", CommunicationError, CommunicationError.created_at,
         ("created_at", "id")),
    # An attempt ends when it is used, fails, is cancelled or expires (consumed_at is set);
    # the card reads a store's latest attempt by id.
    Kind("attempts", "finished connect attempts", AuthorizationAttempt,
         AuthorizationAttempt.consumed_at, ("id",)),
)  # fmt: skip


@dataclass
class Pruned:
    """What a prune removed, per kind; ``skipped`` when another run held the lease."""

    removed: dict[str, int] = field(default_factory=lambda: {kind.key: 0 for kind in KINDS})
    skipped: bool = False
    held_until: datetime | None = None

    @property
    def total(self) -> int:
        """Entries removed in all."""
        return sum(self.removed.values())


def settings() -> tuple[int | None, int]:
    """(retention in days or None for "keep forever", entries kept per store)."""
    config = current_app.config
    return config.get("HISTORY_RETENTION_DAYS"), int(config.get("HISTORY_KEEP_PER_STORE") or 0)


def prune(
    now: datetime | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    after_batch: Callable[[str, int], None] | None = None,
) -> Pruned:
    """Remove the history older than the retention, keeping each store's last entries.

    ``after_batch(kind, removed)`` is called after each committed batch (progress, tests).
    """
    now = now or clock.utcnow()
    days, keep = settings()
    result = Pruned()
    if days is None:
        return result
    holder = leases.new_holder()
    if not leases.acquire(LEASE, holder, LEASE_TTL, now):
        result.skipped = True
        result.held_until = leases.held_until(LEASE)
        log.info("History prune skipped: another run holds it until %s", result.held_until)
        return result
    try:
        cutoff = now - timedelta(days=days)
        for kind in KINDS:
            result.removed[kind.key] = _prune_kind(
                kind, cutoff, keep, batch_size, holder, after_batch
            )
    finally:
        db.session.rollback()
        leases.release(LEASE, holder)
    log.info(
        "History prune: %s removed (older than %d days, last %d per store kept)",
        ", ".join(f"{result.removed[kind.key]} {kind.label}" for kind in KINDS),
        days,
        keep,
    )
    return result


def prune_if_due(now: datetime | None = None) -> Pruned | None:
    """The worker's daily prune: run it if no server ran it within a day (else None)."""
    now = now or clock.utcnow()
    if settings()[0] is None:
        return None
    if not leases.acquire(DAILY, leases.new_holder(), DAILY_EVERY, now):
        return None
    return prune(now)


def _prune_kind(kind, cutoff, keep, batch_size, holder, after_batch) -> int:
    """Delete ``kind``'s entries ended before ``cutoff`` but the last ``keep`` per store.

    Walks (ended, id) upwards from the oldest, a batch at a time: the entries a store keeps
    are passed over once, never read again by the next batch.
    """
    model = kind.model
    newer = aliased(model)
    # The ids of the entry's store's last ``keep`` entries (an index walk of ``keep`` rows).
    kept = (
        select(newer.id)
        .where(newer.store_id == model.store_id)
        .order_by(*[getattr(newer, name).desc() for name in kind.newest])
        .limit(keep)
        .correlate(model)
    )
    position = None
    removed = 0
    while True:
        page = select(kind.ended, model.id).where(kind.ended < cutoff)
        if position is not None:
            # Typed: the position goes through the columns' own types (UTC datetimes).
            after = tuple_(
                literal(position[0], kind.ended.type), literal(position[1], model.id.type)
            )
            page = page.where(tuple_(kind.ended, model.id) > after)
        rows = db.session.execute(page.order_by(kind.ended, model.id).limit(batch_size)).all()
        if not rows:
            db.session.commit()
            return removed
        position = tuple(rows[-1])
        doomed = delete(model).where(model.id.in_([row.id for row in rows]))
        if keep:
            doomed = doomed.where(model.id.not_in(kept))
        count = db.session.execute(doomed.execution_options(synchronize_session=False)).rowcount
        removed += count
        db.session.commit()
        if not leases.acquire(LEASE, holder, LEASE_TTL, clock.utcnow()):
            log.warning("History prune stopped: its lease was taken over by another run")
            return removed
        if after_batch is not None:
            after_batch(kind.key, count)


@click.group("history")
def history_cli() -> None:
    """History kept for activity, communication errors and connect attempts."""


@history_cli.command("prune")
@with_appcontext
def prune_command() -> None:
    """Remove history older than ASC_HISTORY_RETENTION_DAYS (each store keeps its last
    ASC_HISTORY_KEEP_PER_STORE entries of each kind)."""
    days, keep = settings()
    if days is None:
        click.echo("History is kept forever (ASC_HISTORY_RETENTION_DAYS=off): nothing to do.")
        return
    result = prune()
    if result.skipped:
        until = result.held_until  # None if that run ended in the meantime
        ends = f" (its lease ends {until:%Y-%m-%d %H:%M} UTC)" if until else ""
        click.echo(f"Another run is pruning history{ends}: nothing done.")
        return
    for kind in KINDS:
        click.echo(f"Removed {result.removed[kind.key]:,} {kind.label}.")
    click.echo(
        f"Kept the last {days} days, and the last {keep} entries of each kind for every store."
    )
