"""The tasks the worker runs; each works inside an app context of the app that built it."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app
from huey import Huey

log = logging.getLogger(__name__)

# A check run leaves an authorization to the run that claimed it for this long (a throttled
# authorization is retried within it), as `flask connections check` does by default.
CHECK_LEASE = timedelta(minutes=10)


def register(huey: Huey, app: Flask, tick_seconds: float):
    """Register ASC Web's tasks on ``huey``; return (scheduled_work, check_all, sync_store)."""

    # Every worker's scheduler enqueues this every tick; what it does is due work only, so
    # several workers running it still check each authorization once per interval.
    @huey.periodic_task(
        lambda _timestamp: True,
        name="scheduled_work",
        # A tick that waited longer than two ticks is skipped: a fresher one follows.
        expires=max(2 * tick_seconds, 2),
    )
    def scheduled_work():
        with app.app_context():
            run_scheduled_work()

    # Once a day one worker (whichever takes the day's lease first) prunes old history;
    # every other tick of every worker finds the lease taken with one read.
    @huey.periodic_task(
        lambda _timestamp: True, name="history_prune", expires=max(2 * tick_seconds, 2)
    )
    def history_prune():
        with app.app_context():
            from ..maintenance import history

            history.prune_if_due()

    # Stores whose Amazon data is due (a first import goes on as Amazon's rates allow); the
    # store's lease keeps two workers from syncing one store at once.
    @huey.periodic_task(lambda _timestamp: True, name="sync_due", expires=max(2 * tick_seconds, 2))
    def sync_due():
        with app.app_context():
            if current_app.config.get("SYNC_INTERVAL_SECONDS"):
                from ..sync import services as sync

                sync.run_due(budget_seconds=max(tick_seconds - 5, 1))

    # A store just connected (or reconnected): start its import now, not at the next tick.
    @huey.task(name="sync_store")
    def sync_store(store_id: int):
        with app.app_context():
            if current_app.config.get("SYNC_INTERVAL_SECONDS"):  # off: cron runs syncs
                from ..sync import services as sync

                sync.run(store_id)

    @huey.task(name="check_all")
    def check_all(run_id: int):
        with app.app_context():
            from ..connect import check_runs

            check_runs.run(run_id, CHECK_LEASE)
            _send_reminders()

    return scheduled_work, check_all, sync_store


def run_scheduled_work() -> None:
    """Check the authorizations not checked within ``ASC_CHECK_INTERVAL``, then remind."""
    from ..connect import checks

    interval = current_app.config.get("CHECK_INTERVAL_SECONDS")
    checked = 0
    if interval:
        results = checks.check_all(CHECK_LEASE, due_interval=timedelta(seconds=interval))
        checked = len(results)
    sent = _send_reminders()
    if checked or sent:
        log.info("Scheduled work: %d store(s) checked, %d reminder(s) sent", checked, sent)
    else:
        log.debug("Scheduled work: nothing was due")


def _send_reminders() -> int:
    """Send the reminders that are due (none without a mail server)."""
    from ..reminders import services as reminders

    return reminders.send_due()
