"""The CSRF token of a store card's button-only forms: valid for its own session only.

A card fragment (the card poll, every two seconds per waiting tab) carries a token for its
forms; every token the session was given keeps working for that session, and never works
for another session, another user or a session that signed out and in again.
"""

from __future__ import annotations

import re

import pytest

from asc_web.extensions import db
from asc_web.models import Store

from .conftest import new_store, plant_session, snapshot

EXPIRED = "This page expired — reload it and try again."
CARD_TOKEN = re.compile(r'<article id="store-\d+".*?name="csrf_token" value="([^"]+)"', re.S)


def _card_token(client, store_id: int) -> str:
    """The CSRF token of the card fragment's Deactivate form (what htmx swaps in)."""
    card = client.get(f"/stores/{store_id}/card", headers={"HX-Request": "true"})
    assert card.status_code == 200
    return CARD_TOKEN.search(card.text).group(1)


def _signed_in(app, email: str):
    client = app.test_client()
    plant_session(app, client, email)
    return client


def _active(app, store_id: int) -> bool:
    with app.app_context():
        active = db.session.get(Store, store_id).active
        db.session.remove()
    return active


def _deactivate(client, store_id: int, csrf_token: str):
    return client.post(
        f"/stores/{store_id}/deactivate", data={"csrf_token": csrf_token, "from": "home"}
    )


@pytest.fixture
def store_id(app, accounts) -> int:
    accounts.create()
    accounts.create("manager@example.com", role="manager")
    return new_store(app)


def test_an_earlier_card_token_still_works_for_its_session(app, store_id):
    admin = _signed_in(app, "admin@example.com")
    _card_token(admin, store_id)
    again = _card_token(admin, store_id)
    response = _deactivate(admin, store_id, again)
    assert response.status_code == 303
    assert not _active(app, store_id)


def test_a_card_token_is_refused_for_another_users_session(app, store_id):
    admin = _signed_in(app, "admin@example.com")
    manager = _signed_in(app, "manager@example.com")
    admins_token = _card_token(admin, store_id)
    assert _card_token(manager, store_id) != admins_token
    before = snapshot(app)
    response = _deactivate(manager, store_id, admins_token)
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert snapshot(app) == before
    assert _active(app, store_id)


def test_a_card_token_is_refused_for_another_session_of_the_same_user(app, store_id):
    first = _signed_in(app, "admin@example.com")
    second = _signed_in(app, "admin@example.com")
    firsts_token = _card_token(first, store_id)
    assert _card_token(second, store_id) != firsts_token
    response = _deactivate(second, store_id, firsts_token)
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert _active(app, store_id)


def test_a_card_token_dies_with_its_session(app, store_id):
    admin = _signed_in(app, "admin@example.com")
    old = _card_token(admin, store_id)
    admin.post("/logout", data={"csrf_token": old})
    plant_session(app, admin, "admin@example.com")
    assert _card_token(admin, store_id) != old
    response = _deactivate(admin, store_id, old)
    assert response.status_code == 400
    assert EXPIRED in response.text
    assert _active(app, store_id)
