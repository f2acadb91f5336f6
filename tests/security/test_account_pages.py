"""The Account and Users pages themselves: what people see and what is refused."""

from __future__ import annotations

from asc_web.models import User
from tests.conftest import PASSWORD, csrf_from


def _add(client, email, role="viewer", htmx=False):
    page = client.get("/users")
    headers = {"HX-Request": "true", "HX-Target": "section#users-panel"} if htmx else {}
    data = {"email": email, "role": role, "password": "a first password"}
    return client.post("/users", data={**data, "csrf_token": csrf_from(page.text)}, headers=headers)


def test_admin_adds_a_user_who_can_then_sign_in(app, client, accounts):
    accounts.signed_in("admin")
    added = _add(client, "Ana@Example.com", role="manager", htmx=True)
    assert added.status_code == 200
    assert "<html" not in added.text and 'id="users-panel"' in added.text
    assert "ana@example.com can now sign in as manager" in added.text
    with app.app_context():
        assert User.by_email("ana@example.com").role == "manager"
    from tests.conftest import Accounts

    other = Accounts(app, app.test_client())
    assert other.login(email="ana@example.com", password="a first password").status_code == 303


def test_a_taken_email_is_refused_with_the_input_kept(client, accounts):
    accounts.signed_in("admin")
    response = _add(client, "admin@example.com")
    assert response.status_code == 422
    assert "already exists" in response.text
    assert 'value="admin@example.com"' in response.text


def test_the_account_page_shows_who_you_are_and_the_session_limits(client, accounts):
    accounts.signed_in("viewer")
    page = client.get("/account")
    assert "Signed in as viewer@example.com" in page.text
    assert "60 minutes" in page.text and "12 hours" in page.text
    assert 'autocomplete="current-password"' in page.text


def test_account_and_users_links_show_for_the_right_people(client, accounts):
    accounts.signed_in("viewer")
    home = client.get("/account").text
    assert 'href="/account"' in home and 'href="/users"' not in home


def test_a_wrong_current_password_is_counted_per_user(make_app):
    import uuid

    from tests.conftest import Accounts

    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_KEY_PREFIX=f"asc-test-{uuid.uuid4().hex}",
        PASSWORD_CHANGE_LIMIT="2 per minute",
        LOGIN_LIMIT_PER_IP="100 per minute",
    )
    client = app.test_client()
    accounts = Accounts(app, client)
    accounts.signed_in("viewer")
    statuses = []
    for _ in range(3):
        page = client.get("/account")
        statuses.append(
            client.post(
                "/account/password",
                data={
                    "current": "not it",
                    "password": "another password",
                    "confirm": "another password",
                    "csrf_token": csrf_from(page.text),
                },
            ).status_code
        )
    assert statuses == [422, 422, 429]
    page = client.get("/account")
    locked = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "another password",
            "confirm": "another password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert locked.status_code == 429
