"""The first import of the busiest seeded store (``--import-busiest``).

A fresh install is served by the bench's gunicorn with the embedded Seller Central sandbox.
The bench connects *Bench Connect US* to the sandbox's busiest seller (na.primary@example.com,
about 8,500 orders in two years, 86 pages of getOrders) through the sandbox's screens, then
runs ``flask --app asc_web sync run --store ID`` again and again, as cron would. Each run
imports as much as Amazon's rate allows and stops ("paused") when ASC Web's bucket for
getOrders is empty (0.0167 requests a second, burst 20, paced at 90 %); instead of waiting,
the bench moves the sandbox clock (which the console's clock follows) by the time the bucket
takes to fill again, and runs the next one, until a run says "done".

The report gives the orders and pages imported, the runs, their wall time (what ASC Web and
the sandbox spent; the rate waits were skipped by moving the clock) and the time the same
pages take at Amazon's documented rate (computed). From the sandbox's counters it checks that
no operation went beyond Amazon's documented rate for the seller, and that the orders kept
are exactly the sandbox's orders up to where the import is complete.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import requests

from . import ROOT, databases
from .client import TIMEOUT, Browser
from .data import FLOW_SELLERS, build
from .flows import connect
from .server import Gunicorn
from .settings import Settings

MAX_RUNS = 40
RUN_TIMEOUT_S = 900


def rate_figures() -> dict:
    """getOrders' documented rate and burst, ASC Web's pace, and the clock step that fills
    ASC Web's bucket (and so Amazon's) again."""
    from asc_web.amazon.data import RATES
    from asc_web.sync.buckets import PACE

    rate, burst = RATES["orders"]
    return {"rate": rate, "burst": burst, "pace": PACE,
            "refill_s": math.ceil(burst / (rate * PACE))}  # fmt: skip


def at_amazons_rate(pages: int, figures: dict) -> float:
    """Seconds the pages take at Amazon's rate: the burst at once, then one page per
    1 / (rate × pace) seconds."""
    return max(0, pages - figures["burst"]) / (figures["rate"] * figures["pace"])


def measure(opts, workdir: Path, say, country: str = "US") -> dict:
    """Connect and import the flow store of ``country`` on a fresh install; the report."""
    with databases.temporary("import", opts.database_url) as url:
        settings = Settings(workdir / "instance-import", url)
        say(f"[import] building a fresh install ({country} store of {FLOW_SELLERS[country]})")
        ds = build(1, settings)
        store_id = ds.flow_stores[country]
        with Gunicorn(settings, workdir / "gunicorn-import.log") as server:
            browser = Browser(server.url)
            browser.sign_in(settings.admin_email, settings.admin_password)
            connect(browser, store_id, FLOW_SELLERS[country])
            say(f"[import] store {store_id} connected; importing")
            result = _import(settings, server, store_id, say)
            result.update(_check(settings, server.url, store_id, country, result))
            result["log"] = server.log_counts()
    result.update(country=country, seller_email=FLOW_SELLERS[country])
    return result


def _import(settings: Settings, server: Gunicorn, store_id: int, say) -> dict:
    """Run ``flask sync run --store`` until done, moving the sandbox clock when paused."""
    figures = rate_figures()
    env = settings.env(public_url=server.url)
    # The command runs as cron would beside the server: same database, keys and clock, and
    # no sandbox of its own (it calls the one the server serves).
    env.update(ASC_SANDBOX_DISABLED="true",
               ASC_CLOCK_OFFSET_FILE=str(settings.instance / "sandbox_clock_offset"))  # fmt: skip
    command = [sys.executable, "-m", "flask", "--app", "asc_web", "sync", "run",
               "--store", str(store_id)]  # fmt: skip
    outcomes, seconds, moved, listing_calls = [], [], 0, []
    for n in range(1, MAX_RUNS + 1):
        begin = time.perf_counter()
        # Our own interpreter and fixed arguments; no shell.
        done = subprocess.run(  # noqa: S603
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S
        )
        seconds.append(time.perf_counter() - begin)
        outcome = _outcome(done.stdout)
        outcomes.append(outcome)
        say(f"[import] run {n}: {outcome} in {seconds[-1]:.1f} s")
        listing_calls.append(_listing_calls(server.url) - sum(listing_calls))
        if done.returncode != 0 or outcome not in ("paused", "done"):
            tail = (done.stdout + done.stderr)[-1500:]
            raise RuntimeError(f"sync run {n} ended {outcome!r} (exit {done.returncode}):\n{tail}")
        if outcome == "done":
            break
        _post(server.url, "clock", advance_seconds=figures["refill_s"])
        moved += figures["refill_s"]
    else:
        raise RuntimeError(f"the import was not done after {MAX_RUNS} runs")
    return {"runs": len(outcomes), "outcomes": outcomes,
            "run_seconds": [round(s, 2) for s in seconds], "seconds": round(sum(seconds), 1),
            "clock_moved_s": moved, "rate": figures,
            "listings_calls_per_run": listing_calls}  # fmt: skip


def _listing_calls(base: str) -> int:
    """searchListingsItems calls the sandbox has counted so far (this install's one store)."""
    stats = requests.get(f"{base}/sandbox/_hooks/stats", timeout=TIMEOUT).json()
    return sum(op["calls"] for op in stats["operations"]["searchListingsItems"].values())


def _outcome(stdout: str) -> str:
    """The result word of ``Synced 1 store(s): 1 paused.`` ('' when the line is missing)."""
    for line in stdout.splitlines():
        if line.startswith("Synced 1 store(s): 1 "):
            return line.removeprefix("Synced 1 store(s): 1 ").rstrip(".")
    return ""


def _post(base: str, hook: str, **body) -> dict:
    answer = requests.post(f"{base}/sandbox/_hooks/{hook}", json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return answer.json()


def _check(settings: Settings, base: str, store_id: int, country: str, run: dict) -> dict:
    """Orders kept against the sandbox's, pages, Amazon's rate per operation, PASS or MISS."""
    from asc_web import create_app
    from asc_web.amazon.data import RATES
    from asc_web.amazon.marketplaces import MARKETPLACES
    from asc_web.extensions import db
    from asc_web.models import AmazonOrder, Store, StoreSync

    app = create_app(settings.config())
    with app.app_context():
        seller = db.session.get(Store, store_id).authorization.selling_partner_id
        state = db.session.get(StoreSync, store_id)
        until, phase = state.orders_complete_until, state.phase
        ids = db.select(AmazonOrder.amazon_order_id).where(AmazonOrder.store_id == store_id)
        kept = set(db.session.scalars(ids))
        db.session.remove()  # gives its connection back, so that dispose closes it
        db.engine.dispose()
    # The sandbox's own list of the seller's orders purchased until the import is complete
    # (an order is listed by getOrders a little after it is placed).
    complete = until.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = requests.get(f"{base}/sandbox/_hooks/orders", timeout=(5, 120), params={
        "seller_id": seller, "marketplace_id": MARKETPLACES[country].marketplace_id,
        "created_before": complete})  # fmt: skip
    answer.raise_for_status()
    sandbox = {order["AmazonOrderId"] for order in answer.json()["orders"]}
    stats = requests.get(f"{base}/sandbox/_hooks/stats", timeout=TIMEOUT).json()
    operations = {name: by_seller.get(seller, {"calls": 0, "throttled": 0, "over_rate": 0,
                                               "rate_exceeded": False})
                  for name, by_seller in stats["operations"].items()}  # fmt: skip
    orders_call = operations["getOrders"]
    pages = orders_call["calls"] - orders_call["throttled"]
    within_rate = not any(op["rate_exceeded"] for op in operations.values())
    match = kept == sandbox
    # Each run also syncs the listings (20 a page, 5 a second, burst 5; every one on the
    # first run): the short waits for that rate are slept through inside the runs, and so are
    # part of their wall time. The bucket is full again at each run (the clock moved).
    rate, burst = RATES["listings"]
    slept = sum(max(0, calls - burst) for calls in run["listings_calls_per_run"])
    slept /= rate * run["rate"]["pace"]
    return {
        "orders": len(kept), "sandbox_orders": len(sandbox), "orders_match": match,
        "missing": len(sandbox - kept), "extra": len(kept - sandbox), "phase": phase,
        "pages": pages, "operations": operations, "within_rate": within_rate,
        "listings_sleep_s": round(slept, 1),
        "amazon_rate_s": round(at_amazons_rate(pages, run["rate"]), 1),
        "result": "PASS" if match and within_rate and phase == "ready" else "MISS",
    }  # fmt: skip


def markdown(result: dict) -> list[str]:
    """The import's lines for the report."""
    rate = result["rate"]
    per_page = 1 / (rate["rate"] * rate["pace"])
    ops = "; ".join(f"{name} {op['calls']} calls, {op['throttled']} throttled, "
                    f"rate exceeded: {'yes' if op['rate_exceeded'] else 'no'}"
                    for name, op in result["operations"].items())  # fmt: skip
    minutes = result["amazon_rate_s"] / 60
    return [
        f"**First import of the busiest seeded store** ({result['country']}, "
        f"{result['seller_email']}): **{result['orders']:,} orders in {result['pages']} pages** "
        f"of getOrders, {result['runs']} runs of `flask sync run --store` "
        f"({', '.join(result['outcomes'])}).",
        "",
        "| import | figure |",
        "| --- | --- |",
        f"| wall time of the runs (ASC Web and the sandbox; rate waits skipped) | "
        f"{result['seconds']:,.1f} s ({', '.join(f'{s:.1f}' for s in result['run_seconds'])}) |",
        f"| of which waits for the listings rate, slept in the runs (estimated from the "
        f"listings calls per run: {', '.join(map(str, result['listings_calls_per_run']))}) | "
        f"{result['listings_sleep_s']:,.1f} s |",
        f"| sandbox clock moved (getOrders refill after each pause) | "
        f"{result['clock_moved_s']:,} s |",
        f"| the same pages at Amazon's rate (burst {rate['burst']}, then one page every "
        f"{per_page:.1f} s: {rate['rate']}/s at ASC Web's pace of {rate['pace']:.0%}) | "
        f"{result['amazon_rate_s']:,.0f} s ≈ {minutes:,.0f} min, plus the runs' own time |",
        f"| orders kept / the sandbox's up to the complete point | {result['orders']:,} / "
        f"{result['sandbox_orders']:,} ({'same' if result['orders_match'] else 'DIFFERENT'}: "
        f"{result['missing']} missing, {result['extra']} extra) |",
        f"| Amazon's documented rate per operation, this seller | {ops} |",
        f"| result (same orders, no rate exceeded, phase ready) | **{result['result']}** |",
        "",
    ]
