"""Liveness, the shell's menu and headers, htmx flash messages."""

from flask import flash

from asc_web.extensions import db


def test_healthz_reports_ok_after_a_database_round_trip(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_reports_503_with_a_reason_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["reason"] == "database unreachable"


def test_shell_shows_menu_user_and_sign_out(client, accounts):
    accounts.signed_in("viewer")
    page = client.get("/").text
    for label in ("Amazon Stores", "Learning and Preparation", "Attributes", "Sign out"):
        assert label in page
    assert "viewer@example.com" in page


def test_pages_load_nothing_from_another_origin(client, accounts):
    accounts.signed_in()
    page = client.get("/").text
    assert "http://" not in page.replace('xmlns="http://', "")
    assert "https://" not in page
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_responses_carry_flash_messages_as_a_partial(app, client, accounts):
    @app.get("/_test/flash")
    def _flash_view():
        flash("Store saved.", "success")
        return "<p>fragment</p>"

    accounts.signed_in()
    response = client.get("/_test/flash", headers={"HX-Request": "true"})
    assert '<hx-partial hx-target="#flash-messages"' in response.text
    assert "Store saved." in response.text


def test_unknown_page_has_our_404_page(client, accounts):
    accounts.signed_in()
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_unhandled_error_shows_a_generic_page_without_traceback(app, client, accounts):
    @app.get("/_test/boom")
    def _boom():
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("secret internals")

    accounts.signed_in()
    response = client.get("/_test/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
