"""``flask --app asc_web worker``: run the background tasks and the schedule."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from ..logs import LOG_FORMAT, RedactSecrets
from .queue import ScheduledConsumer

# How long a stopping worker lets running tasks finish before it interrupts them.
SHUTDOWN_SECONDS = 10


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Tasks run at once.")
@click.option(
    "--stop-with-parent", is_flag=True,
    help="Stop when the process that started the worker ends (make run uses this).",
)  # fmt: skip
@with_appcontext
def worker(threads: int, stop_with_parent: bool) -> None:
    """Run scheduled connection checks, reminders and Check all (one per server is enough)."""
    from . import queue

    _log_to_stderr()
    tasks = queue()
    interval = current_app.config.get("CHECK_INTERVAL_SECONDS")
    every = f"every {_duration(interval)}" if interval else "off (cron runs them)"
    mail = "on" if current_app.config.get("MAIL_SERVER") else "off (no ASC_MAIL_SERVER)"
    click.echo(
        f"ASC Web worker: queue {tasks.where}; connection checks {every}; "
        f"email reminders {mail}. Stop it with Ctrl-C.",
        err=True,
    )
    consumer = ScheduledConsumer(
        tasks.huey,
        tasks.tick_seconds,
        workers=threads,
        worker_type="thread",
        periodic=True,
        shutdown_timeout=SHUTDOWN_SECONDS,
        check_worker_health=True,
    )
    if stop_with_parent:
        _stop_with_parent()
    consumer.run()


def _stop_with_parent() -> None:
    """Stop gracefully (as with Ctrl-C) once the parent process is gone."""
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            threading.Event().wait(0.5)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _log_to_stderr() -> None:
    """huey's start and stop lines (and its errors) on standard error, redacted."""
    level = logging.getLogger("asc_web").getEffectiveLevel()
    for name, wanted in (("huey", logging.WARNING), ("huey.consumer", logging.INFO)):
        logger = logging.getLogger(name)
        logger.setLevel(min(level, wanted) if level <= logging.DEBUG else wanted)
        if not logging.getLogger().handlers and not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
            handler.addFilter(RedactSecrets())
            logger.addHandler(handler)
            logger.propagate = False


def _duration(seconds: float) -> str:
    """6h, 90m, 45s: the interval as people write it."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
