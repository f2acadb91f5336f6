"""Re-Authorize over real HTTP: the Login URI, amazon_state, the way back and consent."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from asc_web.sandbox import create_app, world

CALLBACK_PATH = f"/apps/authorize/confirm/{world.APPLICATION_ID}"
REDIRECT_URI = "http://127.0.0.1:5000/amazon/callback"


def parse(url: str) -> dict[str, list[str]]:
    """Parse a URL's query."""
    return parse_qs(urlsplit(url).query)


def open_login_uri(sandbox, flow, action: str = "reauthorize") -> dict[str, str]:
    """Press Re-Authorize (or Authorize now) and return the Login URI's query."""
    response = flow.press(action, follow=False)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(sandbox.login_uri + "?")
    return sandbox.callback_params(location)


def come_back(flow, login: dict[str, str], **overrides: str | None) -> object:
    """Open amazon_callback_uri as the app's Login URI page would, with overrides."""
    query = {"redirect_uri": REDIRECT_URI, "amazon_state": login["amazon_state"],
             "state": "app-state-7", "version": "beta", **overrides}  # fmt: skip
    clean = {k: v for k, v in query.items() if v is not None}
    return flow._keep(flow.http.get(f"{login['amazon_callback_uri']}?{urlencode(clean)}"))


def assert_error_page(response, code: str) -> None:
    """An error on the way back is Seller Central's page: 400, no redirect, the code shown."""
    assert response.status_code == 400, response.text
    assert not response.history
    assert f'class="error-code">{code}<' in response.text


@pytest.fixture
def signed_in(sandbox):
    """A primary user with a live authorization, on Manage Your Apps."""
    sandbox.tokens()
    flow = sandbox.flow()
    assert ">Re-Authorize</button>" in flow.manage().text
    return flow


def test_reauthorize_opens_the_login_uri(sandbox, signed_in):
    """Re-Authorize: 302 to the Login URI with Amazon's four parameters while in draft."""
    response = signed_in.press("reauthorize", follow=False)
    location = response.headers["Location"]
    assert re.findall(r"[?&]([a-z_]+)=", location) == [
        "amazon_callback_uri", "amazon_state", "selling_partner_id", "version",
    ]  # fmt: skip
    login = sandbox.callback_params(location)
    assert login["amazon_callback_uri"] == sandbox.base + "/sellercentral/us" + CALLBACK_PATH
    assert login["selling_partner_id"] == world.NA_SELLER
    assert login["version"] == "beta"
    assert len(login["amazon_state"]) >= 32


def test_authorize_now_without_live_authorization(sandbox):
    """With nothing authorized, Authorize now opens the Login URI the same way."""
    flow = sandbox.flow("uk")
    page = flow.manage("uk.primary@example.com")
    assert ">Authorize now</button>" in page.text and ">Re-Authorize</button>" not in page.text
    login = open_login_uri(sandbox, flow)
    assert login["amazon_callback_uri"] == sandbox.base + "/sellercentral/uk" + CALLBACK_PATH
    assert login["selling_partner_id"] == world.UK_SELLER


def test_way_back_leads_through_consent_to_the_app(sandbox, signed_in):
    """amazon_callback_uri → consent → almost done → redirect_uri with a working code."""
    first_refresh = sandbox.tokens()["refresh_token"]
    login = open_login_uri(sandbox, signed_in)
    page = come_back(signed_in, login)
    assert page.status_code == 200
    assert "I understand" in page.text
    assert "You are almost done" in signed_in.confirm().text
    response = signed_in.complete()
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    back = sandbox.callback_params(location)
    assert back["state"] == "app-state-7"
    assert back["selling_partner_id"] == world.NA_SELLER
    tokens = sandbox.exchange(back["spapi_oauth_code"]).json()
    assert sandbox.refresh(tokens["refresh_token"]).status_code == 200
    assert sandbox.refresh(first_refresh).status_code == 200, "earlier tokens stay live"


def test_amazon_state_is_single_use(sandbox, signed_in):
    """A used amazon_state is refused on Seller Central's page, never redirected."""
    login = open_login_uri(sandbox, signed_in)
    assert come_back(signed_in, login).status_code == 200
    assert_error_page(come_back(signed_in, login), "MD9100")


def test_amazon_state_lives_ten_minutes(sandbox, signed_in):
    """Ten minutes on the sandbox clock; a minute short of that it still works."""
    login = open_login_uri(sandbox, signed_in)
    sandbox.hook("clock", advance_seconds=540)
    assert come_back(signed_in, login).status_code == 200
    login = open_login_uri(sandbox, signed_in)
    sandbox.hook("clock", advance_seconds=601)
    assert_error_page(come_back(signed_in, login), "MD9100")


@pytest.mark.parametrize(
    "amazon_state", [None, "", "made-up-state"], ids=["missing", "empty", "unknown"]
)
def test_unknown_amazon_state(sandbox, signed_in, amazon_state):
    """An amazon_state the sandbox never issued is refused."""
    open_login_uri(sandbox, signed_in)
    login = {"amazon_callback_uri": signed_in.url(CALLBACK_PATH), "amazon_state": amazon_state}
    assert_error_page(come_back(signed_in, login), "MD9100")


def test_amazon_state_is_bound_to_the_browser_session(sandbox, signed_in):
    """Another browser of the same seller cannot use it."""
    login = open_login_uri(sandbox, signed_in)
    other = sandbox.flow()
    other.manage()
    assert_error_page(come_back(other, login), "MD9100")
    assert come_back(signed_in, login).status_code == 200, "a refusal elsewhere spends nothing"


