"""Check all: a run that an admin asks for, checked by the worker, followed on the home page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Progress:
    """What the home page says about a run, and whether it keeps asking for news."""

    text: str
    polling: bool
    attention: bool = False


def progress(run: CheckRun) -> Progress:
    """The run's state in a sentence for the admin who asked for it."""
    if run.finished and run.started_at is None:
        return Progress(
            "Check all could not be queued. Try again in a minute; if it keeps failing, ask "
            "your administrator to check the background worker and ASC_TASK_QUEUE_URL.",
            polling=False,
            attention=True,
        )
    if run.finished:
        total = run.total or 0
        if total == 0:
            return Progress(
                "Check all finished: no store is connected, so there was nothing to check. "
                "Connect a store first.",
                polling=False,
            )
        checked = f"{total} authorization{'' if total == 1 else 's'} checked"
        if run.problems:
            verb = "needs" if run.problems == 1 else "need"
            return Progress(
                f"Check all finished: {checked}, {run.problems} {verb} attention. Reload the "
                "page to see every store as it is now.",
                polling=False,
                attention=True,
            )
        return Progress(
            f"Check all finished: {checked}; Amazon answered normally for all of them. "
            "Reload the page to see the new check times.",
            polling=False,
        )
    if stalled(run):
        return Progress(
            "Check all has not finished after 15 minutes. Make sure the background worker "
            "runs (flask --app asc_web worker), then click Check all again.",
            polling=False,
            attention=True,
        )
    if run.started_at is None:
        return Progress(
            "Check all is queued: the background worker starts it in a moment. You can keep "
            "working meanwhile.",
            polling=True,
        )
    total = run.total or 0
    return Progress(
        f"Checking connections: {min(run.done, total)} of {total} authorization"
        f"{'' if total == 1 else 's'} checked. You can keep working meanwhile.",
        polling=True,
    )


def find(run_id: int | None) -> CheckRun | None:
    """The run ``run_id``, if it exists."""
    return db.session.get(CheckRun, run_id) if run_id else None
