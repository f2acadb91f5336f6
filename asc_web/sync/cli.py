"""``flask --app asc_web sync run``: sync the stores that are due (cron-friendly)."""

from __future__ import annotations

import sys
from collections import Counter

import click
from flask.cli import AppGroup

from . import services

sync = AppGroup("sync", help="Keep each connected store's Amazon data (sales, orders, listings).")


@sync.command("run")
@click.option("--store", "store_id", type=int, help="Sync this store only, due or not.")
@click.option(
    "--budget", default=300.0, show_default=True,
    help="Seconds after which no further store is started.",
)  # fmt: skip
def run_command(store_id: int | None, budget: float) -> None:
    """Sync due stores as far as Amazon's rates allow now (safe in parallel: one run per
    store at a time)."""
    try:
        if store_id is not None:
            results = [services.run(store_id)]
        else:
            results = services.run_due(budget_seconds=budget)
    except Exception as exc:  # the run itself failed: say so and exit non-zero
        click.echo(f"Sync could not run: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
    counts = Counter(r.result for r in results)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "nothing due"
    click.echo(f"Synced {len(results)} store(s): {summary}.")
    if counts.get("failed") or counts.get("reconnect"):
        sys.exit(2)
