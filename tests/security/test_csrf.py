"""CSRF: every unsafe request, htmx included, is refused without a valid token; nothing changes."""

from __future__ import annotations

import pytest
from flask import url_for

from .conftest import expired_csrf_token, plant_session, snapshot, token
from .routes import rules, url_values

EXPIRED = "This page expired — reload it and try again."


@pytest.fixture
def admin(app, accounts):
    """A client signed in as an admin (who may use every route)."""
    accounts.create()
    client = app.test_client()
    plant_session(app, client, "admin@example.com")
    token(client)  # a page view puts the session's CSRF secret in place
    return client


def _unsafe_requests(app):
    for rule, method in rules(app):
        if method in ("GET", "HEAD", "OPTIONS"):
            continue
        with app.test_request_context():
            yield method, url_for(rule.endpoint, **url_values(app, rule))


@pytest.mark.parametrize(
    "tokens",
    ["none", "empty", "forged", "other session", "expired"],
)
def test_unsafe_requests_without_a_valid_token_are_refused_and_change_nothing(app, admin, tokens):
    stranger = app.test_client()
    other_session_token = token(stranger)
    checked = 0
    for method, url in _unsafe_requests(app):
        fields = {
            "none": {},
            "empty": {"csrf_token": ""},
            "forged": {"csrf_token": "IjAxMjM0NTY3ODkwMTIzNDU2Nzg5Ig.forged.signature"},
            "other session": {"csrf_token": other_session_token},
            "expired": {"csrf_token": expired_csrf_token(app, admin)},
        }[tokens]
        before = snapshot(app)
        response = admin.open(url, method=method, data=fields)
        assert response.status_code == 400, f"{method} {url}: {response.status_code}"
        assert EXPIRED in response.text
        assert snapshot(app) == before, f"{method} {url} changed data without a valid token"
        checked += 1
    assert checked > 10


def test_htmx_requests_need_the_token_too_and_keep_the_page(app, admin):
    for method, url in _unsafe_requests(app):
        before = snapshot(app)
        response = admin.open(url, method=method, headers={"HX-Request": "true"})
        assert response.status_code == 400, f"{method} {url}: {response.status_code}"
        # htmx 4 swaps error answers: "none" keeps the form and what was typed in it.
        assert response.headers["HX-Reswap"] == "none"
        assert response.text.lstrip().startswith("<hx-partial")
        assert EXPIRED in response.text
        assert snapshot(app) == before


def test_the_token_travels_in_the_header_for_htmx(app, admin):
    """The valid path works, so the refusals above are about the token and nothing else."""
    csrf = token(admin)
    response = admin.post(
        "/account/password",
        headers={"HX-Request": "true", "X-CSRFToken": csrf},
        data={"current": "wrong", "password": "x", "confirm": "y"},
    )
    assert response.status_code == 422


def test_csrf_token_is_bound_to_the_session(app, admin):
    theirs = app.test_client()
    plant_session(app, theirs, "admin@example.com")
    response = admin.post("/logout", data={"csrf_token": token(theirs)})
    assert response.status_code == 400
