"""Every route × role: allowed, 403, or sent to sign in — from ``app.url_map``, not a list."""

from __future__ import annotations

import pytest
from flask import url_for
from werkzeug.exceptions import MethodNotAllowed

from asc_web.extensions import db
from asc_web.models import Authorization, Store, User, Website
from tests.conftest import PASSWORD, csrf_from

from .conftest import new_store, plant_session, token
from .routes import ROLES, TABLE, attribute_id, key, rules, url_values


@pytest.fixture
def people(app, accounts):
    """One user per role."""
    for role in ROLES[1:]:
        accounts.create(email=f"{role}@example.com", role=role)
    return {role: f"{role}@example.com" for role in ROLES[1:]}


def _outcome(response) -> str | int:
    """How a request was answered; the login wall's answers are 302 and 401 (htmx)."""
    response.close()
    location = response.headers.get("Location", "") or response.headers.get("HX-Redirect", "")
    if response.status_code in (302, 401) and location.startswith("/login"):
        return "login"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code in (404, 405):
        return response.status_code
    return "ok"


def test_every_route_has_an_entry(app):
    missing = [key(rule, method) for rule, method in rules(app) if key(rule, method) not in TABLE]
    assert not missing, f"add these to tests/security/routes.py TABLE: {missing}"
    served = {key(rule, method) for rule, method in rules(app)}
    stale = sorted(set(TABLE) - served)
    assert not stale, f"these routes are gone; remove them from TABLE: {stale}"


def test_every_route_answers_each_role_as_the_table_says(app, people):
    failures = []
    for rule, method in rules(app):
        expected = TABLE.get(key(rule, method))
        if expected is None:
            continue  # reported by test_every_route_has_an_entry
        for role in ROLES:
            client = app.test_client()
            csrf = token(client)
            if role != "anonymous":
                plant_session(app, client, people[role])
                csrf = token(client)
            with app.test_request_context():
                url = url_for(rule.endpoint, **url_values(app, rule))
            data = {"csrf_token": csrf} if method != "GET" else None
            response = client.open(url, method=method, data=data)
            got = _outcome(response)
            if got != expected[role]:
                failures.append(f"{method} {url} as {role}: {got}, expected {expected[role]}")
    assert not failures, "\n".join(failures)


def test_unsafe_routes_answer_get_with_405(app, people):
    client = app.test_client()
    plant_session(app, client, people["admin"])
    adapter = app.url_map.bind("localhost")
    for rule, method in rules(app):
        if "GET" in rule.methods:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **url_values(app, rule))
        try:
            adapter.match(url, method="GET")
            continue  # the same address is also a page (``GET /users`` lists, POST adds)
        except MethodNotAllowed:
            pass
        response = client.get(url)
        assert response.status_code == 405, f"GET {url}: {response.status_code}"
        assert method in response.headers["Allow"]


def test_a_missing_store_and_a_forbidden_one_answer_alike(app, people):
    """A viewer learns nothing from store ids: existing or not, the answer is the same."""
    store_id = new_store(app)
    viewer = app.test_client()
    plant_session(app, viewer, people["viewer"])
    for rule, method in rules(app):
        if "store_id" not in rule.arguments or TABLE[key(rule, method)]["viewer"] != "forbidden":
            continue
        answers = []
        for target in (store_id, 987_654):
            with app.test_request_context():
                url = url_for(rule.endpoint, store_id=target)
            data = {"csrf_token": token(viewer)} if method != "GET" else None
            response = viewer.open(url, method=method, data=data)
            answers.append((response.status_code, response.text))
        assert answers[0] == answers[1], f"{method} {rule.rule} tells the two ids apart"


def test_a_missing_store_is_404_for_those_who_may_use_the_route(app, people):
    manager = app.test_client()
    plant_session(app, manager, people["manager"])
    for rule, method in rules(app):
        if "store_id" not in rule.arguments or method != "GET":
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, store_id=987_654)
        response = manager.get(url)
        assert response.status_code == 404, f"GET {url}: {response.status_code}"


def test_extra_fields_on_a_new_store_are_ignored(app, people):
    client = app.test_client()
    plant_session(app, client, people["manager"])
    page = client.get("/stores/new")
    with app.app_context():
        website = db.session.scalar(db.select(Website.id).order_by(Website.id))
    response = client.post(
        "/stores/new",
        data={
            "csrf_token": csrf_from(page.text),
            "website": website,
            "email": "shop@example.com",
            "name": "Mass Assignment Store",
            "country": "US",
            "product_id_type": "ASIN",
            "attribute": attribute_id(app),
            # Not on the form: each must be ignored.
            "id": "4242",
            "active": "false",
            "created_by_id": "1",
            "name_key": "other",
            "refresh_token": "Atzr|planted",
            "selling_partner_id": "A1NASELLER0001",
        },
    )
    assert response.status_code == 303, response.text[:2000]
    with app.app_context():
        store = db.session.scalar(db.select(Store).where(Store.name == "Mass Assignment Store"))
        assert store.id != 4242 and store.active is True
        assert store.name_key == "mass assignment store"
        assert store.created_by_id == User.by_email("manager@example.com").id
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 0


def test_extra_fields_on_the_store_settings_are_ignored(app, people):
    store_id = new_store(app)
    client = app.test_client()
    plant_session(app, client, people["manager"])
    page = client.get(f"/stores/{store_id}/settings")
    response = client.post(
        f"/stores/{store_id}/settings",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "Renamed Store",
            "email": "new@example.com",
            "marketplace_code": "UK",
            "active": "false",
            "id": "77",
            "website_id": "999",
        },
    )
    assert response.status_code in (200, 303)
    with app.app_context():
        store = db.session.get(Store, store_id)
        assert store.name == "Renamed Store"
        assert (store.marketplace_code, store.active, store.website_id) == ("US", True, 1)


def test_extra_fields_on_users_and_account_are_ignored(app, people):
    admin = app.test_client()
    plant_session(app, admin, people["admin"])
    page = admin.get("/users")
    admin.post(
        "/users",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "new@example.com",
            "role": "viewer",
            "password": "long enough password",
            "active": "false",
            "id": "999",
            "session_nonce": "planted",
            "password_hash": "planted",
        },
    )
    viewer = app.test_client()
    plant_session(app, viewer, people["viewer"])
    page = viewer.get("/account")
    viewer.post(
        "/account/password",
        data={
            "csrf_token": csrf_from(page.text),
            "current": PASSWORD,
            "password": "another long password",
            "confirm": "another long password",
            "role": "admin",
            "email": "admin@example.com",
            "active": "true",
        },
    )
    with app.app_context():
        created = User.by_email("new@example.com")
        assert created.active and created.id != 999 and created.session_nonce != "planted"
        assert created.check_password("long enough password")
        viewer_user = User.by_email("viewer@example.com")
        assert viewer_user.role == "viewer"
        assert viewer_user.check_password("another long password")
        assert User.by_email("admin@example.com").role == "admin"


def test_role_given_when_adding_a_user_must_be_a_known_one(app, people):
    admin = app.test_client()
    plant_session(app, admin, people["admin"])
    page = admin.get("/users")
    response = admin.post(
        "/users",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "root@example.com",
            "role": "superuser",
            "password": "long enough password",
        },
    )
    assert response.status_code == 422
    with app.app_context():
        assert User.by_email("root@example.com") is None
