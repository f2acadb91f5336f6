"""Orchestrate a run: per size, build, count queries, serve, load each endpoint, report."""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from . import (
    ROOT,
    amazon_data,
    checks,
    databases,
    flows,
    history,
    importing,
    load,
    queries,
    report,
    targets,
)
from .client import Browser, Endpoint, probe
from .data import Dataset, build
from .databases import count_stores
from .server import Gunicorn, connection_cap
from .settings import Settings


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line; ``--quick`` is a smoke run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--sizes", help="store counts, comma-separated (default 100,10000,100000; "
                        "none with --check-scale alone)")  # fmt: skip
    parser.add_argument("--flows", type=int, default=40, help="connect flows per size")
    parser.add_argument("--flow-parallel", type=int, default=4, help="flows at once (max 4)")
    parser.add_argument("--only", default="", help="endpoint keys to run, comma-separated")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="2 s per endpoint, 100 stores")
    parser.add_argument(
        "--history-rows", type=int, default=0,
        help="then add N history rows and load the dashboard and /errors again",
    )  # fmt: skip
    parser.add_argument(
        "--check-scale", metavar="STORES:AUTHORIZATIONS",
        help="time `connections check` on this many stores and authorizations (e.g. 10000:3000)",
    )  # fmt: skip
    parser.add_argument("--check-processes", default="1,2",
                        help="process counts to run the check with, comma-separated")  # fmt: skip
    parser.add_argument(
        "--import-busiest", action=argparse.BooleanOptionalAction, default=None,
        help="time the first import of the busiest seeded store (US, about 8,500 orders) on a "
        "fresh install, Amazon's rate waits skipped by moving the sandbox clock (default: on, "
        "off with --quick or --check-scale)",
    )  # fmt: skip
    parser.add_argument(
        "--amazon-data", action="store_true",
        help="then give every connected store two years of Amazon data (orders, daily sales, "
        "listings) and load the home page, the card and the dashboard again",
    )  # fmt: skip
    opts = parser.parse_args(argv)
    # Asked for by name: alone unless sizes are given too. Otherwise (about 40 s) part of a
    # full run, not of a smoke run nor of the check at scale.
    alone = opts.check_scale or opts.import_busiest
    if opts.import_busiest is None:
        opts.import_busiest = not (opts.quick or opts.check_scale)
    if opts.quick:
        opts.duration, opts.sizes, opts.flows = 2.0, "100", 8
    if opts.sizes is None:
        opts.sizes = "" if alone else "100,10000,100000"
    opts.sizes = sorted({int(s) for s in opts.sizes.split(",") if s.strip()})
    if (not opts.sizes and not alone) or min(opts.sizes, default=1) < 1:
        parser.error("--sizes needs positive store counts")
    if opts.check_scale:
        try:
            opts.check_scale = checks.parse_scale(opts.check_scale)
            opts.check_processes = [int(n) for n in opts.check_processes.split(",") if n]
        except ValueError as exc:
            parser.error(str(exc))
    if opts.history_rows < 0:
        parser.error("--history-rows needs a count of rows (0: none)")
    return opts


# Loaded again once the history rows are in (``--history-rows``), against these rows.
HISTORY_ROWS = ("dashboard_history", "errors_history")
# Loaded again once every connected store has two years of Amazon data (``--amazon-data``).
AMAZON_ROWS = ("home_amazon", "card_amazon", "dashboard_amazon")


