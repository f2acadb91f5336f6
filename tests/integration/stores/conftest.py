"""Helpers for the store tests: stores made directly, the add form posted like a browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, insert, select

from asc_web import clock
from asc_web.extensions import db
from asc_web.models import ProductAttribute, Store, StoreActivity, Website
from tests.conftest import csrf_from
from tests.support.data import insert_store


def attribute_id(app, code: str = "asin") -> int:
    """The id of a seeded product attribute."""
    with app.app_context():
        return db.session.scalar(select(ProductAttribute.id).where(ProductAttribute.code == code))


def website_id(app) -> int:
    """The id of the seeded Main Website."""
    with app.app_context():
        return db.session.scalar(select(Website.id).where(Website.code == "base"))


class Stores:
    """Make stores and look at what the database holds."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def make(self, name="Amazon Store USA", country="US", active=True, **extra) -> int:
        """Insert one store directly; return its id."""
        return insert_store(
            self.app, name, country, email="merchant@example.com", attribute="asin",
            active=active, **extra,
        )  # fmt: skip

    def make_many(self, count: int) -> None:
        """Insert ``count`` stores in one statement."""
        now = clock.utcnow()
        web, attr = website_id(self.app), attribute_id(self.app)
        rows = [
            {
                "name": f"Store {i:04d}",
                "name_key": f"store {i:04d}",
                "email": "merchant@example.com",
                "marketplace_code": ("US", "CA", "MX", "UK")[i % 4],
                "website_id": web,
                "product_id_type": "ASIN",
                "attribute_id": attr,
                "active": i % 7 != 0,
                "created_at": now,
                "updated_at": now,
            }
            for i in range(count)
        ]
        with self.app.app_context():
            db.session.execute(insert(Store), rows)
            db.session.commit()

    def count(self) -> int:
        """How many stores exist."""
        with self.app.app_context():
            return db.session.scalar(select(func.count(Store.id)))

    def names(self) -> list[str]:
        """Every store's name, as stored."""
        with self.app.app_context():
            return list(db.session.scalars(select(Store.name).order_by(Store.id)))

    def get(self, store_id: int) -> Store | None:
        """A detached copy of the store, or None."""
        with self.app.app_context():
            store = db.session.get(Store, store_id)
            if store is not None:
                db.session.expunge(store)
            return store

    def activity(self, store_id: int) -> list[tuple[str, str, int | None]]:
        """(action, detail, user id) of the store's activity, oldest first."""
        with self.app.app_context():
            rows = db.session.execute(
                select(StoreActivity.action, StoreActivity.detail, StoreActivity.user_id)
                .where(StoreActivity.store_id == store_id)
                .order_by(StoreActivity.id)
            )
            return [tuple(row) for row in rows]

    def form(self, **fields) -> dict:
        """A valid add-store submission, with ``fields`` replacing or adding values."""
        data = {
            "website": str(website_id(self.app)),
            "email": "merchant@example.com",
            "name": "Amazon Store USA",
            "country": "US",
            "product_id_type": "ASIN",
            "attribute": str(attribute_id(self.app)),
        }
        data.update(fields)
        return {key: value for key, value in data.items() if value is not None}

    def post_new(self, client=None, **fields):
        """Post the add form like a browser (CSRF token from the page)."""
        client = client or self.client
        token = csrf_from(client.get("/stores/new").text)
        return client.post("/stores/new", data={**self.form(**fields), "csrf_token": token})

    def token(self, client=None) -> str:
        """A CSRF token for this client's session."""
        return csrf_from((client or self.client).get("/").text)


@pytest.fixture
def stores(app, client) -> Stores:
    """Store helpers bound to the test's app and client."""
    return Stores(app, client)


HTMX = {"HX-Request": "true"}


def post(client, stores, path, origin="home", htmx=False, **data):
    """Post a store action as its button would (CSRF token, where it was started from)."""
    data = {"csrf_token": stores.token(client), "from": origin, **data}
    return client.post(path, data=data, headers=HTMX if htmx else {})


def card_ids(page: str) -> list[int]:
    """The ids of the store cards on a page, in order."""
    return [int(i) for i in re.findall(r'<article id="store-(\d+)"', page)]
