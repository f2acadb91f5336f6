"""Test hooks: injected failures, delays, stats, clock and reset; hidden when disabled."""

from __future__ import annotations

import time

import pytest
import requests

from asc_web.sandbox import create_app, world


def token_call(sandbox) -> requests.Response:
    """Make one refresh call with a token the sandbox never issued."""
    return sandbox.refresh("Atzr|unknown")


def test_fail_token_with_lwa_error(sandbox):
    """An injected LWA error answers LWA-shaped JSON for `count` calls, then normal again."""
    body = {"endpoint": "token", "error": "temporarily_unavailable", "status": 503, "count": 2}
    assert sandbox.hook("fail", **body).status_code == 200
    for _ in range(2):
        response = token_call(sandbox)
        assert response.status_code == 503
        assert response.headers["Cache-Control"] == "no-store"
        assert response.json()["error"] == "temporarily_unavailable"
        assert response.json()["error_description"]
    assert token_call(sandbox).json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    ("error", "status"),
    [("server_error", 500), ("unauthorized_client", 400), ("invalid_grant", 400),
     ("invalid_client", 401), ("temporarily_unavailable", 503)],
)  # fmt: skip
def test_fail_token_error_default_status(sandbox, error, status):
    """Without a status, each LWA error comes with its usual status."""
    sandbox.hook("fail", endpoint="token", error=error)
    response = token_call(sandbox)
    assert response.status_code == status
    assert response.json()["error"] == error


@pytest.mark.parametrize("status", [503, 429, 502])
def test_fail_token_with_bare_status(sandbox, status):
    """A bare status answers a non-LWA body (what a failing front end would send)."""
    sandbox.hook("fail", endpoint="token", status=status)
    response = token_call(sandbox)
    assert response.status_code == status
    assert "error" not in response.json()


@pytest.mark.parametrize(("status", "code"), [(503, "ServiceUnavailable"), (429, "QuotaExceeded")])
def test_fail_sellers(sandbox, status, code):
    """Sellers API failures use SP-API's errors[] shape, then calls succeed again."""
    token = sandbox.tokens()["access_token"]
    sandbox.hook("fail", endpoint="sellers", status=status, count=1)
    response = sandbox.sellers(token)
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code
    assert sandbox.sellers(token).status_code == 200


def timed(call):
    """``call()``'s answer and how many seconds it took (a lower bound is what is checked)."""
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def test_delay_then_succeed(sandbox):
    """A delay without a status slows the call down and then answers normally."""
    tokens = sandbox.tokens()
    sandbox.hook("fail", endpoint="token", delay_s=0.2)
    sandbox.hook("fail", endpoint="sellers", delay_s=0.2)
    refreshed, waited = timed(lambda: sandbox.refresh(tokens["refresh_token"]))
    assert refreshed.status_code == 200 and waited >= 0.2
    sellers, waited = timed(lambda: sandbox.sellers(tokens["access_token"]))
    assert sellers.status_code == 200 and waited >= 0.2
    assert sandbox.hook("stats").json()["pending_faults"] == 0


def test_delay_with_error(sandbox):
    """A delay with a status answers the failure after the delay."""
    sandbox.hook("fail", endpoint="token", status=503, error="server_error", delay_s=0.1)
    failed, waited = timed(lambda: token_call(sandbox))
    assert failed.status_code == 503 and waited >= 0.1


@pytest.mark.parametrize(
    "body",
    [{"endpoint": "shipments", "status": 503}, {"endpoint": "token", "status": 200},
     {"endpoint": "token", "error": "nonsense"}, {"endpoint": "token", "status": 503, "count": 0},
     {"endpoint": "token"}, {"endpoint": "token", "delay_s": -1}],
)  # fmt: skip
def test_fail_rejects_bad_input(sandbox, body):
    """Malformed fail requests are refused with 400."""
    assert sandbox.hook("fail", **body).status_code == 400


def test_stats_count_calls(sandbox):
    """Stats count redirects to the app, token calls by grant and Sellers calls."""
    tokens = sandbox.tokens()
    sandbox.refresh(tokens["refresh_token"])
    sandbox.refresh(tokens["refresh_token"])
    sandbox.sellers(tokens["access_token"])
    requests.post(sandbox.token_url, data={"grant_type": "password"}, timeout=10)
    stats = sandbox.hook("stats").json()
    assert stats["consents"] == 1
    assert stats["token_calls"] == {"authorization_code": 1, "refresh_token": 2, "other": 1}
    assert stats["sellers_calls"] == 1
    assert stats["authorizations"] == 1


