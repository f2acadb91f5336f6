"""The Amazon Stores view: cards, the first-store invitation, filters, pages, query count."""

import html
import re

import pytest
from sqlalchemy import select

from asc_web.extensions import db
from asc_web.models import Store
from tests.integration.stores.conftest import HTMX, card_ids
from tests.support.sql import counting, page_ids_plan, sqlite_plan


@pytest.fixture(autouse=True)
def _manager(accounts):
    accounts.signed_in("manager")


def test_no_store_yet_invites_the_first_one_with_the_pre_setup_tasks(client):
    page = client.get("/").text
    assert "No Amazon stores yet" in page
    assert 'href="/stores/pre-setup" data-dialog-open="pre-setup-dialog"' in page
    assert '<dialog id="pre-setup-dialog"' in page and "Pre-Setup Tasks" in page
    assert 'href="/stores/new">Continue</a>' in page


def test_once_a_store_exists_add_goes_straight_to_the_form(client, stores):
    stores.make()
    page = client.get("/").text
    assert '<a class="button primary" href="/stores/new">Add Amazon Store</a>' in page
    assert "pre-setup-dialog" not in page


def test_a_card_shows_flag_country_name_website_status_dates_and_actions(client, stores):
    store_id = stores.make("Amazon Store UK", "UK")
    page = client.get("/").text
    card = page[page.index(f'<article id="store-{store_id}"') :]
    card = card[: card.index("</article>")]
    for text in (
        "img/flags/uk.svg",
        "United Kingdom",
        "Amazon Store UK",
        "Main Website",
        "Not connected",
        "Created",
        "Last Updated",
        "View Store",
        "Connect store",
        ">Action</summary>",
        ">Deactivate</button>",
        ">Delete</a>",
    ):
        assert text in card, text
    assert f'action="/stores/{store_id}/connect"' in card


def test_an_inactive_store_says_so_and_offers_activate(client, stores):
    store_id = stores.make(active=False)
    card = client.get(f"/stores/{store_id}/card", headers=HTMX).text
    assert "Inactive" in card and ">Activate</button>" in card
    assert "Connect store" not in card


@pytest.mark.parametrize("count", [1, 50, 500])
def test_the_home_page_costs_the_same_few_queries_whatever_the_number_of_stores(
    app, client, stores, count
):
    stores.make_many(count)
    client.get("/")  # warm up: the first request of a client loads more than the page
    with counting(app) as statements:
        page = client.get("/").text
    assert len(card_ids(page)) == min(count, 24)
    assert len(statements) <= 5, statements
    with counting(app) as filtered:
        client.get("/?status=inactive&country=US&q=store&page=2")
    assert len(filtered) == len(statements)


def test_a_long_list_is_paginated_newest_first(client, stores):
    stores.make_many(30)
    first = client.get("/").text
    assert "30 stores; showing 1–24" in first
    assert len(card_ids(first)) == 24
    assert 'href="/?page=2&amp;after=' in first and "Page 1 of 2" in first
    second = client.get("/?page=2").text
    assert len(card_ids(second)) == 6
    assert not set(card_ids(first)) & set(card_ids(second))
    assert card_ids(client.get("/?page=99").text) == card_ids(second)
    newest = stores.make("Just added")
    assert card_ids(client.get("/").text)[0] == newest


@pytest.mark.parametrize("query", ["", "country=UK", "status=inactive", "status=not_connected",
                                   "q=store+00"])  # fmt: skip
def test_every_page_of_a_list_holds_the_next_stores_newest_first(app, client, stores, query):
    """Pages in the second half are read from the oldest store backwards: the cards and
    their order are those of one list cut in pages of 24."""
    stores.make_many(130)
    seen, page = [], 1
    while True:
        text = client.get(f"/?{query}&page={page}").text
        seen += card_ids(text)
        if 'rel="next"' not in text:
            break
        page += 1
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)  # one creation time: newest = highest id
    with app.app_context():
        matching = {store.id for store in db.session.scalars(select(Store))
                    if not query or _matches(store, query)}  # fmt: skip
    assert set(seen) == matching, query
    assert page == 1 or f"Page {page} of {page}" in text


