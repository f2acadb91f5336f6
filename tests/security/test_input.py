"""Input limits: body size, address length, NUL bytes, invisible characters; on both databases."""

from __future__ import annotations

import re

import pytest

from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD, csrf_from

from .conftest import BOTH_DATABASES, new_store, plant_session, snapshot

NUL = "The request contained a character that is not allowed (a NUL byte)."


@pytest.fixture
def admin(app, accounts):
    accounts.create()
    client = app.test_client()
    plant_session(app, client, "admin@example.com")
    return client


@BOTH_DATABASES
def test_a_body_over_64_kb_is_refused_with_413(app, client, accounts):
    accounts.create()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "a@example.com",
            "password": "x" * 70_000,
        },
    )
    assert response.status_code == 413
    assert "The form sent too much data" in response.text


@BOTH_DATABASES
def test_an_address_over_4096_characters_is_refused_with_414(app, client, admin):
    for who in (client, admin):
        response = who.get("/?name=" + "a" * 4100)
        assert response.status_code == 414
        assert "This address is too long" in response.text
    assert admin.get("/?name=" + "a" * 4000).status_code != 414


@BOTH_DATABASES
def test_nul_bytes_anywhere_are_a_400_with_a_message_never_a_500(app, client, admin):
    store_id = new_store(app)
    before = snapshot(app)
    page = client.get("/login")
    cases = {
        "login form": client.post(
            "/login",
            data={
                "csrf_token": csrf_from(page.text),
                "email": "a\x00@example.com",
                "password": "p",
            },
        ),
        "form field name": client.post(
            "/login", data={"csrf_token": csrf_from(page.text), "e\x00mail": "x"}
        ),
        "store search": admin.get("/?q=shop%00"),
        "errors log filter": admin.get("/errors?code=%00"),
        "query key": admin.get("/?na%00me=x"),
        "path": admin.get("/stores/%00"),
        "store settings": admin.post(
            f"/stores/{store_id}/settings",
            data={
                "csrf_token": csrf_from(admin.get("/account").text),
                "name": "Evil\x00Store",
                "email": "shop@example.com",
            },
        ),
        "htmx": admin.get("/?q=%00", headers={"HX-Request": "true"}),
    }
    statuses = {name: response.status_code for name, response in cases.items()}
    assert all(status < 500 for status in statuses.values()), statuses
    assert set(statuses.values()) == {400}, statuses
    unexplained = [name for name, response in cases.items() if NUL not in response.text]
    assert not unexplained, f"no NUL message for: {unexplained}"
    assert cases["htmx"].headers["HX-Reswap"] == "none"
    assert snapshot(app) == before


@BOTH_DATABASES
def test_a_new_user_email_with_a_nul_byte_is_refused(app, admin):
    page = admin.get("/users")
    response = admin.post(
        "/users",
        data={
            "csrf_token": csrf_from(page.text),
            "email": "evil\x00@example.com",
            "role": "viewer",
            "password": "long enough password",
        },
    )
    assert response.status_code == 400 and NUL in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 1


@BOTH_DATABASES
@pytest.mark.parametrize(
    "email",
    [
        "ad\u200bmin@example.com",  # zero-width space
        "admin\u202e@example.com",  # right-to-left override
        "ad\u200dmin@example.com",  # zero-width joiner
        "ad\x07min@example.com",  # control character
        "admin@exa\u2028mple.com",  # line separator
    ],
)
def test_first_admin_email_with_invisible_characters_is_refused(app, client, email):
    page = client.get("/setup")
    response = client.post(
        "/setup",
        data={
            "csrf_token": csrf_from(page.text),
            "email": email,
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "invisible or control characters" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_the_cli_refuses_invisible_characters_in_emails(app, runner):
    result = runner.invoke(
        args=["users", "create", "--email", "ad\u202emin@example.com", "--role", "admin",
              "--password", PASSWORD]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "invisible" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


OUT_OF_RANGE = (2**31, 2**63)  # past PostgreSQL's integer, past SQLite's (and Python's int64)


def _int_urls(app, value: int):
    """Every rule with an integer variable, with ``value`` in each integer variable."""
    from .routes import rules, url_values

    for rule, method in rules(app):
        ints = [name for name, conv in rule._converters.items() if conv.regex == r"\d+"]
        if ints:
            values = {**url_values(app, rule), **dict.fromkeys(ints, value)}
            path = rule.rule
            for name, given in values.items():
                path = re.sub(rf"<(?:\w+:)?{name}>", str(given), path)
            yield method, path


@BOTH_DATABASES
def test_integers_past_the_databases_range_in_any_route_are_a_404(app, admin):
    csrf = csrf_from(admin.get("/account").text)
    checked = 0
    for value in OUT_OF_RANGE:
        for method, path in _int_urls(app, value):
            data = {"csrf_token": csrf} if method == "POST" else None
            response = admin.open(path, method=method, data=data)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            checked += 1
    assert checked >= 2 * 15, "the walk found too few integer routes"


@BOTH_DATABASES
@pytest.mark.parametrize(
    "query",
    [
        "until=99999999999999",
        "until=-99999999999999",
        "until=" + "9" * 40,
    ],
)
def test_a_card_poll_with_an_impossible_time_is_a_400(app, admin, query):
    store_id = new_store(app)
    response = admin.get(
        f"/stores/{store_id}/connect/status?{query}", headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "Reload the page" in response.text


@BOTH_DATABASES
@pytest.mark.parametrize(
    "query",
    [
        "page=99999999999999999999999",
        "page=2147483648",
        "page=-1&endpoint=x",
        "endpoint=x",
        "_method=POST",
        "_external=1",
        "_anchor=x",
    ],
)
def test_the_errors_log_refuses_impossible_pages_and_ignores_unknown_arguments(app, admin, query):
    store_id = _many_errors(app, 51)
    for path in ("/errors", f"/stores/{store_id}/errors"):
        response = admin.get(f"{path}?{query}")
        assert response.status_code in (200, 400), f"{path}?{query}: {response.status_code}"
        if response.status_code == 200:
            older = re.search(r'href="([^"]*page=2[^"]*)"', response.text)
            assert older, f"{path}?{query}: no link to older errors"
            link = older.group(1).replace("&amp;", "&")
            assert link.startswith("/") and "endpoint" not in link and "_" not in link
        else:
            assert "page number" in response.text


def _many_errors(app, count: int) -> int:
    """A store with ``count`` communication errors (enough for a second page); its id."""
    from asc_web.models import CommunicationError

    store_id = new_store(app, name="Store With Errors")
    with app.app_context():
        for n in range(count):
            db.session.add(
                CommunicationError(
                    store_id=store_id, operation="check", code="Unauthorized", description=f"n{n}"
                )
            )
        db.session.commit()
    return store_id
