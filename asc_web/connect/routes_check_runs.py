"""Check all (admins): queue a check of every authorization and follow its progress."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from .. import htmx, tasks
from ..auth.wall import require_admin
from ..extensions import db
from . import bp, check_runs

log = logging.getLogger(__name__)


@bp.post("/connections/check")
@require_admin
def check_all():
    """Queue a check of every authorization; answer with its progress (htmx) or go home."""
    run = check_runs.request_run(current_user.id)
    db.session.commit()
    try:
        tasks.queue().check_all(run.id)
    except Exception:  # the queue's storage did not answer (Redis down, disk full, …)
        log.exception("Check all %s could not be queued", run.id)
        check_runs.give_up(run)
        db.session.commit()
    if htmx.wants_fragment():
        return _fragment(run)
    state = check_runs.progress(run)
    if state.polling:
        flash("Checking every connection in the background. Reload this page to follow the "
              "progress.", "info")  # fmt: skip
    return redirect(url_for("stores.home", check_run=run.id), 303)


@bp.get("/connections/check/<int:run_id>")
@require_admin
def check_run(run_id: int):
    """The run's progress: the fragment htmx polls, or the home page that shows it."""
    run = check_runs.find(run_id)
    if run is None:
        abort(404)
    if htmx.wants_fragment():
        return _fragment(run)
    return redirect(url_for("stores.home", check_run=run.id))


def _fragment(run):
    """The Check all block with this run's progress."""
    response = render_template(
        "connect/_check_all.html", check_run=run, check_progress=check_runs.progress(run)
    )
    return response, 200, {"Vary": "HX-Request"}