def _link(page: str, rel: str) -> str | None:
    """The address of the page's Next (``rel="next"``) or Previous link, None without one."""
    found = re.search(rf'<a class="button" rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("query", ["", "country=UK", "status=inactive", "status=not_connected",
                                   "q=store+00", "q=store+0&country=CA"])  # fmt: skip
def test_next_and_previous_links_read_next_to_a_card_the_pages_their_numbers_give(
    client, stores, query
):
    """The links carry the page number and the place of the card they leave from: each page
    they lead to holds the cards of that page number, forwards and back."""
    stores.make_many(130)
    by_number, page = {}, 1
    while True:
        text = client.get(f"/?{query}&page={page}").text
        by_number[page] = card_ids(text)
        if 'rel="next"' not in text:
            break
        page += 1
    url, forwards = f"/?{query}", []
    while url:
        text = client.get(url).text
        forwards.append(card_ids(text))
        if len(forwards) > 1:
            assert "after=" in url and f"page={len(forwards)}" in url
        url = _link(text, "next")
    assert forwards == list(by_number.values()), query
    backwards = [card_ids(text)]
    while url := _link(text, "prev"):
        text = client.get(url).text
        backwards.append(card_ids(text))
    assert backwards[::-1] == forwards, query


@pytest.mark.parametrize("query", ["", "q=store"])
def test_a_next_link_continues_after_its_card_when_stores_were_added_meanwhile(
    client, stores, query
):
    """Also for a search, whose matches PostgreSQL lists with the counts (listing._matches)."""
    stores.make_many(60)
    first = client.get(f"/?{query}").text
    stores.make("Store added meanwhile")  # the newest: by number, page 2 would repeat a card
    second = client.get(_link(first, "next")).text
    assert not set(card_ids(first)) & set(card_ids(second))
    assert card_ids(second)[0] == card_ids(first)[-1] - 1 and "Page 2 of 3" in second
    third = client.get(_link(second, "next")).text
    assert card_ids(third) == list(range(card_ids(second)[-1] - 1, 0, -1))
    back = client.get(_link(third, "prev")).text
    assert card_ids(back) == card_ids(second)


def test_a_search_link_from_a_card_no_longer_found_continues_after_its_place(app, client, stores):
    stores.make_many(60)  # ids 1 to 60, one creation time: newest = highest id
    first = client.get("/?q=store").text
    left_from = card_ids(first)[-1]
    with app.app_context():  # the card the Next link leaves from no longer matches
        db.session.get(Store, left_from).name_key = "renamed"
        db.session.commit()
    second = client.get(_link(first, "next")).text
    assert card_ids(second) == list(range(left_from - 1, left_from - 25, -1))
    assert "Page 2 of 3" in second


@pytest.mark.parametrize("query", ["", "q=store"])
def test_a_previous_link_with_only_a_page_above_its_card_shows_the_page_its_number_gives(
    app, client, stores, query
):
    stores.make_many(60)  # ids 1 to 60, newest = highest id
    third = client.get(f"/?{query}&page=3").text  # 12 to 1
    with app.app_context():  # deleted meanwhile: 24 stores left above the card (60 to 37)
        for store in db.session.scalars(select(Store).where(Store.id.between(13, 36))):
            db.session.delete(store)
        db.session.commit()
    previous = client.get(_link(third, "prev")).text
    assert card_ids(previous) == card_ids(client.get(f"/?{query}&page=2").text)
    assert card_ids(previous) == list(range(12, 0, -1)) and "Page 2 of 2" in previous


# Not cursors (ignored): letters, a date past any calendar, an id no INTEGER column holds;
# and one older than every store (1970: nothing after it, so the page is read by its number).
@pytest.mark.parametrize("cursor", ["after=abc", "before=12-x", "after=" + "9" * 30 + "-1",
                                    "after=1-99999999999999999999", "before=1-2147483648",
                                    "after=1-1"])  # fmt: skip
