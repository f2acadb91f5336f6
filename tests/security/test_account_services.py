"""Account operations as their callers see them: exact refusals, limits, order (mutation-tested).

The pages and the CLI show these messages word for word; the limits sit on their boundary.
"""

from __future__ import annotations

import logging

import pytest

from asc_web.auth import services
from asc_web.extensions import db
from asc_web.models import Installation, User
from tests.conftest import PASSWORD

from .conftest import plant_session

TEN = "x" * services.MIN_PASSWORD_LENGTH


@pytest.fixture
def ctx(app):
    """An application context on the test's database."""
    with app.app_context():
        yield
        db.session.rollback()


def _refusal(call, *args) -> str:
    with pytest.raises(services.AccountError) as refused:
        call(*args)
    db.session.rollback()
    return str(refused.value)


def test_create_user_refuses_with_exact_sentences(ctx):
    services.create_user("taken@example.com", PASSWORD, "viewer")
    db.session.commit()
    create = services.create_user
    assert _refusal(create, "ad\u200bmin@example.com", PASSWORD, "viewer") == (
        "Enter a valid email address without invisible characters."
    )
    assert _refusal(create, "a@example.com", PASSWORD, "owner") == (
        "Unknown role 'owner': choose one of admin, manager, viewer."
    )
    assert _refusal(create, "a@example.com", "x" * 9, "viewer") == (
        "The password needs at least 10 characters."
    )
    assert _refusal(create, "TAKEN@example.com", PASSWORD, "viewer") == (
        "A user with the email taken@example.com already exists."
    )


def test_an_email_taken_by_a_racing_request_is_refused_by_the_database(ctx, monkeypatch):
    services.create_user("taken@example.com", PASSWORD, "viewer")
    db.session.commit()
    # The other request added it after this one looked.
    monkeypatch.setattr(User, "by_email", classmethod(lambda cls, email: None))
    assert _refusal(services.create_user, "taken@example.com", PASSWORD, "admin") == (
        "A user with the email taken@example.com already exists."
    )
    assert User.count() == 1


def test_create_user_takes_the_shortest_password_and_the_longest_email(ctx, caplog):
    caplog.set_level(logging.INFO, logger="asc_web.auth.services")
    longest = "a" * 242 + "@example.com"
    assert len(longest) == 254
    user = services.create_user(longest, TEN, "manager")
    db.session.commit()
    assert user.check_password(TEN)
    assert f"User {user.id} created with role manager" in [r.getMessage() for r in caplog.records]
    assert _refusal(services.create_user, "a" + longest, PASSWORD, "viewer") == (
        "Enter a valid email address without invisible characters."
    )


def test_the_first_admin_is_created_once_and_marks_the_install(ctx):
    admin = services.create_first_admin("first@example.com", PASSWORD)
    db.session.commit()
    assert admin.role == "admin" and Installation.get() is not None
    assert _refusal(services.create_first_admin, "second@example.com", PASSWORD) == (
        "The first admin account already exists. Sign in instead."
    )


def test_no_first_admin_once_any_user_exists_or_the_install_is_marked(ctx):
    services.create_user("cli@example.com", PASSWORD, "viewer")  # e.g. made with the CLI
    db.session.commit()
    assert Installation.get() is None
    assert _refusal(services.create_first_admin, "first@example.com", PASSWORD) == (
        "The first admin account already exists. Sign in instead."
    )
    db.session.delete(User.by_email("cli@example.com"))
    db.session.add(Installation(id=1))
    db.session.commit()
    assert _refusal(services.create_first_admin, "first@example.com", PASSWORD) == (
        "The first admin account already exists. Sign in instead."
    )


def test_a_first_admin_racing_another_is_refused_by_the_install_row(ctx, monkeypatch):
    services.create_first_admin("first@example.com", PASSWORD)
    db.session.commit()
    db.session.delete(User.by_email("first@example.com"))
    db.session.commit()
    # The other request passed the check before this one committed its install row.
    monkeypatch.setattr(Installation, "get", classmethod(lambda cls: None))
    assert _refusal(services.create_first_admin, "second@example.com", PASSWORD) == (
        "The first admin account already exists. Sign in instead."
    )
    assert User.count() == 0


def test_change_password_refuses_with_exact_sentences_and_takes_ten_characters(ctx):
    user = services.create_user("me@example.com", PASSWORD, "viewer")
    db.session.commit()
    change = services.change_password
    with pytest.raises(services.WrongPassword) as wrong:
        change(user, "not it at all", "a new passphrase")
    assert str(wrong.value) == "The current password is incorrect."
    assert _refusal(change, user, PASSWORD, "x" * 9) == (
        "The password needs at least 10 characters."
    )
    assert _refusal(change, user, PASSWORD, PASSWORD) == (
        "Choose a new password that differs from the current one."
    )
    nonce = user.session_nonce
    change(user, PASSWORD, TEN)
    assert user.check_password(TEN) and user.session_nonce != nonce


def test_set_active_says_whether_anything_changed(ctx):
    admin = services.create_user("admin@example.com", PASSWORD, "admin")
    viewer = services.create_user("viewer@example.com", PASSWORD, "viewer")
    db.session.commit()
    assert services.set_active(viewer, True, admin) is False
    assert services.set_active(viewer, False, admin) is True
    assert services.set_active(viewer, False, admin) is False
    assert _refusal(services.set_active, admin, False, admin) == (
        "You cannot disable your own account. Ask another admin."
    )


def test_the_users_list_puts_admins_first_then_by_email_and_odd_roles_last(ctx):
    for email, role in [("b@example.com", "viewer"), ("c@example.com", "admin"),
                        ("a@example.com", "manager"), ("z@example.com", "admin"),
                        ("y@example.com", "viewer")]:  # fmt: skip
        services.create_user(email, PASSWORD, role)
    db.session.flush()
    odd = User.by_email("y@example.com")
    odd.role = "auditor"  # a role from a later version, or edited by hand
    db.session.commit()
    order = [(u.role, u.email) for u in services.all_users()]
    assert order == [
        ("admin", "c@example.com"),
        ("admin", "z@example.com"),
        ("manager", "a@example.com"),
        ("viewer", "b@example.com"),
        ("auditor", "y@example.com"),
    ]


def test_the_users_page_shows_when_someone_last_signed_in(app, accounts):
    accounts.create(email="viewer@example.com", role="viewer")
    accounts.create(email="admin@example.com", role="admin")
    admin = app.test_client()
    plant_session(app, admin, "admin@example.com")
    row = _row(admin.get("/users").text, "viewer@example.com")
    assert "—" in row
    accounts.login(email="viewer@example.com")
    row = _row(admin.get("/users").text, "viewer@example.com")
    assert "—" not in row and "20" in row
    assert "Last sign-in" in accounts.client.get("/account").text


def _row(html: str, email: str) -> str:
    """The users table row of ``email``."""
    start = html.index(email)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]