def test_clock_and_reset(sandbox):
    """The clock moves by days (floats allowed); reset puts it back and wipes state."""
    tokens = sandbox.tokens()
    moved = sandbox.hook("clock", advance_days=1.5).json()
    assert moved["offset_s"] == pytest.approx(1.5 * 86400)
    assert sandbox.hook("clock", advance_seconds=60).json()["offset_s"] == pytest.approx(129660)
    assert sandbox.hook("clock", advance_days="soon").status_code == 400
    assert sandbox.hook("reset").status_code == 200
    stats = sandbox.hook("stats").json()
    assert stats["clock_offset_s"] == 0 and stats["consents"] == 0
    assert sandbox.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


DEFAULT_SETTINGS = {
    "retire_previous_tokens": False, "sellers_rate": 0.016, "sellers_burst": 15,
    "sales_rate": 0.5, "sales_burst": 15, "orders_rate": 0.0167, "orders_burst": 20,
    "listings_rate": 5.0, "listings_burst": 5,
}  # fmt: skip


def test_settings_change_any_subset_and_reset_restores(sandbox):
    """The settings hook answers every setting; reset puts the defaults back."""
    assert sandbox.hook("stats").json()["settings"] == DEFAULT_SETTINGS
    response = sandbox.hook("settings", retire_previous_tokens=True)
    assert response.status_code == 200
    assert response.json() == {**DEFAULT_SETTINGS, "retire_previous_tokens": True}
    both = sandbox.hook("settings", sellers_rate=2, sellers_burst=3).json()
    assert both == {
        **DEFAULT_SETTINGS,
        "retire_previous_tokens": True,
        "sellers_rate": 2.0,
        "sellers_burst": 3,
    }
    assert sandbox.hook("settings").json() == both
    assert sandbox.hook("stats").json()["settings"] == both
    assert sandbox.hook("reset").status_code == 200
    assert sandbox.hook("stats").json()["settings"] == DEFAULT_SETTINGS


@pytest.mark.parametrize(
    "body",
    [{"retire_previous_tokens": "yes"}, {"retire_previous_tokens": 1}, {"sellers_rate": 0},
     {"sellers_rate": -1}, {"sellers_rate": "fast"}, {"sellers_rate": True},
     {"sellers_burst": 0}, {"sellers_burst": 1.5}, {"sellers_burst": False},
     {"sellers_brust": 3}, {"orders_rate": 0}, {"orders_rate": "slow"}, {"listings_burst": 0},
     {"sales_burst": 2.5}, {"sales_rate": True}],
)  # fmt: skip
def test_settings_reject_bad_input(sandbox, body):
    """Wrong types, out-of-range values and unknown names are refused; nothing changes."""
    response = sandbox.hook("settings", **body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert sandbox.hook("stats").json()["settings"] == DEFAULT_SETTINGS


def test_settings_reject_non_object(sandbox):
    """A JSON body that is not an object is refused."""
    response = requests.post(f"{sandbox.base}/_hooks/settings", json=[1], timeout=10)
    assert response.status_code == 400


def test_settings_shared_by_processes(tmp_path):
    """Two apps on one sandbox file (two workers) see the same settings."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}
    first, second = create_app(dict(config)).test_client(), create_app(dict(config)).test_client()
    first.post("/sandbox/_hooks/settings", json={"sellers_burst": 4})
    assert second.get("/sandbox/_hooks/stats").json["settings"]["sellers_burst"] == 4


def test_revoke_unknown_user(sandbox):
    """Revoking for an unknown email is refused."""
    assert sandbox.hook("revoke", email="ghost@example.com").status_code == 400


def test_hooks_hidden_when_disabled(tmp_path):
    """With hooks disabled (production mode) every hook URL is 404; the rest still works."""
    app = create_app(
        {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_HOOKS_ENABLED": False}
    )
    client = app.test_client()
    for name in ("revoke", "fail", "clock", "reset"):
        assert client.post(f"/sandbox/_hooks/{name}", json={}).status_code == 404
    assert client.get("/sandbox/_hooks/stats").status_code == 404
    assert client.post("/sandbox/lwa/auth/o2/token", data={}).status_code == 400


@pytest.mark.parametrize("addr", ["10.1.2.3", "192.168.1.5", "2001:db8::1"])
def test_hooks_only_from_loopback(tmp_path, addr):
    """Hooks answer 404 to anything but a loopback address."""
    app = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")})
    client = app.test_client()
    remote = {"REMOTE_ADDR": addr}
    assert client.get("/sandbox/_hooks/stats", environ_base=remote).status_code == 404
    assert client.post("/sandbox/_hooks/reset", environ_base=remote).status_code == 404
    for local in ("127.0.0.1", "127.8.9.10", "::1"):
        assert (
            client.get("/sandbox/_hooks/stats", environ_base={"REMOTE_ADDR": local}).status_code
            == 200
        )


def test_mounted_under_dispatcher(tmp_path):
    """Mounted with url_prefix="" under /sandbox, URLs and the cookie path stay right."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    sandbox_app = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}, url_prefix="")
    dispatcher = DispatcherMiddleware(Response("main app"), {"/sandbox": sandbox_app})
    # buffered: read and close every body (static files are file-backed).
    client = Client(dispatcher)
    local = {"REMOTE_ADDR": "127.0.0.1"}

    def call(method: str, path: str, **kwargs):
        """Open a URL through the dispatcher, fully buffered."""
        return client.open(path, method=method, buffered=True, environ_base=local, **kwargs)

    query = f"application_id={world.APPLICATION_ID}&state=s&version=beta"
    response = call("GET", f"/sandbox/sellercentral/us/apps/authorize/consent?{query}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sandbox/sellercentral/us/ap/signin"
    assert "Path=/sandbox;" in response.headers["Set-Cookie"]
    page = call("GET", "/sandbox/sellercentral/us/ap/signin")
    assert 'href="/sandbox/static/sandbox.css"' in page.text
    assert call("GET", "/sandbox/static/consent.js").status_code == 200
    token = call("POST", "/sandbox/lwa/auth/o2/token", data={})
    assert token.json["error"] == "invalid_request"
    assert call("GET", "/sandbox/_hooks/stats").status_code == 200
    assert call("GET", "/elsewhere").text == "main app"


def test_clock_file_follows_the_sandbox_clock(tmp_path):
    """SANDBOX_CLOCK_FILE gets the offset at start, after each clock move and after reset."""
    clock_file = tmp_path / "shared" / "clock_offset"
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_CLOCK_FILE": str(clock_file)}
    client = create_app(dict(config)).test_client()
    assert clock_file.read_text() == "0.0\n"
    assert client.post("/sandbox/_hooks/clock", json={"advance_days": 30}).status_code == 200
    assert clock_file.read_text() == "2592000.0\n"
    client.post("/sandbox/_hooks/clock", json={"advance_seconds": -0.5})
    assert clock_file.read_text() == "2591999.5\n"
    clock_file.write_text("stale\n")
    create_app(dict(config))  # another worker starting puts the current offset back
    assert clock_file.read_text() == "2591999.5\n"
    assert client.post("/sandbox/_hooks/reset").status_code == 200
    assert clock_file.read_text() == "0.0\n"
    assert [p.name for p in clock_file.parent.iterdir()] == ["clock_offset"], "no temp files"


def test_no_clock_file_by_default(tmp_path):
    """Without SANDBOX_CLOCK_FILE nothing is written next to the database."""
    client = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}).test_client()
    client.post("/sandbox/_hooks/clock", json={"advance_days": 1})
    assert sorted(p.name for p in tmp_path.iterdir() if "sqlite3" not in p.name) == []