def plan(ds: Dataset, history_rows: int = 0, amazon: bool = False) -> list[Endpoint]:
    """The endpoints, in order: reads first (with ``history_rows``, again once the history
    is in; with ``amazon``, again once the Amazon data is in), then the two write paths,
    then /healthz again."""
    store = f"/stores/{ds.sample_store_id}"
    with_amazon = [
        Endpoint("home_amazon", "home /, 2 years of Amazon data", "/"),
        Endpoint("card_amazon", "card …/card (htmx), 2 years of Amazon data", f"{store}/card",
                 htmx=True),
        Endpoint("dashboard_amazon", "dashboard, 2 years of Amazon data", store),
    ] if amazon else []  # fmt: skip
    with_history = [
        Endpoint("dashboard_history", f"dashboard, {history_rows:,} history rows", store),
        Endpoint("errors_history", f"errors log /errors, {history_rows:,} history rows",
                 "/errors"),
    ] if history_rows else []  # fmt: skip
    # With --history-rows the pages are first loaded with one page of history, so that both
    # loads list as many rows and only the size of the history differs.
    page = ", one page of history" if history_rows else ""
    return [
        Endpoint("healthz", "/healthz", "/healthz"),
        Endpoint("home", "home /", "/"),
        *home_views(ds),
        # Again after the last view (and after each view: ``home_again_after``); each view
        # is judged against the loads just before and after it (``targets.beside``).
        Endpoint("home_end", "home / (again, after its views)", "/"),
        Endpoint("card_poll", "card poll …/connect/status", f"{store}/connect/status", htmx=True),
        Endpoint("card", "card …/card (htmx)", f"{store}/card", htmx=True),
        *figures_poll(ds),
        Endpoint("dashboard", "dashboard /stores/<id>" + page, store),
        Endpoint("errors", "errors log /errors" + page, "/errors"),
        *with_history,
        *with_amazon,
        Endpoint("callback", "connect callback (req/s = flows/s)", "/amazon/callback"),
        Endpoint("add_store", "add store POST /stores/new", "/stores/new", "POST",
                 script="add_store.lua"),
        Endpoint("healthz_end", "/healthz (again, last)", "/healthz"),
    ]  # fmt: skip


def figures_poll(ds: Dataset) -> list[Endpoint]:
    """What a home page of importing cards asks every 5 seconds: their figures, together
    (none when the install has no such store)."""
    if not ds.importing:
        return []
    asked = "&".join(f"id={store_id}" for store_id in ds.importing)
    label = f"figures poll /stores/figures ({len(ds.importing)} importing cards, htmx)"
    return [Endpoint("figures_poll", label, f"/stores/figures?{asked}", htmx=True)]


def home_views(ds: Dataset) -> list[Endpoint]:
    """Every filter of the home page, the search and its last page (issue 15): each must
    stay at least 0.8 × the unfiltered home page (``targets.is_home_view``).

    Keys: ``home_country``, ``home_<status>`` for each status filter of the app (with
    ``home_attention``, "Needs attention"), ``home_search``, ``home_last``.
    """
    from asc_web.models.status import LABELS
    from asc_web.stores.listing import PER_PAGE, STATUS_FILTERS

    last = last_page(ds.stores, PER_PAGE)
    # The statuses and "Needs attention", a filter that is not a status: named in its label.
    statuses = {code: "" if code in LABELS else f" ({label})"
                for code, label in STATUS_FILTERS.items()}  # fmt: skip
    return [
        Endpoint("home_country", "home /?country=UK", "/?country=UK"),
        *[Endpoint(f"home_{code}", f"home /?status={code}{named}", f"/?status={code}")
          for code, named in statuses.items()],
        Endpoint("home_search", "home /?q=store 0042", "/?q=store+0042"),
        Endpoint("home_last", f"home /?page={last} (last page)", f"/?page={last}"),
    ]  # fmt: skip


def last_page(stores: int, per_page: int) -> int:
    """The home page's last page number for ``stores`` stores, ``per_page`` cards a page."""
    return max(1, math.ceil(stores / per_page))


def say(message: str) -> None:
    """Progress on stderr; the report goes to stdout."""
    print(message, file=sys.stderr, flush=True)


