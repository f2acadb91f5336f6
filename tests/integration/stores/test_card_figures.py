"""A connected store's card: 30-day sales with a sparkline, listings with issues, the first
import's progress (polled while it runs), and why the sync stopped."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import Store
from asc_web.rendering import asc_date
from asc_web.stores.listing import STATUS_FILTERS
from tests.integration.stores.conftest import HTMX, card_ids
from tests.support import amazon_data
from tests.support.sql import counting


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


def figures_of(card: str) -> str:
    """The card's Amazon data part."""
    match = re.search(r'<div class="store-figures".*?</svg>|<div class="store-figures".*?</div>',
                      card, re.S)  # fmt: skip
    assert match, card
    return match.group(0)


def text(html: str) -> str:
    """What a reader sees (tags removed, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def synced_store(app, stores, country="US", name=None, daily=None, **fields) -> int:
    """A connected store (its own seller) with daily sales (default: every third day for 45
    days, 10,000 + 1,000 × days ago) and a sync row of ``fields``."""
    store_id = stores.make(name or f"Amazon Store {country}", country)
    amazon_data.connect(app, [store_id], region="EU" if country == "UK" else "NA",
                        seller=f"A1{country}SELLER{store_id:04d}")  # fmt: skip
    today = amazon_data.local_today(app, store_id)
    if daily is None:
        daily = {today - timedelta(days=n): 10_000 + 1_000 * n for n in range(0, 45, 3)}
    amazon_data.insert_sync(app, store_id, daily, **fields)
    return store_id


@pytest.mark.parametrize(
    ("country", "total"),
    # 10 days with sales in the last 30 (today, 3, 6, … 27 days ago): 10 × 10,000 + 1,000 ×
    # (0 + 3 + … + 27) = 235,000 minor units; older days are outside the window.
    [("US", "$2,350.00"), ("CA", "$2,350.00"), ("MX", "$2,350.00"), ("UK", "£2,350.00")],
)
def test_the_card_shows_30_day_sales_in_the_marketplaces_currency_with_a_sparkline(
    client, app, stores, country, total
):
    store_id = synced_store(app, stores, country, listings_with_issues=7, orders_imported=1240)
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "Sales, last 30 days" in card
    currency = {"US": "USD", "CA": "CAD", "MX": "MXN", "UK": "GBP"}[country]
    assert (
        f'<span class="money">{total}</span> <abbr class="currency-code" title="{currency}">'
        in card
    )
    svg = re.search(r"<svg class=\"sparkline\".*?</svg>", card, re.S).group(0)
    assert 'role="img"' in svg and "style=" not in svg
    title = re.search(r"<title id=\"[^\"]+\">(.*?)</title>", svg).group(1)
    assert f"{total} in total" in title and title.startswith("Daily sales from ")
    points = re.search(r'<polyline class="sparkline-line" points="([^"]+)"', svg).group(1)
    assert len(points.split()) == 30
    assert f'href="/stores/{store_id}#listings-with-issues">Listings with issues: 7</a>' in card
    assert "1,240 orders imported" in card
    assert 'hx-trigger="every' not in card  # the import is done: nothing to ask for


def test_a_store_with_no_sales_in_30_days_shows_zero_and_a_flat_line(client, app, stores):
    store_id = synced_store(app, stores, daily={}, listings_with_issues=0)
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert '<span class="money">$0.00</span>' in card
    assert "Listings with issues: 0" in card and "#listings-with-issues" not in card


def test_while_the_first_import_runs_the_card_says_how_far_and_asks_again(client, app, stores):
    store_id = synced_store(app, stores, daily={}, phase="importing", orders_imported=1240,
                            recent_sales=None, listings_with_issues=None)  # fmt: skip
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    progress = re.search(r'<p class="import-progress"[^>]*>(.*?)</p>', card, re.S)
    assert 'role="status"' in progress.group(0)
    assert text(progress.group(1)) == "Importing orders … 1,240 so far"
    assert "Sales of the last 30 days appear here once Amazon's daily figures arrive." in card
    assert "Listings with issues" not in card
    poller = re.search(r'<div class="figures-poller"[^>]*>', card).group(0)
    assert f'hx-get="/stores/{store_id}/card"' in poller
    assert 'hx-trigger="every 5s"' in poller
    assert f'hx-select="#store-{store_id}-figures"' in poller
    assert f'hx-target="#store-{store_id}-figures"' in poller


def test_sales_show_during_the_import_as_soon_as_the_daily_figures_are_there(client, app, stores):
    store_id = synced_store(app, stores, phase="importing", orders_imported=300)
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "Importing orders … 300 so far" in text(card)
    assert "Sales, last 30 days" in card and 'class="sparkline"' in card
    assert "figures-poller" in card


def test_a_just_connected_store_shows_the_import_starting(client, app, stores):
    store_id = stores.make()
    amazon_data.connect(app, [store_id])
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "Importing orders … 0 so far" in text(card)
    assert "figures-poller" in card


def test_a_store_never_connected_shows_no_figures(client, stores):
    store_id = stores.make()
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "store-figures" not in card


def test_an_inactive_store_keeps_its_last_figures_and_says_the_sync_stopped(client, app, stores):
    synced_at = clock.utcnow() - timedelta(days=10)
    store_id = stores.make()
    amazon_data.connect(app, [store_id])
    last_day = amazon_data.local_today(app, store_id) - timedelta(days=10)
    daily = {last_day - timedelta(days=n): 10_000 + 1_000 * n for n in range(0, 45, 3)}
    amazon_data.insert_sync(app, store_id, daily, listings_with_issues=2, phase="importing",
                            orders_imported=500, metrics_synced_at=synced_at)  # fmt: skip
    with app.app_context():
        db.session.get(Store, store_id).active = False
        db.session.commit()
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    # The 30 days up to the last figures, not to today (which the sync never reached).
    assert '<span class="money">$2,350.00</span>' in card
    assert "Listings with issues: 2" in card
    assert (
        f"Sync stopped while this store is inactive. Figures as of {asc_date(synced_at)}. "
        "Activate it to sync again." in card
    )
    assert "figures-poller" not in card and "Importing orders …" not in card


def test_a_sync_stopped_by_amazon_says_so_in_plain_words(client, app, stores):
    from asc_web.sync.services import RECONNECT

    store_id = synced_store(app, stores, last_problem=RECONNECT)
    with app.app_context():
        db.session.get(Store, store_id).authorization.revoked_at = clock.utcnow()
        db.session.commit()
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "Reconnect required" in card
    assert RECONNECT in card and "Figures as of" in card


def test_a_failed_run_is_explained_on_the_card(client, app, stores):
    problem = "Amazon did not answer in time. The sync tries again in a few minutes."
    store_id = synced_store(app, stores, last_problem=problem)
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert (
        f'<p class="sync-problem"><span class="visually-hidden">Last sync: </span>{problem}</p>'
        in card
    )


def test_the_home_page_reads_24_synced_cards_in_the_same_few_queries(app, client, stores):
    ids = [synced_store(app, stores, name=f"Store {n:02d}", listings_with_issues=n)
           for n in range(30)]  # fmt: skip
    client.get("/")  # warm up
    with counting(app) as statements:
        page = client.get("/").text
    assert len(card_ids(page)) == 24
    assert page.count("Sales, last 30 days") == 24
    assert page.count('class="sparkline"') == 24
    assert len(statements) <= 5, [s for s, _ in statements]
    assert set(card_ids(page)) <= set(ids)
    # The dashboard's chart and listings per status stay unread: cards show neither.
    read = " ".join(statement for statement, _ in statements)
    assert "store_syncs_1.recent_sales" in read
    assert "chart" not in read and "listings_by_status" not in read
    # Nor the authorization's tokens: a card shows none of them.
    assert "authorizations_1.selling_partner_id" in read and "token" not in read


def test_a_page_of_each_status_reads_its_cards_with_the_stores_whatever_they_show(
    app, client, stores
):
    """Cards read only what their page query loads (the authorization's and the sync's
    columns a card shows): every status and every part of a card, in the same statements as
    a page of stores never connected."""
    now = clock.utcnow()
    # Active, renewal due, expired, revoked; each with a sync row, a problem, a last check,
    # a suspended marketplace and a sibling store sharing its authorization.
    for n, (days, revoked) in enumerate([(10, False), (340, False), (400, False), (10, True)]):
        store_id = stores.make(f"Status {n}", "US")
        sibling = stores.make(f"Status {n} Canada", "CA")
        amazon_data.connect(app, [store_id, sibling], seller=f"A1STATUS{n:06d}",
                            authorized_at=now - timedelta(days=days),
                            revoked_at=now if revoked else None,
                            last_checked_at=now - timedelta(days=2),
                            last_check_message="Amazon refused the authorization.")  # fmt: skip
        for one in (store_id, sibling):
            amazon_data.insert_sync(app, one, {amazon_data.local_today(app, one): 5_000},
                                    last_problem="Amazon did not answer in time.",
                                    listings_with_issues=3)  # fmt: skip
    with app.app_context():
        for store in db.session.scalars(select(Store).where(Store.authorization_id.is_not(None))):
            for item in store.authorization.participations:
                item["suspended"] = True
            flag_modified(store.authorization, "participations")
        db.session.commit()
    stores.make("Never connected")
    pages = ["/", *[f"/?status={code}" for code in STATUS_FILTERS]]
    for url in pages:
        client.get(url)
    for url in pages:
        with counting(app) as statements:
            page = client.get(url).text
        assert len(statements) <= 3, (url, [s for s, _ in statements])
        assert "<h1" in page
    everything = client.get("/").text
    assert "suspended listings" in everything and "Also used by" in everything
    assert (
        "Last checked 2 days ago" in everything and "Amazon did not answer in time." in everything
    )


def page_poller(page: str) -> str | None:
    """The page's figures poller element, None without one."""
    match = re.search(r'<div class="figures-poller" id="figures-poller"[^>]*>', page)
    return match.group(0) if match else None


