"""Search by store name: exactly the stores whose folded name contains the folded query,
answered through the trigram index (SQLite FTS5, PostgreSQL pg_trgm), kept in step."""

import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, text

from asc_web.extensions import db
from asc_web.models import Store
from asc_web.stores import names
from tests.integration.stores.conftest import card_ids
from tests.integration.stores.conftest import post as _post
from tests.support.data import insert_store
from tests.support.sql import counting, page_ids_plan, sqlite_plan

NAMES = (
    "Amazon Store USA",
    'Say "Hi" Shop',
    "Star*Shop",
    "Shop OR Store",
    "50% Off Store",
    "Under_score Goods",
    "Back\\slash Market",
    "NEAR(Café) Zürich",
    "^Caret -Minus col:on",
    "ＷＩＤＥ Store",
)


@pytest.fixture(autouse=True)
def _admin(accounts):
    accounts.signed_in("admin")


def _search(client, query: str) -> set[int]:
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 200, query
    return set(card_ids(response.text))


@pytest.mark.parametrize(
    "query",
    ['"', '""', '"""', '"hi"', 'y "h', "*", "star*", "r*s", "OR", "or", "shop or", "%", "50%",
     "% o", "_", "r_s", "\\", "k\\s", "\\sl", "NEAR(", "near(caf", "^", "^car", "-mi", "col:",
     ":on", "s", "st", "sto", "STORE", "wide", "Ｓtore", "zürich", "cafe", "zzz", "a" * 100],
)  # fmt: skip
def test_search_answers_exactly_the_names_that_contain_the_query_as_typed(app, client, query):
    ids = {name: insert_store(app, name) for name in NAMES}
    key = names.fold(query)
    expected = {ids[name] for name in NAMES if key in names.fold(name)}
    assert _search(client, query) == expected


def test_query_syntax_of_the_index_is_plain_text_never_an_error(app, client):
    insert_store(app, "Amazon Store USA")
    for query in ('"', '"*', "AND", "NOT store", "store OR usa", "(usa", "usa)", "{usa}",
                  "NEAR(a b, 2)", "+usa", "usa*", "name_key:usa", "'--"):  # fmt: skip
        assert _search(client, query) == set(), query


def test_a_new_store_is_found_at_once(client, stores):
    stores.post_new(name="Fresh Goods Emporium")
    (store_id,) = _search(client, "goods emp")
    assert stores.get(store_id).name == "Fresh Goods Emporium"


def test_a_renamed_store_is_found_by_its_new_name_only(client, stores):
    store_id = stores.make("Old Lantern Shop")
    assert _search(client, "lantern") == {store_id}
    _post(client, stores, f"/stores/{store_id}/settings", "dashboard",
          name="New Beacon Shop", email="merchant@example.com")  # fmt: skip
    assert _search(client, "lantern") == set()
    assert _search(client, "beacon") == {store_id}
    assert _search(client, "shop") == {store_id}


def test_a_deleted_store_is_no_longer_found(client, stores):
    kept = stores.make("Keep This Store")
    gone = stores.make("Remove This Store")
    assert _search(client, "this store") == {kept, gone}
    _post(client, stores, f"/stores/{gone}/delete")
    assert _search(client, "this store") == {kept}
    assert _search(client, "remove") == set()


def test_a_search_costs_the_same_statements_as_the_unfiltered_page(app, client, stores):
    stores.make_many(60)
    client.get("/")
    with counting(app) as plain:
        client.get("/")
    for query in ("/?q=store+004", "/?q=st", "/?q=store&country=US"):
        with counting(app) as searched:
            assert client.get(query).status_code == 200
        assert len(searched) == len(plain), query


