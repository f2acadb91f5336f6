"""``flask --app asc_web connections ...``: the cron-friendly connection check."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta

import click
import requests
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import Authorization
from . import checks, settings

connections = AppGroup("connections", help="Check and maintain Amazon connections.")


@connections.command("check")
@click.option(
    "--lease-minutes", default=10, show_default=True,
    help="How long a store checked by this run is left alone by other runs.",
)  # fmt: skip
def check_command(lease_minutes: int) -> None:
    """Refresh tokens and call the Sellers API for every connected store, then send due
    reminders (safe in parallel)."""
    try:
        unreachable = _sandbox_unreachable()
        if unreachable:
            click.echo(unreachable, err=True)
            sys.exit(1)
        results = checks.check_all(timedelta(minutes=lease_minutes))
    except Exception as exc:  # the run itself failed: say so and exit non-zero
        click.echo(f"Connection check could not run: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    counts = Counter(r.result for r in results)
    retries = sum(r.retries for r in results)
    summary = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(counts.items()))
    click.echo(f"Checked {len(results)} store(s): {summary or 'nothing to check'}; "
               f"{retries} retr{'y' if retries == 1 else 'ies'}.")  # fmt: skip
    for r in results:
        if r.result != "ok":
            click.echo(f"  store {r.store_id}: {r.result} — {r.message}")
    _remind()


def _sandbox_unreachable() -> str | None:
    """In sandbox mode, with authorizations to check: why the sandbox cannot be reached.

    The sandbox is served by the running console, on the port it was started with; a
    command run in another shell does not know that port and tries 5000. Saying so here
    beats recording "Amazon is not available" for every store.
    """
    if current_app.config["AMAZON_MODE"] != "sandbox":
        return None
    if db.session.scalar(select(Authorization.id).limit(1)) is None:
        return None  # nothing to check: no need for the sandbox
    base = settings.endpoints().sandbox_base
    try:
        requests.get(f"{base}/", timeout=settings.timeouts().as_tuple(), allow_redirects=False)
    except requests.exceptions.RequestException as exc:
        timed_out = isinstance(exc, requests.Timeout)
        reason = "it did not answer in time" if timed_out else "nothing answered there"
        return (
            f"Could not reach the Seller Central sandbox at {base} ({reason}); nothing was "
            "checked. In sandbox mode this command talks to the sandbox of the running "
            "console: start it first (`make run`), or tell this command where it runs, with "
            "the port it was started on (`PORT=8080 .venv/bin/flask --app asc_web connections "
            "check` after `make run PORT=8080`) or its address (ASC_PUBLIC_URL=http://HOST:PORT)."
        )
    finally:
        db.session.rollback()  # end the read transaction before the run claims its leases
    return None


def _remind() -> None:
    """After the checks, send the reminders they made due (as the worker's schedule does)."""
    from ..reminders import mail
    from ..reminders import services as reminders

    if mail.settings() is None:
        click.echo("Email reminders are off: set ASC_MAIL_SERVER and ASC_MAIL_SENDER to send them.")
        return
    try:
        sent = reminders.send_due()
    except Exception as exc:  # the checks are done; say why the reminders are not
        click.echo(f"Reminders could not be sent: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Sent {sent} reminder email{'' if sent == 1 else 's'}.")