def asked_ids(poller: str) -> list[int]:
    """The store ids a figures poller asks for, in order."""
    url = re.search(r'hx-get="([^"]+)"', poller).group(1).replace("&amp;", "&")
    assert url.startswith("/stores/figures?"), url
    return [int(i) for i in re.findall(r"\bid=(\d+)", url)]


def test_a_page_of_cards_asks_for_its_importing_cards_figures_in_one_poller(client, app, stores):
    importing = [synced_store(app, stores, name=f"Importing {n}", phase="importing",
                              orders_imported=n) for n in range(3)]  # fmt: skip
    done = synced_store(app, stores, name="Imported")
    stores.make("Never connected")
    page = client.get("/").text
    # No card asks on its own: one request every 5 seconds for the page, not one per card.
    assert 'class="figures-poller" id="store-' not in page
    assert "/card" not in re.sub(r'<a class="menu-item" href="[^"]*"', "", page)
    poller = page_poller(page)
    assert 'hx-trigger="every 5s"' in poller and 'hx-swap="outerHTML"' in poller
    assert sorted(asked_ids(poller)) == sorted(importing)  # not the finished store
    assert done not in importing
    # The results fragment (filters, paging) carries its own.
    results = client.get("/?status=active", headers={**HTMX, "HX-Target": "section#store-results"})
    assert sorted(asked_ids(page_poller(results.text))) == sorted(importing)


