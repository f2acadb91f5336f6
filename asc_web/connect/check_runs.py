"""Check all: a run that an admin asks for, checked by the worker, followed on the home page."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, update

from .. import clock
from ..extensions import db
from ..models import Authorization, CheckRun
from . import checks

log = logging.getLogger(__name__)

# A run the worker has not finished after this long is shown as stalled, not as running.
STALLED_AFTER = timedelta(minutes=15)


def request_run(user_id: int | None) -> CheckRun:
    """Record an admin's request to check every authorization (the caller commits)."""
    run = CheckRun(requested_by_id=user_id, requested_at=clock.utcnow())
    db.session.add(run)
    db.session.flush()
    return run


def give_up(run: CheckRun) -> None:
    """The run could not be queued: mark it finished so that nothing waits for it."""
    run.finished_at = clock.utcnow()
    run.total = run.total or 0


def run(run_id: int, lease: timedelta) -> None:
    """Check every authorization for run ``run_id``, recording progress as it goes."""
    if db.session.get(CheckRun, run_id) is None:
        log.warning("Check run %s no longer exists; nothing to do", run_id)
        return
    total = db.session.scalar(select(func.count(Authorization.id)))
    _update(run_id, started_at=clock.utcnow(), total=total)

    def progress(_authorization_id: int, results: list[checks.CheckResult] | None) -> None:
        problem = results is not None and any(r.result != "ok" for r in results)
        _update(run_id, done=CheckRun.done + 1, problems=CheckRun.problems + (1 if problem else 0))

    try:
        checks.check_all(lease, on_progress=progress)
    finally:
        db.session.rollback()
        _update(run_id, finished_at=clock.utcnow())


def _update(run_id: int, **values) -> None:
    """Write the run's progress and commit it, so that the home page sees it at once."""
    db.session.execute(update(CheckRun).where(CheckRun.id == run_id).values(**values))
    db.session.commit()


def stalled(run: CheckRun) -> bool:
    """Unfinished long after it was asked for: the worker is not running or crashed."""
    return not run.finished and clock.utcnow() - run.requested_at > STALLED_AFTER
