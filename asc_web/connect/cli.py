"""``flask --app asc_web connections ...``: the cron-friendly connection check."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import timedelta

import click
from flask.cli import AppGroup

from . import checks

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
