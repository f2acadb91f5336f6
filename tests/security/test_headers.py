"""Headers on every response (pages, fragments, errors) and full pages for history restores."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from .conftest import plant_session, token
from .routes import rules, url_values

REQUIRED_CSP = ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'")


def assert_protective_headers(response, where: str, https: bool = False) -> None:
    """The headers every answer carries."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split()[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert "script-src" in directives or "default-src" in directives, where
    script = directives.get("script-src", directives.get("default-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, where
    for directive in REQUIRED_CSP:
        assert directive in csp, f"{where}: CSP lacks {directive}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin"), where
    assert headers.get("X-Frame-Options") == "DENY", where
    hsts = headers.get("Strict-Transport-Security", "")
    if https:
        assert hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 31536000
    else:
        assert not hsts, f"{where}: HSTS over plain HTTP"


def _is_full_page(response) -> bool:
    text = response.get_data(as_text=True).lstrip().lower()
    return text.startswith("<!doctype html>") and "</html>" in text


@pytest.fixture
def admin(app, accounts):
    accounts.create()
    client = app.test_client()
    plant_session(app, client, "admin@example.com")
    return client


def _get_urls(app):
    for rule, method in rules(app):
        if method == "GET":
            with app.test_request_context():
                yield rule, url_for(rule.endpoint, **url_values(app, rule))


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_every_page_and_fragment_carries_the_headers(app, admin, https):
    base = "https://localhost" if https else "http://localhost"
    variants = {
        "page": {},
        "fragment": {"HX-Request": "true", "HX-Target": "section#store-results"},
        "anonymous": None,
    }
    for rule, url in _get_urls(app):
        for name, headers in variants.items():
            client = app.test_client() if headers is None else admin
            response = client.get(url, headers=headers or {}, base_url=base)
            response.close()
            where = f"{name} GET {url} ({response.status_code})"
            assert response.status_code < 500, where
            assert_protective_headers(response, where, https)
            if rule.endpoint != "static":
                assert "HX-Request" in response.headers.get("Vary", ""), where


def test_error_answers_carry_the_headers_too(app, admin):
    app.add_url_rule("/_boom", "boom", lambda: 1 / 0)
    answers = {
        "404": admin.get("/no/such/page"),
        "405": admin.get("/logout"),
        "400 csrf": admin.post("/logout"),
        "400 csrf htmx": admin.post("/logout", headers={"HX-Request": "true"}),
        "413": admin.post("/logout", data={"csrf_token": token(admin), "x": "y" * 70_000}),
        "414": admin.get("/?q=" + "a" * 5000),
        "500": admin.get("/_boom"),
        "401 htmx": app.test_client().get("/", headers={"HX-Request": "true"}),
        "302 wall": app.test_client().get("/"),
    }
    for name, response in answers.items():
        assert response.status_code == int(name.split()[0]), name
        assert_protective_headers(response, name)


def test_history_restore_gets_the_full_page(app, admin):
    restore = {
        "HX-Request": "true",
        "HX-History-Restore-Request": "true",
        "HX-Target": "section#store-results",
    }
    for rule, url in _get_urls(app):
        response = admin.get(url, headers=restore)
        response.close()
        if rule.endpoint in ("static", "health.healthz") or response.status_code in (302, 303):
            continue
        assert _is_full_page(response), f"history restore of {url} got a fragment"


def test_pages_have_no_inline_scripts_or_event_handlers(app, admin):
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\bhx-on", re.IGNORECASE)
    for _rule, url in _get_urls(app):
        for headers in ({}, {"HX-Request": "true"}):
            response = admin.get(url, headers=headers)
            response.close()
            if response.mimetype != "text/html":
                continue
            match = inline.search(response.get_data(as_text=True))
            assert match is None, f"{url}: {match.group(0) if match else ''}"


def _no_store(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_every_signed_in_answer_is_no_store_but_fingerprinted_static_files_are_cached(
    app, accounts, admin
):
    for rule, url in _get_urls(app):
        for headers in ({}, {"HX-Request": "true"}):
            response = admin.get(url, headers=headers)
            response.close()
            where = f"GET {url} {headers} ({response.status_code})"
            if rule.endpoint == "static":
                assert not _no_store(response), where
            else:
                assert _no_store(response), where
    versioned = re.search(r'href="(/static/css/app\.css\?v=\w+)"', admin.get("/").text).group(1)
    cached = admin.get(versioned)
    cached.close()
    assert "max-age=31536000" in cached.headers["Cache-Control"] and not _no_store(cached)
    answers = {
        "404": admin.get("/no/such/page"),
        "405": admin.get("/logout"),
        "400 csrf": admin.post("/logout"),
        "414": admin.get("/?q=" + "a" * 5000),
        "303 action": admin.post("/logout", data={"csrf_token": token(admin)}),
    }
    for name, response in answers.items():
        assert response.status_code == int(name.split()[0]), name
        assert _no_store(response), name
    signed_in = accounts.login()
    assert signed_in.status_code == 303 and _no_store(signed_in)


def _form_action(response) -> set[str]:
    csp = response.headers["Content-Security-Policy"]
    (directive,) = [d.split()[1:] for d in csp.split(";") if d.split()[:1] == ["form-action"]]
    return set(directive)


SELLER_CENTRAL = {
    "https://sellercentral.amazon.com",
    "https://sellercentral.amazon.ca",
    "https://sellercentral.amazon.com.mx",
    "https://sellercentral-europe.amazon.com",
}


def test_forms_may_go_only_to_this_site_and_seller_central_in_production(make_app):
    from tests.support.config import PRODUCTION

    client = make_app(**PRODUCTION).test_client()
    response = client.get("/login", base_url="https://asc.example.com")
    assert _form_action(response) == {"'self'", *SELLER_CENTRAL}


def test_forms_may_go_only_to_this_site_and_the_sandbox_in_sandbox_mode(make_app):
    mounted = make_app(PUBLIC_URL="http://localhost:8080").test_client().get("/login")
    assert _form_action(mounted) == {"'self'", "http://localhost:8080"}
    apart = make_app(SANDBOX_URL="http://127.0.0.1:5001/sandbox").test_client().get("/login")
    assert _form_action(apart) == {"'self'", "http://127.0.0.1:5001"}