def test_amazon_state_is_bound_to_the_site(sandbox, signed_in):
    """The way back must be on the site that issued it."""
    login = open_login_uri(sandbox, signed_in)
    elsewhere = login["amazon_callback_uri"].replace("/sellercentral/us/", "/sellercentral/ca/")
    assert_error_page(come_back(signed_in, {**login, "amazon_callback_uri": elsewhere}), "MD9100")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"version": None}, "MD1000"),
     ({"redirect_uri": "https://evil.example.com/amazon/callback"}, "MD5101"),
     ({"redirect_uri": "http://127.0.0.1:5000/amazon/callback#x"}, "MD5110"),
     ({"state": None}, "MD9999")],
)  # fmt: skip
def test_request_checked_like_the_consent_url(sandbox, signed_in, overrides, code):
    """Consent URL checks apply first; a refused request does not spend the amazon_state."""
    login = open_login_uri(sandbox, signed_in)
    assert_error_page(come_back(signed_in, login, **overrides), code)
    assert come_back(signed_in, login).status_code == 200


def test_unknown_application_in_the_path(sandbox, signed_in):
    """The path names the application; an unknown one is MD9999."""
    login = open_login_uri(sandbox, signed_in)
    unknown = signed_in.url("/apps/authorize/confirm/amzn1.sp.solution.unknown")
    response = come_back(signed_in, {**login, "amazon_callback_uri": unknown})
    assert_error_page(response, "MD9999")


def test_secondary_user_cannot_reauthorize(sandbox):
    """Re-Authorize is refused to a secondary user (Invalid Access)."""
    flow = sandbox.flow()
    flow.manage("na.assistant@example.com")
    assert flow.press("reauthorize", follow=False).status_code == 403
    assert sandbox.login_page.hits == []


def test_other_signed_in_seller_is_refused(tmp_path):
    """If the session's seller is not the one the amazon_state was issued for: error page."""
    client = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}).test_client()
    with client.session_transaction() as session:
        session.update({"user": "na.primary@example.com", "csrf": "t"})
    data = {"application_id": world.APPLICATION_ID, "csrf_token": "t"}
    response = client.post("/sandbox/sellercentral/us/apps/manage/reauthorize", data=data)
    login = {k: v[0] for k, v in parse(response.headers["Location"]).items()}
    with client.session_transaction("/sandbox/") as session:  # the cookie's path
        assert session["binding"]
        session["user"] = "us.only@example.com"
    query = {"amazon_state": login["amazon_state"], "state": "s", "version": "beta"}
    back = client.get(urlsplit(login["amazon_callback_uri"]).path, query_string=query)
    assert back.status_code == 400
    assert b'class="error-code">MD9101<' in back.data


def test_callback_uri_when_mounted_in_the_console(tmp_path):
    """Mounted at /sandbox on the console's port, amazon_callback_uri is absolute there."""
    sandbox_app = create_app({"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}, url_prefix="")
    # The console mounts it with url_prefix="" under SCRIPT_NAME /sandbox; so does base_url.
    client = sandbox_app.test_client()
    mounted = "http://127.0.0.1:5000/sandbox"
    with client.session_transaction(base_url=mounted) as session:
        session.update({"user": "na.primary@example.com", "csrf": "t"})
    response = client.post(
        "/sellercentral/us/apps/manage/reauthorize",
        data={"application_id": world.APPLICATION_ID, "csrf_token": "t"},
        base_url=mounted,
    )
    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:5000/amazon/login?amazon_callback_uri=")
    assert parse(location)["amazon_callback_uri"] == [
        "http://127.0.0.1:5000/sandbox/sellercentral/us/apps/authorize/confirm/"
        "amzn1.sp.solution.sandbox-asc-web-0001"
    ]


@pytest.mark.parametrize(
    ("login_uri", "starts"),
    [("https://asc.example.com/amazon/login", "https://asc.example.com/amazon/login?"),
     ("https://asc.example.com/amazon/login?src=sc", "https://asc.example.com/amazon/login?src=sc&")],
)  # fmt: skip
def test_configured_login_uri_and_its_origin_in_csp(tmp_path, login_uri, starts):
    """SANDBOX_LOGIN_URI is where Re-Authorize goes; CSP form-action allows its origin."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_LOGIN_URI": login_uri}
    client = create_app(config).test_client()
    with client.session_transaction() as session:
        session.update({"user": "na.primary@example.com", "csrf": "t"})
    response = client.post(
        "/sandbox/sellercentral/us/apps/manage/reauthorize",
        data={"application_id": world.APPLICATION_ID, "csrf_token": "t"},
    )
    assert response.headers["Location"].startswith(starts)
    assert "amazon_state=" in response.headers["Location"]
    csp = client.get("/sandbox/sellercentral/us/apps/manage").headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:* http://localhost:* https://asc.example.com" in csp


@pytest.mark.parametrize(
    "login_uri", ["/amazon/login", "ftp://x.example.com/login", "https://x.example.com/l#f"]
)
def test_bad_login_uri_is_refused_at_start(tmp_path, login_uri):
    """A Login URI that is not an absolute http(s) URL stops the sandbox from starting."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_LOGIN_URI": login_uri}
    with pytest.raises(ValueError, match="SANDBOX_LOGIN_URI"):
        create_app(config)
