"""The sync of a store's Amazon data against the sandbox: figures to the cent, idempotent,
resumable, within Amazon's rates."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import (
    AmazonOrder,
    CommunicationError,
    DailySales,
    Listing,
    Store,
    StoreSync,
)
from asc_web.models.status import store_status
from asc_web.sync import figures
from asc_web.sync import services as sync
from tests.reliability.servers import FLASK, ROOT, environment
from tests.reliability.support import wait_until
from tests.support import amazon
from tests.support.amazon_data import expected_30_days, seeded_orders
from tests.support.worker import Worker, worker_settings


@pytest.fixture(autouse=True)
def waits_move_the_sandbox_clock(monkeypatch, hooks):
    """A run's short waits for Amazon's rate (listings: 5 a second) move the sandbox clock,
    which the console follows, instead of sleeping: the same waits, no test time."""

    class Clock:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            hooks.post("clock", advance_seconds=seconds)

    monkeypatch.setattr(sync, "time", Clock)


def test_first_run_brings_the_30_day_sales_to_the_cent(live, connected_store):
    store_id = connected_store()
    with live.app.app_context():
        result = sync.run(store_id)
        now = clock.utcnow()
        store = db.session.get(Store, store_id)
        state = db.session.get(StoreSync, store_id)
        recent = figures.recent_sales(store, state, now)
        from_days = figures.daily_total(store_id, recent.first_day, recent.last_day)
        kept = db.session.scalar(select(func.count()).select_from(AmazonOrder))
    assert result.result in ("paused", "done"), result
    seeded = seeded_orders(live, store_id)
    assert recent.total_minor == expected_30_days(seeded, now) == from_days
    assert recent.total_minor > 0
    assert recent.currency == "USD"
    assert state.orders_imported == kept > 0


# getOrders refills at 0.0167 requests a second: twenty minutes of sandbox clock hold its
# whole burst of 20 pages again.
REFILL = 20 * 60


def run_once(live, store_id: int):
    with live.app.app_context():
        return sync.run(store_id)


def run_to_the_end(live, hooks, store_id: int, rounds: int = 12) -> list[str]:
    """Run the store's sync, moving the sandbox clock on whenever Amazon's rate pauses it."""
    seen = []
    for _ in range(rounds):
        result = run_once(live, store_id)
        seen.append(result.result)
        if result.result == "done":
            return seen
        assert result.result == "paused", seen
        hooks.post("clock", advance_seconds=REFILL)
    raise AssertionError(f"not done after {rounds} runs: {seen}")


def kept_orders(live, store_id: int) -> list[str]:
    with live.app.app_context():
        return list(
            db.session.scalars(
                select(AmazonOrder.amazon_order_id).where(AmazonOrder.store_id == store_id)
            )
        )


def complete_until(live, store_id: int) -> datetime:
    with live.app.app_context():
        return db.session.get(StoreSync, store_id).orders_complete_until


def assert_complete(kept: list[str], seeded: dict, until: datetime) -> None:
    """A complete search up to ``until`` keeps each order once: every order whose last
    update (as the sandbox reports it now) is by then, and no order purchased after it.
    An order purchased before ``until`` but changed since may or may not be kept yet (Amazon
    lists an order by its newest change; the next search brings it)."""

    def when(order: dict, field: str) -> datetime:
        return datetime.fromisoformat(order[field].replace("Z", "+00:00"))

    orders = seeded["orders"]
    must = {o["AmazonOrderId"] for o in orders if when(o, "LastUpdateDate") <= until}
    may = {o["AmazonOrderId"] for o in orders if when(o, "PurchaseDate") <= until}
    assert len(kept) == len(set(kept)), "an order was kept twice"
    assert not must - set(kept), sorted(must - set(kept))[:5]
    assert not set(kept) - may, sorted(set(kept) - may)[:5]
    assert len(must) > 0.9 * len(may)


def seller_and_marketplace(live, store_id: int) -> tuple[str, str]:
    with live.app.app_context():
        store = db.session.get(Store, store_id)
        return store.authorization.selling_partner_id, store.marketplace.marketplace_id


def test_an_added_order_and_listing_issue_appear_after_the_next_sync(live, connected_store, hooks):
    store_id = connected_store("Amazon Store Mexico", "MX")
    assert run_to_the_end(live, hooks, store_id) == ["paused", "done"]  # 2,328 orders
    seller, marketplace = seller_and_marketplace(live, store_id)
    with live.app.app_context():
        before = db.session.get(StoreSync, store_id)
        issues_before = before.listings_with_issues
        listing = db.session.scalar(
            select(Listing).where(Listing.store_id == store_id, Listing.issue_count == 0)
        )
        sku = listing.sku
    order = create(live, "orders", seller_id=seller, marketplace_id=marketplace,
                   items=[{"sku": sku, "quantity": 3}], status="Unshipped")  # fmt: skip
    create(live, "listings/issues", seller_id=seller, marketplace_id=marketplace, sku=sku,
           severity="ERROR", message="The item's brand is missing.")  # fmt: skip
    hooks.post("clock", advance_seconds=180)  # Amazon lists an order two minutes after

    listing_calls = hooks.stats()["operations"]["searchListingsItems"][seller]["calls"]
    assert run_once(live, store_id).result == "done"
    # Only the newest listings are read again (a first page of 20 holds the changed one).
    assert hooks.stats()["operations"]["searchListingsItems"][seller]["calls"] == (
        listing_calls + 1
    )
    with live.app.app_context():
        mine = db.session.scalar(
            select(AmazonOrder).where(AmazonOrder.amazon_order_id == order["AmazonOrderId"])
        )
        state = db.session.get(StoreSync, store_id)
        recent = figures.recent_sales(db.session.get(Store, store_id), state, clock.utcnow())
        flagged = db.session.get(Listing, (store_id, sku))
        totals = kept_totals(store_id)
        # The chart's bars the sync kept draw what the days it wrote give.
        store, now = db.session.get(Store, store_id), clock.utcnow()
        kept = {period: figures.revenue(store, period, now) for period in figures.PERIODS}
        with db.session.no_autoflush:
            state.chart, bars_kept = None, state.chart  # as before the upgrade's first sync
            read = {period: figures.revenue(store, period, now) for period in figures.PERIODS}
            state.chart = bars_kept
    assert bars_kept is not None and kept == read and kept["month"].total_minor > 0
    assert mine is not None and mine.status == "Unshipped" and mine.items == 3
    assert mine.total_minor == int(Decimal(order["OrderTotal"]["Amount"]) * 100)
    seeded = seeded_orders(live, store_id)
    assert recent.total_minor == expected_30_days(seeded, clock_now(live))
    assert state.listings_with_issues == issues_before + 1
    # The dashboard's totals, counted by the sync, agree with the rows it wrote.
    assert state.lifetime_sales_minor == totals["sales"] and state.lifetime_orders == totals["n"]
    assert [tuple(pair) for pair in state.listings_by_status] == totals["by_status"]
    assert sum(n for _status, n in state.listings_by_status) == state.listings_total
    assert {"code": flagged.issues[-1]["code"], "severity": "ERROR"}.items() <= flagged.issues[
        -1
    ].items()
    assert "brand is missing" in flagged.issues[-1]["message"]


def kept_totals(store_id: int) -> dict:
    """What the kept rows add up to: lifetime sales and orders, listings per status."""
    sales, orders = db.session.execute(
        select(func.sum(DailySales.sales_minor), func.sum(DailySales.orders))
        .where(DailySales.store_id == store_id)
    ).one()  # fmt: skip
    n = func.count().label("n")
    by_status = db.session.execute(
        select(Listing.status, n).where(Listing.store_id == store_id)
        .group_by(Listing.status).order_by(n.desc(), Listing.status)
    ).all()  # fmt: skip
    return {"sales": sales, "n": orders, "by_status": [tuple(row) for row in by_status]}


def create(live, hook: str, **body) -> dict:
    """Add an order or a listing issue through the sandbox's data hooks."""
    answer = requests.post(f"{live.sandbox}/_hooks/{hook}", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()


def clock_now(live) -> datetime:
    with live.app.app_context():
        return clock.utcnow()


def test_a_repeated_import_changes_nothing(live, connected_store, hooks):
    store_id = connected_store("Amazon Store Mexico", "MX")
    run_to_the_end(live, hooks, store_id)
    first = set(kept_orders(live, store_id))
    first_until = complete_until(live, store_id)
    with live.app.app_context():  # as if the run had not recorded how far it got
        state = db.session.get(StoreSync, store_id)
        state.orders_complete_until = None
        state.phase = "importing"
        db.session.commit()
    hooks.post("clock", advance_days=3)  # new orders, and old ones shipped, meanwhile
    run_to_the_end(live, hooks, store_id)
    again = kept_orders(live, store_id)
    assert len(set(again)) == len(again), "an order was kept twice"
    assert first <= set(again)
    # The second import may bring orders changed since the first one finished, and only
    # those (its own pauses move the sandbox clock on too).
    seeded = seeded_orders(live, store_id)
    changed_since = {
        order["AmazonOrderId"]
        for order in seeded["orders"]
        if datetime.fromisoformat(order["LastUpdateDate"].replace("Z", "+00:00")) > first_until
    }
    assert not set(again) - first - changed_since, sorted(set(again) - first - changed_since)
    assert_complete(again, seeded, complete_until(live, store_id))


def test_two_processes_at_once_import_each_order_once(live, connected_store, hooks, tmp_path):
    store_id = connected_store("Amazon Store Mexico", "MX")
    env = environment(worker_settings(live.app, live.url))
    runs = [
        subprocess.Popen(
            [FLASK, "--app", "asc_web", "sync", "run", "--store", str(store_id)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted("1 busy" in out for out in outputs) == [False, True], outputs  # one waited
    run_to_the_end(live, hooks, store_id)
    ids = kept_orders(live, store_id)
    assert len(ids) == len(set(ids))
    assert_complete(ids, seeded_orders(live, store_id), complete_until(live, store_id))


def test_a_killed_import_resumes_where_it_stopped(live, connected_store, hooks, tmp_path):
    store_id = connected_store()  # the busiest seller: 86 pages, many runs
    env = environment(worker_settings(live.app, live.url))
    process = subprocess.Popen(
        [FLASK, "--app", "asc_web", "sync", "run", "--store", str(store_id)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def imported() -> int:
        with live.app.app_context():
            state = db.session.get(StoreSync, store_id)
            return state.orders_imported if state else 0

    try:
        wait_until(lambda: imported() >= 500, timeout=60, what="500 orders imported", every=0.05)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert imported() < 2000  # killed mid-import
    assert run_once(live, store_id).result == "busy"  # its lease holds until it expires
    hooks.post("clock", advance_seconds=sync.LEASE.total_seconds() + 60)
    rounds = run_to_the_end(live, hooks, store_id)
    assert len(rounds) >= 4  # 86 pages at Amazon's rate
    ids = kept_orders(live, store_id)
    assert len(ids) == len(set(ids)) > 8000
    assert_complete(ids, seeded_orders(live, store_id), complete_until(live, store_id))
    stats = hooks.stats()["operations"]
    seller, _ = seller_and_marketplace(live, store_id)
    for operation in ("getOrderMetrics", "getOrders", "searchListingsItems"):
        assert stats[operation][seller]["rate_exceeded"] is False, (operation, stats[operation])


def test_a_revocation_mid_import_stops_the_sync_and_reconnecting_fills_the_gap(
    live, merchant, connected_store, hooks
):
    store_id = connected_store()
    assert run_once(live, store_id).result == "paused"  # 20 of 86 pages
    seller, marketplace = seller_and_marketplace(live, store_id)
    hooks.post("revoke", email="na.primary@example.com")
    meanwhile = create(live, "orders", seller_id=seller, marketplace_id=marketplace)
    hooks.post("clock", advance_seconds=REFILL)

    assert run_once(live, store_id).result == "reconnect"
    with live.app.app_context():
        store = db.session.get(Store, store_id)
        assert store_status(store, clock.utcnow()).code == "reconnect_required"
        state = db.session.get(StoreSync, store_id)
        assert state.last_problem == sync.RECONNECT and state.next_run_at is None
        assert sync.due(clock.utcnow()) == []
        logged = db.session.scalars(
            select(CommunicationError.code).where(CommunicationError.store_id == store_id)
        ).all()
    assert "invalid_grant" in logged
    assert meanwhile["AmazonOrderId"] not in kept_orders(live, store_id)

    merchant.sign_in()
    location = amazon.authorize(merchant.http, merchant.consent_url(store_id),
                                "na.primary@example.com")  # fmt: skip
    assert "reconnected" in merchant.http.get(location).text
    run_to_the_end(live, hooks, store_id)
    ids = kept_orders(live, store_id)
    assert meanwhile["AmazonOrderId"] in ids
    assert_complete(ids, seeded_orders(live, store_id), complete_until(live, store_id))


def test_amazons_429_pauses_the_store_and_the_next_run_goes_on(live, connected_store, hooks):
    store_id = connected_store("Amazon Store Mexico", "MX")
    hooks.post("fail", endpoint="orders", status=429, count=2)
    first = run_once(live, store_id)
    assert first.result == "paused"
    with live.app.app_context():
        state = db.session.get(StoreSync, store_id)
        assert state.next_run_at > clock.utcnow() and state.last_problem is None
        assert sync.due(clock.utcnow()) == []
    hooks.post("clock", advance_seconds=REFILL)
    run_to_the_end(live, hooks, store_id)
    ids = kept_orders(live, store_id)
    assert_complete(ids, seeded_orders(live, store_id), complete_until(live, store_id))
    assert hooks.stats()["pending_faults"] == 0


def test_an_inactive_store_is_not_synced_until_activated(live, connected_store):
    store_id = connected_store("Amazon Store Mexico", "MX")
    with live.app.app_context():
        db.session.get(Store, store_id).active = False
        db.session.commit()
        assert sync.due(clock.utcnow()) == []
        assert sync.run(store_id).result == "skipped"
        assert db.session.scalar(select(func.count()).select_from(AmazonOrder)) == 0
        db.session.get(Store, store_id).active = True
        db.session.commit()
        assert sync.due(clock.utcnow()) == [store_id]


def test_amazons_failure_lands_in_the_errors_log_and_the_store_is_tried_again_later(
    live, connected_store, hooks
):
    store_id = connected_store("Amazon Store Mexico", "MX")
    hooks.post("fail", endpoint="sales", status=503, count=1)
    assert run_once(live, store_id).result == "failed"
    with live.app.app_context():
        state = db.session.get(StoreSync, store_id)
        assert state.last_problem == "Amazon is not available right now. Nothing was changed; " \
            "try again later."  # fmt: skip
        assert state.next_run_at - state.last_run_at >= sync.RETRY_AFTER
        assert sync.due(clock.utcnow()) == []
        logged = db.session.execute(
            select(CommunicationError.operation, CommunicationError.store_id)
        ).all()
    assert ("sales", store_id) in logged
    hooks.post("clock", advance_seconds=sync.RETRY_AFTER.total_seconds() + 1)
    with live.app.app_context():
        assert sync.due(clock.utcnow()) == [store_id]


def test_the_worker_imports_a_connected_store_without_anyone_running_a_command(
    live, connected_store, tmp_path
):
    settings = worker_settings(live.app, live.url, SYNC_INTERVAL="15m")
    worker = Worker(settings, tmp_path / "worker.log")
    try:
        store_id = connected_store("Amazon Store Mexico", "MX")

        def imported() -> bool:
            with live.app.app_context():
                state = db.session.get(StoreSync, store_id)
                return bool(state and state.recent_sales is not None and state.orders_imported)

        wait_until(imported, timeout=60, what="the worker's first sync", every=0.25)
    finally:
        worker.stop()


def test_once_a_day_every_listing_is_read_and_those_amazon_no_longer_has_go(
    live, connected_store, hooks
):
    store_id = connected_store("Amazon Store Mexico", "MX")
    run_to_the_end(live, hooks, store_id)
    with live.app.app_context():
        total = db.session.get(StoreSync, store_id).listings_total
        db.session.add(Listing(store_id=store_id, sku="GONE-1", name="Sold out for good",
                               status="", issue_count=0, issues=[],
                               synced_at=clock.utcnow()))  # fmt: skip
        db.session.commit()
    hooks.post("clock", advance_seconds=3600)
    run_to_the_end(live, hooks, store_id)
    with live.app.app_context():
        assert db.session.get(Listing, (store_id, "GONE-1")) is not None  # a newest-first read
    hooks.post("clock", advance_seconds=sync.LISTINGS_FULL_EVERY.total_seconds())
    run_to_the_end(live, hooks, store_id)
    with live.app.app_context():
        assert db.session.get(Listing, (store_id, "GONE-1")) is None
        assert db.session.get(StoreSync, store_id).listings_total == total