def measure(size: int, opts, workdir: Path, tag: str) -> dict:
    """Everything measured on one install of ``size`` stores."""
    with databases.temporary(str(size), opts.database_url) as url:
        settings = Settings(workdir / f"instance-{size}", url)
        say(f"[{size} stores] building the database")
        ds = build(size, settings)
        if opts.history_rows:
            from asc_web import clock

            history.seed_page(settings, ds.sample_store_id, clock.utcnow())
        everything = plan(ds, opts.history_rows, opts.amazon_data)
        say(f"[{size} stores] counting SQL statements per request")
        later = (*HISTORY_ROWS, *AMAZON_ROWS)  # counted once their rows are in
        counted = [e for e in everything if e.key != "callback" and e.key not in later]
        sql = queries.count(ds, counted, ds.form)
        # Counting the add-store form created stores: the last page is the served one's.
        ds = replace(ds, stores=count_stores(settings))
        everything = plan(ds, opts.history_rows, opts.amazon_data)
        endpoints = [e for e in everything if not opts.only or e.key in opts.only.split(",")]
        unknown = set(opts.only.split(",")) - {e.key for e in everything} - {""}
        if unknown:
            say(f"[{size} stores] --only: no endpoint {', '.join(sorted(unknown))} in this run")
        cap = connection_cap(opts.connections)
        with Gunicorn(settings, workdir / f"gunicorn-{size}.log", worker_connections=cap) as server:
            browser = Browser(server.url)
            browser.sign_in(settings.admin_email, settings.admin_password)
            rows, seeded, amazon = [], None, None
            home = next((e for e in endpoints if e.key == "home"), None)
            for n, e in enumerate(endpoints):
                if e.key in HISTORY_ROWS and seeded is None:
                    seeded = _add_history(ds, opts.history_rows, everything, sql)
                    e.notes.append(_history_note(seeded))
                if e.key in AMAZON_ROWS and amazon is None:
                    amazon = _add_amazon_data(ds, everything, sql)
                    e.notes.append(_amazon_note(amazon))
                rows.append(_measure_one(server, ds, e, browser, opts, tag))
                if home and home_again_after(endpoints, n):
                    again = replace(home, notes=[], skip="")
                    rows[-1]["home_after"] = _measure_one(server, ds, again, browser, opts, tag)
                    e.notes += [f"home beside it: {note}" for note in again.notes]
            memory = server.memory()
            restarted = set(server.workers()) != set(server.first_workers)
            log = server.log_counts()
    targets.judge_memory(memory)
    return {"statuses": ds.statuses, "queries": sql, "endpoints": rows, "memory": memory,
            "log": log, "workers_restarted": restarted, "history": seeded,
            "amazon_data": amazon}  # fmt: skip


def home_again_after(endpoints: list[Endpoint], n: int) -> bool:
    """Whether the home page loads again after ``endpoints[n]``: after each of its views,
    unless a load of the home page comes next anyway (``home_end``). Each view is judged
    against the home page's loads just before and after it (``targets.beside``)."""
    following = endpoints[n + 1].key if n + 1 < len(endpoints) else None
    return targets.is_home_view(endpoints[n].key) and following not in targets.HOME_RUNS


def _add_history(ds: Dataset, rows: int, everything: list[Endpoint], sql: dict) -> dict:
    """Add ``rows`` history rows to the served install and count the history rows' SQL.

    Before the write paths run: the history is spread over the bench's own stores.
    """
    from asc_web import clock

    say(f"[{ds.size} stores] adding {rows:,} history rows")
    seeded = history.seed(ds.settings, rows, clock.utcnow())
    say(f"[{ds.size} stores] history added in {seeded['seconds']:,.1f} s: {seeded['tables']}")
    sql.update(queries.count(ds, [e for e in everything if e.key in HISTORY_ROWS], ds.form))
    return seeded


def _history_note(seeded: dict) -> str:
    """How many history rows were added and how long it took (and PostgreSQL's VACUUM)."""
    note = f"{seeded['rows']:,} history rows added in {seeded['seconds']:,.1f} s"
    if seeded.get("settle_seconds") is not None:
        note += f", then VACUUM ANALYZE in {seeded['settle_seconds']:,.1f} s"
    return f"{note}, before this row"


