"""First-admin set-up, sign-in, sign-out and the login wall, as a browser sees them."""

import threading

from sqlalchemy import func, select

from asc_web.extensions import db
from asc_web.models import User
from tests.conftest import PASSWORD, csrf_from


def _user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def _setup(client, **fields):
    page = client.get("/setup")
    data = {"email": "owner@example.com", "password": PASSWORD, "confirm": PASSWORD}
    data.update(fields)
    data.setdefault("csrf_token", csrf_from(page.text))
    return client.post("/setup", data=data)


def test_every_page_leads_to_first_admin_setup_when_no_user_exists(client):
    for path in ("/", "/attributes", "/login", "/learning"):
        response = client.get(path, follow_redirects=True)
        assert "Create the first admin account" in response.text


def test_creating_the_first_admin_signs_in_and_lands_on_empty_store_list(app, client):
    response = _setup(client)
    assert response.status_code == 303
    home = client.get(response.headers["Location"])
    assert "Amazon Stores" in home.text
    assert "Add Amazon Store" in home.text
    assert "owner@example.com" in home.text
    assert "Your admin account is ready" in home.text
    with app.app_context():
        assert User.by_email("owner@example.com").role == "admin"


def test_bad_setup_input_is_explained_and_creates_nothing(app, client):
    cases = [
        ({"email": ""}, "Enter your email address."),
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"email": "a" * 250 + "@example.com"}, "too long"),
        ({"password": "short", "confirm": "short"}, "10 to 256 characters"),
        ({"confirm": PASSWORD + "x"}, "do not match"),
    ]
    for fields, message in cases:
        response = _setup(client, **fields)
        assert response.status_code == 400
        assert message in response.text
        assert 'aria-invalid="true"' in response.text
    assert _user_count(app) == 0


def test_setup_without_csrf_token_is_refused(app, client):
    response = _setup(client, csrf_token="")
    assert response.status_code == 400
    assert "This page expired" in response.text
    assert _user_count(app) == 0


def test_setup_is_closed_once_an_admin_exists(app, client, accounts):
    accounts.create()
    response = client.get("/setup")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_two_simultaneous_first_admin_requests_create_one_admin(app):
    clients = [app.test_client() for _ in range(2)]
    tokens = [csrf_from(c.get("/setup").text) for c in clients]
    barrier = threading.Barrier(2)
    statuses = []

    def create(i):
        barrier.wait()
        data = {"email": f"admin{i}@example.com", "password": PASSWORD, "confirm": PASSWORD}
        statuses.append(clients[i].post("/setup", data={**data, "csrf_token": tokens[i]}))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in statuses)[-1] == 303
    assert all(r.status_code in (302, 303) for r in statuses)
    assert _user_count(app) == 1


def test_wrong_password_and_unknown_email_get_the_same_answer(client, accounts):
    accounts.create()
    wrong = accounts.login(password="wrong password!")
    unknown = accounts.login(email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 400
    message = "The email address or password is incorrect."
    assert message in wrong.text and message in unknown.text


def test_login_without_csrf_token_is_refused(client, accounts):
    accounts.create()
    response = client.post("/login", data={"email": "admin@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_login_returns_to_the_page_asked_for_but_never_offsite(client, accounts):
    accounts.create()
    page = client.get("/attributes")
    assert page.status_code == 302 and "next=/attributes" in page.headers["Location"]
    token = csrf_from(client.get("/login").text)
    data = {"email": "admin@example.com", "password": PASSWORD, "csrf_token": token}
    ok = client.post("/login?next=/attributes", data=data)
    assert ok.headers["Location"] == "/attributes"
    client.get("/")
    accounts.logout()
    token = csrf_from(client.get("/login").text)
    evil = client.post("/login?next=//evil.example", data={**data, "csrf_token": token})
    assert evil.status_code == 303
    assert evil.headers["Location"] == "/"


def test_logout_ends_the_session_even_for_a_replayed_cookie(app, client, accounts):
    accounts.signed_in("manager")
    saved = client.get_cookie("session").value
    assert accounts.logout().status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", saved)
    response = replay.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_me_keeps_the_user_signed_in_after_the_session_cookie_is_lost(
    app, client, accounts
):
    accounts.create()
    accounts.login(remember=True)
    remember = client.get_cookie("remember_token")
    assert remember is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/").status_code == 200


def test_session_is_renewed_at_sign_in(client, accounts):
    accounts.create()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "from before sign-in"
    accounts.login()
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_htmx_request_at_the_login_wall_gets_hx_redirect(client, accounts):
    accounts.create()
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
    assert response.text == ""


def test_disabled_user_cannot_sign_in_and_loses_the_session(app, client, accounts):
    accounts.signed_in("viewer")
    with app.app_context():
        User.by_email("viewer@example.com").active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    assert accounts.login(email="viewer@example.com").status_code == 400
