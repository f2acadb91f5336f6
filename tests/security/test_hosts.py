"""The Host header: malformed or untrusted hosts get a 400 page, X-Forwarded-Host is opt-in."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, Accounts, csrf_from

from .conftest import plant_session

MALFORMED = ["a..b", "x" * 64 + ".example.com", ".", "a.-b.example.com..x"]
HOST_REFUSED = "This server does not answer to that host name."


@pytest.mark.parametrize("host", MALFORMED)
@pytest.mark.parametrize("path", ["/login", "/", "/no/such/page", "/stores/1"])
def test_a_malformed_host_gets_the_400_page_never_a_500(client, accounts, host, path):
    accounts.create()
    for headers in ({"Host": host}, {"Host": host, "HX-Request": "true"}):
        response = client.get(path, headers=headers)
        assert response.status_code == 400, (headers, response.status_code)
        assert HOST_REFUSED in response.text
        assert "a..b" not in response.text and "xxxxxxxx" not in response.text


@pytest.mark.parametrize("host", MALFORMED)
def test_a_malformed_forwarded_host_is_a_400_only_when_it_is_trusted(make_app, host):
    ignored = make_app(TRUSTED_PROXIES=1).test_client()
    Accounts(ignored.application, None).create()
    assert ignored.get("/login", headers={"X-Forwarded-Host": host}).status_code == 200
    trusted = make_app(TRUSTED_PROXIES=1, TRUST_FORWARDED_HOST=True).test_client()
    response = trusted.get("/login", headers={"X-Forwarded-Host": host})
    assert response.status_code == 400 and HOST_REFUSED in response.text


def _https_sign_in(client, referer_host: str, headers: dict):
    """Sign in over HTTPS through a proxy, the browser claiming to come from ``referer_host``."""
    page = client.get("/login", headers=headers)
    data = {"email": "admin@example.com", "password": PASSWORD}
    data["csrf_token"] = csrf_from(page.text)
    referer = {"Referer": f"https://{referer_host}/login"}
    return client.post("/login", data=data, headers={**headers, **referer})


def test_x_forwarded_host_is_not_believed_unless_configured(make_app):
    """A forged X-Forwarded-Host must not make another site's Referer look like this one."""
    proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    app = make_app(TRUSTED_PROXIES=1)
    Accounts(app, None).create()
    refused = _https_sign_in(app.test_client(), "evil.example", proxy)
    assert refused.status_code == 400
    assert "This page expired" in refused.text
    believed = make_app(TRUSTED_PROXIES=1, TRUST_FORWARDED_HOST=True)
    assert _https_sign_in(believed.test_client(), "evil.example", proxy).status_code == 303


@pytest.mark.parametrize(
    "setting", ["asc.example.com, .asc.example.org", ["asc.example.com", ".asc.example.org"]]
)
def test_only_trusted_hosts_are_served_when_asc_trusted_hosts_is_set(make_app, setting):
    app = make_app(TRUSTED_HOSTS=setting)
    Accounts(app, None).create()
    client = app.test_client()
    for host in ("asc.example.com", "eu.asc.example.org"):
        assert client.get("/login", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "asc.example.com.evil.example", "a..b"):
        response = client.get("/login", headers={"Host": host})
        assert response.status_code == 400, host
        assert HOST_REFUSED in response.text


def test_the_environment_variable_takes_a_comma_separated_list(make_app, monkeypatch):
    monkeypatch.setenv("ASC_TRUSTED_HOSTS", "asc.example.com,localhost")
    app = make_app()
    assert app.config["TRUSTED_HOSTS"] == ["asc.example.com", "localhost"]


def test_signed_in_pages_still_work_on_a_trusted_host(make_app):
    app = make_app(TRUSTED_HOSTS="localhost")
    Accounts(app, None).create()
    client = app.test_client()
    plant_session(app, client, "admin@example.com")
    assert client.get("/").status_code == 200