def _add_amazon_data(ds: Dataset, everything: list[Endpoint], sql: dict) -> dict:
    """Give every connected store of the served install two years of Amazon data, and count
    the SQL of the pages loaded again."""
    from asc_web import clock

    say(f"[{ds.size} stores] adding two years of Amazon data to every connected store")
    seeded = amazon_data.seed(ds.settings, clock.utcnow())
    say(f"[{ds.size} stores] Amazon data added in {seeded['seconds']:,.1f} s: {seeded['tables']}")
    sql.update(queries.count(ds, [e for e in everything if e.key in AMAZON_ROWS], ds.form))
    return seeded


def _amazon_note(seeded: dict) -> str:
    """What the Amazon rows were measured with, and how long adding it took."""
    tables = seeded["tables"]
    return (f"{seeded['stores']:,} connected stores given {tables['amazon_orders']:,} orders, "
            f"{tables['daily_sales']:,} days of sales and {tables['listings']:,} listings "
            f"({seeded['first_day']} to {seeded['last_day']}) in {seeded['seconds']:,.1f} s "
            "before this row")  # fmt: skip


def _measure_one(server: Gunicorn, ds: Dataset, ep: Endpoint, browser: Browser, opts, tag):
    """Probe one endpoint, then load it (wrk, or the flow driver for the callback)."""
    row = {"key": ep.key, "label": ep.label, "path": ep.path, "notes": ep.notes}
    if ep.key == "callback":
        say(f"[{ds.size} stores] {opts.flows} connect flows")
        return row | flows.run(server.url, ds, opts.flows, opts.flow_parallel)
    # A fresh cookie per endpoint, as a browser keeps it: the app re-signs a session that
    # was last seen over a minute ago, and wrk itself never stores cookies.
    headers = browser.headers()
    probe(server.url, ep, headers, ds.form)
    if ep.skip.startswith("answers HTTP 5"):
        ep.notes.append(f"server error: {server.last_exception() or 'see the gunicorn log'}")
    if ep.skip:
        say(f"[{ds.size} stores] {ep.label}: skipped ({ep.skip})")
        return row | {"skip": ep.skip}
    say(f"[{ds.size} stores] {ep.label}: wrk for {opts.duration:g} s")
    spec = load.Load(opts.duration, opts.connections, opts.threads)
    if ep.key != "add_store":
        return row | _balanced_run(server, ep, headers, spec, ds.size)
    before, locked = count_stores(ds.settings), server.log_counts()["database_is_locked"]
    result = load.run(server.url, ep, headers, spec, args=(f"{tag}s{ds.size}", ds.form))
    created = count_stores(ds.settings) - before
    return row | result | {
        "created": created,
        "creates_per_s": round(created / result["seconds"], 1) if result["seconds"] else 0.0,
        "database_is_locked": server.log_counts()["database_is_locked"] - locked,
    }  # fmt: skip


# wrk opens its connections at once and each stays with the worker that accepted it: when
# most land on one of the two workers, that row runs on one CPU and reads up to half its
# real throughput (seen: the same page 0.5 and 1.0 × home in two runs). A row whose busiest
# worker did more than BALANCED of the work is run again, up to BALANCE_TRIES times, and the
# most even run is kept; the report says so.
BALANCED = 0.7
BALANCE_TRIES = 3


def _balanced_run(server: Gunicorn, ep: Endpoint, headers, spec, size: int) -> dict:
    """``load.run`` until the two workers shared the load (see BALANCED); the most even."""
    best = None
    for attempt in range(1, BALANCE_TRIES + 1):
        before = server.cpu_ticks()
        result = load.run(server.url, ep, headers, spec)
        after = server.cpu_ticks()
        result["busiest_worker_share"] = _busiest_share(before, after)
        result["cpu_ms"] = _cpu_ms_per_request(before, after, result["requests"])
        if best is None or result["busiest_worker_share"] < best["busiest_worker_share"]:
            best = result
        if result["busiest_worker_share"] <= BALANCED:
            break
        say(f"[{size} stores] {ep.label}: one worker did "
            f"{result['busiest_worker_share']:.0%} of the work; again ({attempt})")  # fmt: skip
    if attempt > 1:
        ep.notes.append(f"run {attempt} times: wrk's connections landed mostly on one worker; "
                        f"the most even run is kept (busiest worker "
                        f"{best['busiest_worker_share']:.0%} of the CPU)")  # fmt: skip
    return best


