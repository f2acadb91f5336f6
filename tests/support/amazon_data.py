"""A store's Amazon data written straight into the sync's tables (the sync itself is tested
against the sandbox in tests/integration/connect/test_sync.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import requests

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import AmazonOrder, DailySales, Listing, Store, StoreSync
from asc_web.sync import figures, totals
from tests.support.data import add_authorization


def connect(app, store_ids: list[int], **extra) -> None:
    """Give the stores an authorization (as a connect would)."""
    with app.app_context():
        add_authorization(store_ids, **extra)
        db.session.commit()


def local_today(app, store_id: int) -> date:
    """Today in the store's marketplace time zone."""
    with app.app_context():
        return figures.local_today(db.session.get(Store, store_id), clock.utcnow())


def insert_sync(app, store_id: int, daily: dict[date, int] | None = None, **fields) -> None:
    """The store's sync row (``fields``: its columns) and its daily sales (day: minor units);
    the row's recent sales are made from ``daily`` as the sync makes them."""
    daily = daily or {}
    with app.app_context():
        store = db.session.get(Store, store_id)
        currency = store.marketplace.currency
        today = figures.local_today(store, clock.utcnow())
        recent = [[d.isoformat(), v] for d, v in sorted(daily.items()) if (today - d).days < 40]
        values = {
            "phase": "ready",
            "orders_imported": 0,
            "recent_sales": recent,
            "first_order_day": min(daily) if daily else None,
            "metrics_synced_at": clock.utcnow(),
            "last_ok_at": clock.utcnow(),
            **fields,
        }
        sync = StoreSync(store_id=store_id, **values)
        db.session.add(sync)
        for day, minor in daily.items():
            db.session.add(
                DailySales(store_id=store_id, day=day, currency=currency,
                           sales_minor=minor, orders=1, units=1)
            )  # fmt: skip
        if "lifetime_sales_minor" not in fields:
            totals.count_sales(sync)  # as the sync counts them when it writes the days
        if "chart" not in fields:
            totals.count_chart(sync, today)
        db.session.commit()


def insert_orders(app, store_id: int, count: int, start: datetime, every=timedelta(hours=1),
                  series: int = 1, **fields) -> None:  # fmt: skip
    """``count`` orders purchased from ``start`` on, one every ``every``; order ids
    "111-<n>-<series>" count up with the purchase time."""
    with app.app_context():
        for n in range(count):
            moment = start + n * every
            values = {
                "status": "Shipped", "items": 1 + n % 3, "total_minor": 1000 + n,
                "currency": db.session.get(Store, store_id).marketplace.currency, **fields,
            }  # fmt: skip
            db.session.add(
                AmazonOrder(store_id=store_id, amazon_order_id=f"111-{n:07d}-{series:07d}",
                            purchased_at=moment, last_updated_at=moment, **values)
            )  # fmt: skip
        db.session.commit()


def insert_listing(app, store_id: int, sku: str, status="BUYABLE,DISCOVERABLE", issues=(),
                   name="A product") -> None:  # fmt: skip
    """One listing with Amazon's issues [(code, message, severity)]."""
    with app.app_context():
        db.session.add(
            Listing(
                store_id=store_id, sku=sku, asin="B0" + sku[-8:].rjust(8, "0"), name=name,
                status=status, issue_count=len(issues),
                issues=[{"code": c, "message": m, "severity": s} for c, m, s in issues],
            )
        )  # fmt: skip
        sync = db.session.get(StoreSync, store_id)
        if sync is not None:
            totals.count_listings(sync)  # as the listings sync counts them
        db.session.commit()


def seeded_orders(server, store_id: int) -> dict:
    """The sandbox's own list of the store's seller's orders in its marketplace (``server``:
    a live server with ``app`` and ``sandbox``)."""
    with server.app.app_context():
        store = db.session.get(Store, store_id)
        seller = store.authorization.selling_partner_id
        marketplace_id = store.marketplace.marketplace_id
    answer = requests.get(
        f"{server.sandbox}/_hooks/orders",
        params={"seller_id": seller, "marketplace_id": marketplace_id},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def expected_30_days(seeded: dict, now: datetime) -> int:
    """Cents of the orders Amazon counts in sales, purchased in the last 30 days of the
    marketplace's time zone (``seeded``: ``seeded_orders``), computed apart from the app."""
    zone = ZoneInfo(seeded["time_zone"])
    last = now.astimezone(zone).date()
    first = last - timedelta(days=29)
    total = Decimal(0)
    for order in seeded["orders"]:
        purchased = datetime.fromisoformat(order["PurchaseDate"].replace("Z", "+00:00"))
        if order["CountedInSales"] and first <= purchased.astimezone(zone).date() <= last:
            total += Decimal(order["OrderTotal"]["Amount"])
    return int(total * 100)
