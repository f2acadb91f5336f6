"""The bench's Amazon data (``--amazon-data``) is data the app reads as a finished sync's:
the model's tables and columns, figures that agree with the orders, two years per store."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from asc_web import clock, create_app
from asc_web.extensions import db
from asc_web.models import AmazonOrder, DailySales, Listing, Store, StoreSync
from asc_web.sync import figures
from bench import amazon_data, databases, targets
from bench.data import build
from bench.run import AMAZON_ROWS, plan
from bench.settings import Settings
from tests.conftest import PG_URL


def test_every_connected_store_gets_two_years_the_app_reads(database_url, tmp_path):
    server = None if database_url.startswith("sqlite") else PG_URL
    with databases.temporary("amazon", server) as url:
        settings = Settings(tmp_path / "bench", url)
        ds = build(8, settings)
        now = clock.utcnow()

        seeded = amazon_data.seed(settings, now)

        app = create_app(settings.config())
        with app.app_context():
            try:
                _check(seeded, now)
            finally:
                db.session.remove()
                db.engine.dispose()
    assert ds.sample_store_id


def _check(seeded: dict, now) -> None:
    stores = db.session.scalars(select(Store).order_by(Store.id)).all()
    connected = [s for s in stores if s.authorization_id is not None]
    assert seeded["stores"] == len(connected) >= 3
    assert seeded["tables"]["store_syncs"] == len(connected)
    for store in stores:
        state = db.session.get(StoreSync, store.id)
        orders = select(AmazonOrder).where(AmazonOrder.store_id == store.id)
        if store.authorization_id is None:
            assert state is None and db.session.scalars(orders).first() is None
            continue
        kept = db.session.scalars(orders).all()
        # About two years of the sandbox's seeded rhythm (BASE_ORDERS a Monday, more at the
        # weekend and in December), each order once, none in the future.
        per_day = {"US": 9.0, "CA": 3.5, "MX": 2.5, "UK": 6.0}[store.marketplace_code]
        assert 730 * per_day * 1.1 < len(kept) < 730 * per_day * 1.5
        assert len({o.amazon_order_id for o in kept}) == len(kept)
        assert all(now - timedelta(days=733) < o.purchased_at < now for o in kept)
        assert {o.currency for o in kept} == {store.marketplace.currency}
        assert {o.status for o in kept} <= {"Shipped", "Unshipped", "Canceled"}
        # A finished sync's row, as the card and the dashboard read it.
        assert state.phase == "ready" and state.orders_imported == len(kept)
        assert state.selling_partner_id == store.authorization.selling_partner_id
        counted = [o for o in kept if o.status != "Canceled"]
        total = db.session.scalar(
            select(func.sum(DailySales.sales_minor)).where(DailySales.store_id == store.id)
        )
        assert total == sum(o.total_minor for o in counted) > 0
        first = db.session.scalar(
            select(func.min(DailySales.day)).where(DailySales.store_id == store.id)
        )
        assert state.first_order_day == first
        assert (figures.local_today(store, now) - first).days in range(729, 734)
        recent = figures.recent_sales(store, state, now)
        assert recent.currency == store.marketplace.currency
        assert recent.total_minor == figures.daily_total(store.id, recent.first_day,
                                                         recent.last_day) > 0  # fmt: skip
        # The chart's bars agree with the days, as the sync's do.
        charted = {period: figures.revenue(store, period, now) for period in figures.PERIODS}
        with db.session.no_autoflush:
            state.chart, bars = None, state.chart
            read = {period: figures.revenue(store, period, now) for period in figures.PERIODS}
            state.chart = bars
        assert bars is not None and charted == read and charted["month"].total_minor > 0
        listings = db.session.scalars(select(Listing).where(Listing.store_id == store.id)).all()
        assert 240 <= state.listings_total == len(listings) <= 360
        assert state.listings_with_issues == figures.listings_with_issues(store.id) > 0
        for listing in listings:
            assert listing.issue_count == len(listing.issues)
            assert all(set(i) == {"code", "message", "severity"} for i in listing.issues)
        severities = {i["severity"] for x in listings for i in x.issues}
        assert severities == {"ERROR", "WARNING", "INFO"}


def test_the_pages_are_loaded_again_once_the_data_is_in(tmp_path):
    settings = Settings(tmp_path)
    ds = SimpleDataset(settings)
    keys = [e.key for e in plan(ds, amazon=True)]
    assert keys.index("errors") < keys.index("home_amazon") < keys.index("callback")
    assert [k for k in keys if k in AMAZON_ROWS] == list(AMAZON_ROWS)
    assert not set(AMAZON_ROWS) & {e.key for e in plan(ds)}
    assert "figures_poll" not in keys  # no importing store: no figures-poll row
    row = {"key": "card_amazon", "rps": 300.0, "ratio": 0.7}
    targets._judge_amazon(row, {"key": "card", "rps": 400.0})
    assert row["result"] == "PASS" and row["share_of_page_without_data"] == 0.75
    assert row["target"] == "≥ 0.6 × /healthz (× without data: 0.75)"


class SimpleDataset:
    """What ``plan`` reads of a built install."""

    def __init__(self, settings: Settings):
        self.settings, self.sample_store_id, self.stores = settings, 7, 104
        self.importing = ()  # no figures-poll row