def test_a_broken_or_stale_cursor_shows_the_page_its_number_gives(client, stores, cursor):
    stores.make_many(60)
    by_number = card_ids(client.get("/?page=2").text)
    page = client.get(f"/?page=2&{cursor}")
    assert page.status_code == 200 and card_ids(page.text) == by_number


def _matches(store, query: str) -> bool:
    from asc_web import clock
    from asc_web.models.status import store_status

    key, _, value = query.partition("=")
    if key == "country":
        return store.marketplace_code == value
    if key == "status":
        return store_status(store, clock.utcnow()).code == value
    return value.replace("+", " ") in store.name_key


def test_counts_stop_at_1000_and_the_pages_still_follow(client, stores):
    stores.make_many(1030)  # "Store 0000" to "Store 1029"; every seventh inactive
    common = client.get("/?q=store").text
    assert "More than 1,000 of 1,030 stores match; showing 1–24" in common
    assert ">Page 1</span>" in common and 'href="/?q=store&amp;page=2&amp;after=' in common
    last = client.get("/?q=store&page=43").text  # 1,030 = 42 × 24 + 22
    assert "showing 1,009–1,030" in last and 'rel="next"' not in last
    assert len(card_ids(last)) == 22
    # An old link past the end: counted in full, the last page shown with its number.
    beyond = client.get("/?q=store&page=60").text
    assert card_ids(beyond) == card_ids(last) and "Page 43 of 43" in beyond
    rare = client.get("/?status=inactive").text  # 0, 7, …, 1029: 148 stores
    assert "148 of 1,030 stores match; showing 1–24" in rare and "Page 1 of 7" in rare
    everything = client.get("/?page=43").text
    assert "1,030 stores; showing 1,009–1,030" in everything and "Page 43 of 43" in everything


def test_the_attention_banner_counts_up_to_1000():
    from asc_web.stores.listing import attention_text

    assert attention_text(1).startswith("1 store needs attention")
    assert attention_text(1000).startswith("1,000 stores need attention")
    assert attention_text(1001).startswith("More than 1,000 stores need attention")


def test_filters_narrow_by_name_country_and_status(client, stores):
    usa = stores.make("Amazon Store USA", "US")
    stores.make("Amazon Store Canada", "CA")
    paused = stores.make("Paused UK", "UK", active=False)
    assert card_ids(client.get("/?q=usa").text) == [usa]
    assert card_ids(client.get("/?q=AMAZON%20STORE%20usa").text) == [usa]
    assert card_ids(client.get("/?country=UK").text) == [paused]
    assert card_ids(client.get("/?status=inactive").text) == [paused]
    assert len(card_ids(client.get("/?status=not_connected").text)) == 2
    page = client.get("/?q=zzz").text
    assert "No store matches these filters" in page and "show all 3 stores" in page
    assert "1 of 3 stores matches" in client.get("/?country=CA").text


@pytest.mark.parametrize(
    "query",
    ["q=%25", "q=_", "country=DE", "status=bogus", "page=-1", "page=abc", "page=%C2%B2",
     "page=99999999999", "q=" + "x" * 500],
)  # fmt: skip
def test_odd_filter_values_are_ignored_never_an_error(client, stores, query):
    stores.make("Amazon Store USA")
    response = client.get("/?" + query)
    assert response.status_code == 200
    assert len(card_ids(response.text)) in (0, 1)


