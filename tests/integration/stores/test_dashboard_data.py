"""The store dashboard's Amazon data: lifetime sales, the revenue chart by day, week or month
with its table, recent orders paged, listings by status and the listings with issues."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade

from asc_web.extensions import db
from asc_web.models import StoreSync
from asc_web.sync import figures
from tests.integration.stores.test_card_figures import synced_store, text
from tests.support import amazon_data
from tests.support.sql import counting


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


def section(page: str, section_id: str) -> str:
    match = re.search(rf'<section [^>]*id="{section_id}".*?</section>', page, re.S)
    assert match, section_id
    return match.group(0)


def test_lifetime_sales_count_every_day_since_the_first_order(client, app, stores):
    # 15 days (every third day back to 42 days ago): 15 × 10,000 + 1,000 × (0 + 3 + … + 42)
    # = 150,000 + 315,000 minor units.
    store_id = synced_store(app, stores, "UK")
    sales = section(client.get(f"/stores/{store_id}").text, "sales")
    first = amazon_data.local_today(app, store_id) - timedelta(days=42)
    assert "Lifetime sales" in sales
    assert '<span class="figure-value">£4,650.00</span>' in sales
    assert f"{first:%b} {first.day}, {first.year}" in text(sales)  # since


@pytest.mark.parametrize(("period", "bars"), [("day", 30), ("week", 26), ("month", 24)])
def test_the_revenue_chart_draws_a_bar_per_period_with_the_same_figures_in_a_table(
    client, app, stores, period, bars
):
    store_id = synced_store(app, stores, "MX")
    page = client.get(f"/stores/{store_id}?period={period}").text
    sales = section(page, "sales")
    assert f"Revenue by {period}" in sales
    svg = re.search(r'<svg class="bar-chart".*?</svg>', sales, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="revenue-summary"' in svg
    assert "style=" not in page
    assert svg.count("<rect ") == bars
    table = re.search(r"<details class=\"chart-table\">.*?</details>", sales, re.S).group(0)
    assert "Show the figures as a table" in table
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td>', table)
    assert len(rows) == bars
    titles = re.findall(r"<title>(.*?): (.*?)</title>", svg)
    assert sorted(titles) == sorted(rows)  # the table says what the bars draw
    # Every sale of the 45 days falls in the chart's window (30 days: only the last 30).
    total = "$2,350.00" if period == "day" else "$4,650.00"
    assert f'<figcaption id="revenue-summary">{total} from ' in sales
    current = re.search(r'<a href="[^"]+" aria-current="true">(\w+)</a>', sales).group(1)
    assert current.lower() == period


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize("days_ago", [0, 12])
def test_the_chart_the_sync_kept_draws_what_the_days_give(client, app, stores, period, days_ago):
    # Two and a half years of sales, every day, up to the sync's day: today, or 12 days
    # ago for a store whose sync stopped then (the chart it kept reaches that day only).
    store_id = stores.make("Amazon Store UK", "UK")
    amazon_data.connect(app, [store_id], region="EU", seller="A1UKSELLER0001")
    synced = amazon_data.local_today(app, store_id) - timedelta(days=days_ago)
    daily = {synced - timedelta(days=n): 5_000 + n for n in range(900)}
    rows = [(day, minor, 1) for day, minor in daily.items()]
    amazon_data.insert_sync(app, store_id, daily, chart=figures.chart(rows, synced))
    url = f"/stores/{store_id}?period={period}"
    with counting(app) as kept_reads:
        kept = section(client.get(url).text, "sales")
    with app.app_context():
        db.session.get(StoreSync, store_id).chart = None  # as before the upgrade's first sync
        db.session.commit()
    with counting(app) as day_reads:
        read = section(client.get(url).text, "sales")
    assert kept == read
    assert not [s for s, _ in kept_reads if "daily_sales" in s]
    assert [s for s, _ in day_reads if "daily_sales" in s]  # the second read the days


def test_an_unknown_period_shows_days(client, app, stores):
    store_id = synced_store(app, stores)
    assert "Revenue by day" in client.get(f"/stores/{store_id}?period=year").text


def test_recent_orders_come_20_a_page_newest_first_in_the_stores_time_zone(client, app, stores):
    store_id = synced_store(app, stores, "US")
    start = datetime(2026, 1, 1, 8, 30, tzinfo=UTC)  # 00:30 in Los Angeles
    amazon_data.insert_orders(app, store_id, 45, start)
    first = section(client.get(f"/stores/{store_id}?period=week").text, "recent-orders")
    ids = re.findall(r"<code>(111-\d{7}-0000001)</code>", first)
    assert ids == [f"111-{n:07d}-0000001" for n in range(44, 24, -1)]
    assert "Purchase dates in the marketplace's time zone (America/Los_Angeles)." in first
    # Order 44 was purchased at 08:30 UTC + 44 h = Jan 3, 04:30 UTC = Jan 2, 20:30 in LA.
    assert '<time datetime="2026-01-03T04:30:00+00:00">Jan 2, 2026, 20:30</time>' in first
    assert "$10.44" in first and "Shipped" in first
    older = re.search(r'href="([^"]+)" rel="next">Older orders', first).group(1)
    assert "period=week" in older and older.endswith("#recent-orders")  # links keep the chart
    assert "Newer orders" not in first
    second_page = client.get(older.replace("&amp;", "&").split("#")[0]).text
    assert "Revenue by week" in second_page
    second = section(second_page, "recent-orders")
    ids = re.findall(r"<code>(111-\d{7}-0000001)</code>", second)
    assert ids == [f"111-{n:07d}-0000001" for n in range(24, 4, -1)]
    week = re.search(r'href="([^"]+)"[^>]*>Week</a>', section(second_page, "sales")).group(1)
    assert "before=" in week  # the chart's links keep the page of orders
    third = client.get(re.search(r'href="([^"]+)" rel="next"', second).group(1)
                       .replace("&amp;", "&").split("#")[0]).text  # fmt: skip
    last = section(third, "recent-orders")
    assert re.findall(r"<code>(111-\d{7}-0000001)</code>", last) == [
        f"111-{n:07d}-0000001" for n in range(4, -1, -1)
    ]
    assert "Older orders" not in last
    newer = re.search(r'href="([^"]+)" rel="prev">Newer orders', last).group(1)
    back = section(client.get(newer.replace("&amp;", "&").split("#")[0]).text, "recent-orders")
    assert re.findall(r"<code>(111-\d{7}-0000001)</code>", back) == ids


def test_a_broken_page_cursor_shows_the_newest_orders(client, app, stores):
    store_id = synced_store(app, stores)
    amazon_data.insert_orders(app, store_id, 3, datetime(2026, 1, 1, tzinfo=UTC))
    for cursor in ("x", "1-", "-1", "9" * 30 + "-1", "12-34-56", "1-99999999999999999999"):
        page = client.get(f"/stores/{store_id}?before={cursor}")
        assert page.status_code == 200
        assert "111-0000002-0000001" in page.text


def test_listings_by_status_and_issues_errors_first(client, app, stores):
    store_id = synced_store(app, stores, listings_with_issues=2)
    amazon_data.insert_listing(app, store_id, "SKU-A")
    amazon_data.insert_listing(app, store_id, "SKU-B")
    amazon_data.insert_listing(
        app,
        store_id,
        "SKU-C",
        status="DISCOVERABLE",
        name="Blue mug",
        issues=[("18155", "The image is too small.", "WARNING")],
    )
    amazon_data.insert_listing(app, store_id, "SKU-D", status="", name="Red mug", issues=[
        ("90220", "'brand' is required but not supplied.", "WARNING"),
        ("99022", "The listing was suppressed: missing price.", "ERROR"),
    ])  # fmt: skip
    page = client.get(f"/stores/{store_id}").text
    listings = text(section(page, "listings"))
    assert "Buyable, discoverable 2" in listings
    assert "Discoverable 1" in listings and "Neither buyable nor discoverable 1" in listings
    issues = section(page, "listings-with-issues")
    assert "Listings with issues: 2" in issues
    words = text(issues)
    # The listing with an error first, its error before its warning; then the other.
    assert words.index("Red mug") < words.index("Blue mug")
    assert words.index("Error The listing was suppressed") < words.index("Warning &#39;brand&#39;")
    assert "SKU SKU-D · ASIN" in words and "<code>99022</code>" in issues


def test_the_dashboard_reads_its_data_in_a_few_queries_whatever_the_history(client, app, stores):
    store_id = synced_store(app, stores)
    amazon_data.insert_orders(app, store_id, 200, datetime(2025, 1, 1, tzinfo=UTC))
    client.get(f"/stores/{store_id}")
    with counting(app) as small:
        client.get(f"/stores/{store_id}?period=month")
    amazon_data.insert_orders(app, store_id, 10, datetime(2026, 6, 1, tzinfo=UTC),
                              series=2, status="Pending")  # fmt: skip
    for n in range(30):
        amazon_data.insert_listing(app, store_id, f"SKU-{n:02d}", status=("", "BUYABLE")[n % 2])
    with counting(app) as larger:
        page = client.get(f"/stores/{store_id}?period=month").text
    # The page's own three (user, store with its sync row, the activity and errors in one)
    # and two for the Amazon panels: a page of orders, the listings with issues. The
    # lifetime totals, the chart's bars and the listings per status are the sync's counts on
    # its row: no query reads the days nor groups the listings, however many there are.
    assert len(small) == len(larger) == 5, [s for s, _ in larger]
    assert not [s for s, _ in larger if "GROUP BY" in s.upper() or "daily_sales" in s]
    assert "Buyable 15" in text(section(page, "listings"))
    assert "Neither buyable nor discoverable 15" in text(section(page, "listings"))


def test_a_connected_store_before_its_first_sync_reads_no_amazon_data(client, app, stores):
    store_id = stores.make("Amazon Store US", "US")
    amazon_data.connect(app, [store_id], region="NA", seller="A1USSELLER0001")
    with counting(app) as statements:
        page = client.get(f"/stores/{store_id}").text
    assert len(statements) == 3, [s for s, _ in statements]  # user, store, its history
    sales = section(page, "sales")
    assert '<span class="figure-value">$0.00</span>' in sales
    assert "No orders imported yet." in section(page, "recent-orders")


def test_an_upgrade_counts_the_totals_of_stores_synced_before_it(app, client, stores):
    """Migration 0012 fills the new columns from the rows a sync wrote before it."""
    store_id = synced_store(app, stores, "UK")  # 15 days, £4,650.00 (see the lifetime test)
    amazon_data.insert_listing(app, store_id, "SKU-A", issues=[("1", "Too small.", "ERROR")])
    amazon_data.insert_listing(app, store_id, "SKU-B", status="DISCOVERABLE")
    amazon_data.insert_listing(app, store_id, "SKU-C", status="DISCOVERABLE")
    with app.app_context():
        downgrade(revision="0011")
        db.session.remove()
    try:
        with app.app_context():
            upgrade()
            db.session.remove()
            sync = db.session.get(StoreSync, store_id)
            counted = (sync.lifetime_sales_minor, sync.lifetime_orders, sync.listings_by_status)
    finally:  # PostgreSQL's schema is shared by the test run: leave it at the newest revision
        with app.app_context():
            db.session.remove()
            upgrade()
            db.session.remove()
    assert counted == (465_000, 15, [["DISCOVERABLE", 2], ["BUYABLE,DISCOVERABLE", 1]])
    assert "£4,650.00" in section(client.get(f"/stores/{store_id}").text, "sales")


def test_a_store_never_connected_has_no_amazon_panels(client, stores):
    store_id = stores.make()
    page = client.get(f"/stores/{store_id}").text
    assert 'id="sales"' not in page and 'id="recent-orders"' not in page