def test_a_page_without_an_import_under_way_has_no_figures_poller(client, app, stores):
    synced_store(app, stores, name="Imported")
    stores.make("Never connected")
    assert page_poller(client.get("/").text) is None


def test_the_figures_answer_morphs_each_cards_figures_and_keeps_asking_for_the_unfinished(
    client, app, stores
):
    still = synced_store(app, stores, name="Still importing", phase="importing",
                         orders_imported=700)  # fmt: skip
    finished = synced_store(app, stores, name="Finished", orders_imported=8_500)
    stopped = stores.make("Disconnected meanwhile")
    amazon_data.connect(app, [stopped], seller="A1STOPPED0001")
    with app.app_context():
        db.session.get(Store, stopped).authorization_id = None
        db.session.commit()
    asked = f"/stores/figures?id={still}&id={finished}&id={stopped}&id=999999&id=x&id=-1"
    with counting(app) as statements:
        answer = client.get(asked, headers=HTMX)
    assert answer.status_code == 200
    assert len(statements) <= 3, [s for s, _ in statements]
    html = answer.text
    # The next poller asks for the store still importing only.
    assert asked_ids(page_poller(html)) == [still]
    partials = dict(re.findall(
        r'<hx-partial hx-target="#store-(\d+)-figures" hx-swap="([^"]+)">', html))  # fmt: skip
    assert partials == {str(still): "outerMorph", str(finished): "outerMorph",
                        str(stopped): "delete"}  # fmt: skip
    assert "Importing orders … 700 so far" in text(html)
    assert "8,500 orders imported" in text(html)
    # A store deleted meanwhile: its card goes (an id no store ever had: the same answer).
    assert '<hx-partial hx-target="#store-999999" hx-swap="delete"></hx-partial>' in html
    # Morphed figures carry no poller of their own (the page's asks for them).
    assert "-figures-poll" not in html and "/card" not in html
    # Nothing but the poller outside the partials, and nothing around the morphed figures:
    # htmx would add any text between them to the page at every answer.
    assert (
        re.sub(r"<hx-partial .*?</hx-partial>", "", html, flags=re.S)
        == page_poller(html) + "</div>"
    )
    assert re.findall(r'<hx-partial [^>]*hx-swap="outerMorph">(.)', html) == ["<", "<"]
    assert html.count("</div></hx-partial>") == 2


def test_the_figures_answer_is_for_htmx_only(client, app, stores):
    store_id = synced_store(app, stores, phase="importing")
    answer = client.get(f"/stores/figures?id={store_id}")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"


def test_the_figures_answer_without_an_import_under_way_stops_the_asking(client, app, stores):
    finished = synced_store(app, stores, name="Finished", orders_imported=12)
    html = client.get(f"/stores/figures?id={finished}", headers=HTMX).text
    poller = page_poller(html)
    assert poller is not None and "hx-get" not in poller and "hx-trigger" not in poller
    assert client.get("/stores/figures", headers=HTMX).text.count("<hx-partial") == 0


def test_the_figures_answer_reads_a_page_of_stores_at_most(client, app, stores):
    ids = [synced_store(app, stores, name=f"Importing {n:02d}", phase="importing")
           for n in range(26)]  # fmt: skip
    asked = "&".join(f"id={i}" for i in ids)
    html = client.get(f"/stores/figures?{asked}", headers=HTMX).text
    assert html.count("<hx-partial") == 24
    assert asked_ids(page_poller(html)) == sorted(ids[:24], reverse=True)