def hook_status(client, addr: str, forwarded_for: str | None = None) -> int:
    """GET the stats hook from an address, optionally through a proxy's X-Forwarded-For."""
    headers = {} if forwarded_for is None else {"X-Forwarded-For": forwarded_for}
    response = client.get(
        "/sandbox/_hooks/stats", environ_base={"REMOTE_ADDR": addr}, headers=headers
    )
    return response.status_code


def test_hooks_behind_a_local_proxy(tmp_path):
    """With SANDBOX_TRUSTED_PROXIES=1 an outsider relayed by a local proxy gets 404."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_TRUSTED_PROXIES": 1}
    client = create_app(config).test_client()
    assert hook_status(client, "127.0.0.1", "203.0.113.9") == 404
    assert hook_status(client, "127.0.0.1", "127.0.0.1, 203.0.113.9") == 404
    assert client.post("/sandbox/_hooks/reset", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                       headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 404  # fmt: skip
    assert hook_status(client, "127.0.0.1") == 200
    assert hook_status(client, "127.0.0.1", "127.0.0.1") == 200
    assert hook_status(client, "127.0.0.1", "203.0.113.9, ::1") == 200
    assert hook_status(client, "10.0.0.5", "127.0.0.1") == 404, "the proxy itself must be local"


def test_hooks_behind_two_proxies(tmp_path):
    """With two trusted proxies the second entry from the right is the client."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_TRUSTED_PROXIES": "2"}
    client = create_app(config).test_client()
    assert hook_status(client, "127.0.0.1", "203.0.113.9, 127.0.0.1") == 404
    assert hook_status(client, "127.0.0.1", "127.0.0.1, 203.0.113.9") == 200


def test_without_trusted_proxies_forwarded_for_is_ignored(tmp_path):
    """The default (0) keeps today's behaviour: only the peer's address counts."""
    client = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}).test_client()
    assert hook_status(client, "127.0.0.1", "203.0.113.9") == 200
    assert hook_status(client, "203.0.113.9", "127.0.0.1") == 404
