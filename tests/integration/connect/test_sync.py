"""The sync of a store's Amazon data against the sandbox: figures to the cent, idempotent,
resumable, within Amazon's rates."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import func, select

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import AmazonOrder, Store, StoreSync
from asc_web.sync import figures
from asc_web.sync import services as sync


def seeded_orders(live, store_id: int) -> dict:
    """The sandbox's own list of the store's seller's orders in its marketplace."""
    with live.app.app_context():
        store = db.session.get(Store, store_id)
        seller = store.authorization.selling_partner_id
        marketplace_id = store.marketplace.marketplace_id
    answer = requests.get(
        f"{live.sandbox}/_hooks/orders",
        params={"seller_id": seller, "marketplace_id": marketplace_id},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def expected_30_days(seeded: dict, now: datetime) -> int:
    """Cents of the orders Amazon counts, purchased in the last 30 local days."""
    zone = ZoneInfo(seeded["time_zone"])
    last = now.astimezone(zone).date()
    first = last - timedelta(days=29)
    total = Decimal(0)
    for order in seeded["orders"]:
        purchased = datetime.fromisoformat(order["PurchaseDate"].replace("Z", "+00:00"))
        if order["CountedInSales"] and first <= purchased.astimezone(zone).date() <= last:
            total += Decimal(order["OrderTotal"]["Amount"])
    return int(total * 100)


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