def test_filtering_with_htmx_answers_the_results_fragment_only(client, stores):
    stores.make("Amazon Store USA")
    headers = {**HTMX, "HX-Target": "section#store-results"}
    fragment = client.get("/?q=usa", headers=headers)
    assert fragment.text.lstrip().startswith('<section id="store-results"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    restore = client.get("/?q=usa", headers={**headers, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_the_card_endpoint_answers_a_fragment_for_htmx_and_a_page_otherwise(client, stores):
    store_id = stores.make()
    fragment = client.get(f"/stores/{store_id}/card", headers=HTMX)
    assert fragment.text.startswith("{#") is False
    assert re.match(rf'\s*<article id="store-{store_id}" class="store-card', fragment.text)
    assert "HX-Request" in fragment.headers["Vary"]
    page = client.get(f"/stores/{store_id}/card")
    assert "<html" in page.text and f'id="store-{store_id}"' in page.text
    restore = client.get(
        f"/stores/{store_id}/card", headers={**HTMX, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text
    assert client.get("/stores/999/card").status_code == 404


@pytest.mark.parametrize("query", ["?country=UK", "?country=UK&page=2"])
def test_a_countrys_page_walks_an_index_in_date_order(app, client, stores, database_url, query):
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    stores.make_many(60)
    client.get("/" + query)
    with counting(app) as statements:
        assert client.get("/" + query).status_code == 200
    pages = [(s, p) for s, p in statements if "FROM stores" in s and "LIMIT" in s
             and "count(" not in s]  # fmt: skip
    assert pages
    for statement, parameters in pages:
        plan = sqlite_plan(app, statement, parameters)
        # Ids come in the index's order: no sort of all the country's stores for a page.
        ids = page_ids_plan(plan)
        assert ids == [
            "SEARCH stores USING COVERING INDEX ix_stores_country_created (marketplace_code=?)"
        ], plan


@pytest.mark.parametrize("query", ["?page=2", "?status=not_connected&page=2"])
def test_a_deep_page_skips_index_entries_not_store_rows(app, client, stores, database_url, query):
    """The stores before a page are skipped in the date index, which holds their ids and
    status facts (migration 0015): no store row is read to be skipped, filter or not."""
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    stores.make_many(100)  # 85 active and not connected: the filtered page walks the dates
    client.get("/" + query)
    with counting(app) as statements:
        assert len(card_ids(client.get("/" + query).text)) == 24
    (statement, parameters), = [
        (s, p) for s, p in statements if "FROM stores" in s and "LIMIT" in s and "count(" not in s
    ]  # fmt: skip
    plan = sqlite_plan(app, statement, parameters)
    assert page_ids_plan(plan) == ["SCAN stores USING COVERING INDEX ix_stores_created_status"]


@pytest.mark.parametrize("query", ["", "status=not_connected"])
def test_a_page_reached_by_a_link_reads_from_its_cards_place(
    app, client, stores, database_url, query
):
    """No store before the link's card is skipped, however deep the page: the ids come from
    the date index from the card's place on (no offset)."""
    stores.make_many(100)
    text = client.get(f"/?{query}").text
    for _ in range(2):
        url = _link(text, "next")
        with counting(app) as statements:
            text = client.get(url).text
    assert "page=3" in url and len(card_ids(text)) == 24
    (statement, parameters), = [
        (s, p) for s, p in statements if "FROM stores" in s and "LIMIT" in s and "count(" not in s
    ]  # fmt: skip
    if not database_url.startswith("sqlite"):
        return  # EXPLAIN QUERY PLAN is SQLite's; the pages are the same on both (above)
    plan = sqlite_plan(app, statement, parameters)
    # A range of the index from the card's place (a walk from the newest store is a SCAN).
    (step,) = page_ids_plan(plan)
    assert step.startswith("SEARCH stores USING COVERING INDEX ix_stores_created_status ("), plan


def test_the_awaiting_count_reads_only_the_stores_that_wait(app, client, stores, database_url):
    """A few stores await Amazon at a time: their count and their page come from the partial
    index of open attempts' ends (migration 0013), not from every active store's entry."""
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    stores.make_many(30)
    client.get("/?status=awaiting")
    with counting(app) as statements:
        assert client.get("/?status=awaiting").status_code == 200
    counts = next(s for s, _ in statements if "count(" in s and "FROM stores" in s)
    plan = [step for _top, step in sqlite_plan(app, counts, dict(statements)[counts])]
    awaiting = [step for step in plan if "awaiting_until>?" in step]
    assert awaiting == ["SEARCH stores USING COVERING INDEX ix_stores_awaiting (awaiting_until>?)"]