def _cpu_ms_per_request(before: dict[int, int], after: dict[int, int], requests: int):
    """The workers' CPU time (user + system) per request between two readings, in ms; None
    without a request. Unlike req/s it leaves out wrk's share of the two CPUs and the time
    the workers waited for a CPU (not the database server's own CPU): a second view of a
    page's cost on a machine that is not quiet."""
    used = sum(_ticks_used(before, after))
    return round(used * 1000 / os.sysconf("SC_CLK_TCK") / requests, 3) if requests else None


def _ticks_used(before: dict[int, int], after: dict[int, int]) -> list[int]:
    """Each worker's CPU ticks between two readings (a worker started since: from zero)."""
    return [after[pid] - before.get(pid, 0) for pid in after]


def _busiest_share(before: dict[int, int], after: dict[int, int]) -> float:
    """The share of the workers' CPU time the busiest one used between two readings."""
    used = _ticks_used(before, after)
    return max(used) / sum(used) if sum(used) > 0 else 0.0


def _git(*args: str) -> str:
    """What a git command prints, for the report's header."""
    # git from PATH with fixed arguments; no shell.
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    return done.stdout.strip()


def _interrupt(_signum, _frame):
    """Turn SIGTERM into KeyboardInterrupt so every ``finally`` stops what it started."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print the Markdown report and save it with its JSON."""
    opts = parse(argv)
    if opts.sizes:
        load.wrk_path()
    signal.signal(signal.SIGTERM, _interrupt)
    for key in [k for k in os.environ if k.startswith("ASC_")]:
        del os.environ[key]  # the bench configures every install itself
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_before = os.getloadavg()[0]
    tag = str(int(time.time()))
    try:
        with tempfile.TemporaryDirectory(prefix="asc-bench-") as tmp:
            workdir = Path(tmp)
            sizes = {size: measure(size, opts, workdir, tag) for size in opts.sizes}
            home_queries = {1: _home_queries_at_one(opts, workdir)} if sizes else {}
            home_queries.update({s: r["queries"].get("home") for s, r in sizes.items()})
            check = checks.measure(opts, workdir, say) if opts.check_scale else None
            imported = importing.measure(opts, workdir, say) if opts.import_busiest else None
    except KeyboardInterrupt:
        say("Interrupted: gunicorn stopped, temporary files removed.")
        return 130
    if sizes:
        targets.judge_rows(sizes)
    run = {
        "started": started, "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain")),
        "backend": databases.describe(opts.database_url),
        "options": {"duration": opts.duration, "connections": opts.connections,
                    "threads": opts.threads, "sizes": opts.sizes, "flows": opts.flows,
                    "history_rows": opts.history_rows, "amazon_data": opts.amazon_data,
                    "import_busiest": opts.import_busiest},
        "machine": {"cpus": os.cpu_count(), "load_before": round(load_before, 2),
                    "load_after": round(os.getloadavg()[0], 2)},
        "sizes": sizes, "home_queries": targets.judge_queries(home_queries) if sizes else None,
        "check_scale": check, "import_busiest": imported,
    }  # fmt: skip
    json_path, md_path = report.write(run)
    print(report.markdown(run))
    say(f"Saved {json_path.relative_to(ROOT)} and {md_path.relative_to(ROOT)}")
    return 0


def _home_queries_at_one(opts, workdir: Path) -> int | None:
    """SQL statements for the home page of an install with a single store."""
    with databases.temporary("1", opts.database_url) as url:
        ds = build(1, Settings(workdir / "instance-1", url))
        return queries.count(ds, [Endpoint("home", "home /", "/")], ds.form).get("home")
