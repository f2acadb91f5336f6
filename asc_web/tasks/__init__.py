"""Background work on a task queue (huey): scheduled checks and reminders, Check all.

The web process only enqueues; ``flask --app asc_web worker`` (started by ``make run``, a
second process next to gunicorn in production) runs the tasks and the schedule.
"""

from __future__ import annotations

from flask import Flask, current_app

from .queue import TaskQueue, build


def init_app(app: Flask) -> None:
    """Register the ``worker`` command (the queue itself is built on first use)."""
    from .cli import worker

    app.cli.add_command(worker)


def queue() -> TaskQueue:
    """This app's task queue and its tasks, built the first time something needs them."""
    app = current_app._get_current_object()
    found = app.extensions.get("asc_tasks")
    if found is None:
        found = app.extensions.setdefault("asc_tasks", build(app))
    return found
