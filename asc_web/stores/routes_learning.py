"""Learning and Preparation: the Pre-Setup Tasks, ticked off once for the whole install."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import htmx
from ..auth.wall import require_manager
from ..extensions import db
from . import bp, tasks

# The pages that show the checklist; a no-JavaScript tick goes back to the one it came from.
CHECKLIST_PAGES = {"learning": "stores.learning", "pre-setup": "stores.pre_setup"}


@bp.get("/learning")
def learning():
    """Learning and Preparation: the pre-setup tasks and where to read more."""
    return render_template("stores/learning.html", checklist=tasks.checklist())


@bp.post("/learning/tasks/<key>")
@require_manager
def task(key: str):
    """Tick a task off or on again; htmx gets the task back, a plain post a 303."""
    if key not in tasks.BY_KEY:
        abort(404, "There is no such pre-setup task.")
    done = "1" in request.form.getlist("done")
    tasks.set_done(key, done, current_user)
    db.session.commit()
    page = request.form.get("from", "learning")
    page = page if page in CHECKLIST_PAGES else "learning"
    if htmx.is_htmx():
        checklist = tasks.checklist()
        item = next(item for item in checklist.items if item[0].key == key)
        return render_template(
            "stores/_task_answer.html",
            task=item[0],
            done=item[1],
            checklist=checklist,
            return_to=page,
        )
    state = "done" if done else "not done yet"
    flash(f"“{tasks.BY_KEY[key].title}” is marked as {state}.", "success")
    return redirect(url_for(CHECKLIST_PAGES[page]), 303)