def test_a_search_reads_the_name_index_not_every_store_on_sqlite(app, client, stores, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    stores.make_many(60)
    client.get("/?q=store+004")
    with counting(app) as statements:
        assert len(card_ids(client.get("/?q=store+004").text)) == 10
    searched = [(s, p) for s, p in statements if "stores_name_search" in s]
    assert len(searched) == 2, statements  # the count and the page
    for statement, parameters in searched:
        plan = [line for _top, line in sqlite_plan(app, statement, parameters)]
        assert any("SCAN stores_name_search VIRTUAL TABLE" in line for line in plan), plan
        # In the count: SQLite's count of all stores (the b-tree's pages, not the rows) and
        # the names read only for a query too common for the index (search.COUNT_IN_INDEX).
        scans = [line for line in plan if re.match(r"SCAN stores\b(?!_)", line)]
        assert len(scans) <= 2 * int("count(*)" in statement), plan


def test_a_search_is_counted_in_the_index_whether_rare_or_common(app, stores):
    from asc_web import clock
    from asc_web.stores import listing

    stores.make_many(12)  # "Store 0000" to "Store 0011"
    with app.app_context():
        for query, expected in (("store", 12), ("store 000", 10), ("store 001", 2),
                                ("store 0011", 1), ("none", 0), ("st", 12)):  # fmt: skip
            page = listing.load(listing.Filters(q=query), clock.utcnow())
            assert (page.matching, page.total) == (expected, 12), query


def test_a_common_query_pages_like_the_unfiltered_list_whichever_way_it_is_read(client, stores):
    stores.make_many(60)  # every name contains "store"
    for page in (1, 2, 3):  # the first pages walk the date order; the last uses the index
        plain = card_ids(client.get(f"/?page={page}").text)
        assert card_ids(client.get(f"/?q=store&page={page}").text) == plain, page
    assert len(plain) == 12


def test_a_common_querys_first_page_walks_the_date_order_on_sqlite(
    app, client, stores, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    stores.make_many(60)
    client.get("/?q=store")
    with counting(app) as statements:
        assert len(card_ids(client.get("/?q=store").text)) == 24
    (page,) = [
        (s, p) for s, p in statements if "FROM stores" in s and "LIMIT" in s and "count(" not in s
    ]
    plan = sqlite_plan(app, *page)
    # The newest stores are read until 24 match: neither every match listed nor a sort.
    assert not [line for _top, line in plan if "stores_name_search" in line], plan
    assert page_ids_plan(plan) == ["SCAN stores USING INDEX ix_stores_created_status"], plan


def test_a_search_reads_the_trigram_index_once_on_postgresql(app, client, stores, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("pg_trgm is PostgreSQL's")
    stores.make_many(60)
    client.get("/?q=store+004")
    with counting(app) as statements:
        client.get("/?q=store+004")
    searched = [(s, p) for s, p in statements if "name_key LIKE" in s]
    # Once: the counts list the matches' ids (the index read once, not for the page too).
    assert len(searched) == 1, statements
    # The page by id, as many as a page shows.
    (page,) = [(s, p) for s, p in statements if re.search(r"WHERE stores\.id IN \(", s)]
    assert "LIKE" not in page[0] and len([k for k in page[1] if k.startswith("ids")]) == 10
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # Sixty stores take a page or two: reading them all, or all of an index, costs
            # less than a search. With bitmap scans left only, and the table's statistics,
            # the plan shows whether the trigram index answers the search.
            cursor.execute("ANALYZE stores")
            for scan in ("seqscan", "indexscan", "indexonlyscan"):
                cursor.execute(f"SET enable_{scan} = off")
            for statement, parameters in searched:
                cursor.execute("EXPLAIN " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "ix_stores_name_key_trgm" in plan, plan
        finally:
            raw.rollback()
            raw.close()


def test_the_migration_indexes_the_stores_that_exist_and_goes_back_cleanly(app, client):
    with app.app_context():
        downgrade(revision="0009")
        db.session.remove()
    try:
        store_id = _insert_old_store(app, "Before The Index")
        with app.app_context():
            assert _index_objects() == 0
            upgrade()
            db.session.remove()
            assert _index_objects() > 0
        assert _search(client, "before the") == {store_id}
    finally:
        # PostgreSQL's schema is shared by the test run: leave it at the newest revision.
        with app.app_context():
            db.session.remove()
            upgrade()
            db.session.remove()


def _insert_old_store(app, name: str) -> int:
    """A store in the columns of revision 0009 (the model has columns of later revisions)."""
    from asc_web import clock
    from asc_web.models import ProductAttribute, Website

    with app.app_context():
        now = clock.utcnow()
        row = {
            "name": name, "name_key": names.fold(name), "email": "shop@example.com",
            "marketplace_code": "US", "product_id_type": "ASIN", "active": True,
            "website_id": db.session.scalar(select(Website.id).order_by(Website.id)),
            "attribute_id": db.session.scalar(select(ProductAttribute.id).limit(1)),
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        store_id = db.session.execute(
            insert(Store.__table__).values(row).returning(Store.__table__.c.id)
        ).scalar_one()
        db.session.commit()
        return store_id


def _index_objects() -> int:
    """How many schema objects of migration 0010 exist (tables, triggers, indexes)."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE name LIKE 'stores_name_search%'"
    else:
        query = "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_stores_name_key_trgm'"
    with db.engine.connect() as connection:
        return connection.scalar(text(query))
