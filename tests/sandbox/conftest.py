"""Fixtures: a live sandbox on a free loopback port (real HTTP), reset before every test."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import jsonschema
import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from asc_web.sandbox import create_app, world
from tests.support.live import read_whole

REDIRECT_URI = "http://127.0.0.1:5000/amazon/callback"
MODELS = Path(__file__).parents[1] / "support" / "vendor" / "selling-partner-api-models" / "models"
# Each operation the sandbox serves: its vendored model and its path there.
OPERATIONS = {
    "getOrderMetrics": ("sales-api-model/sales.json", "/sales/v1/orderMetrics"),
    "getOrders": ("orders-api-model/ordersV0.json", "/orders/v0/orders"),
    "searchListingsItems": (
        "listings-items-api-model/listingsItems_2021-08-01.json",
        "/listings/2021-08-01/items/{sellerId}",
    ),
}
PRIMARY = "na.primary@example.com"


def csrf_of(html: str) -> str:
    """Pull the CSRF token out of a sandbox form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def otp_of(html: str) -> str:
    """Pull the current one-time code out of the sandbox hint."""
    match = re.search(r'id="sandbox-otp"[^>]*>(\d{6})<', html)
    assert match, "no #sandbox-otp on the page"
    return match.group(1)


class Flow:
    """One browser-like visit to Seller Central (its own cookie jar), step by step."""

    def __init__(self, base: str, site: str = "us") -> None:
        """Remember the sandbox base URL and the Seller Central site to use."""
        self.base, self.site = base, site
        self.http = requests.Session()
        self.csrf = ""

    def url(self, path: str) -> str:
        """Return the URL of a path under this Seller Central site."""
        return f"{self.base}/sellercentral/{self.site}{path}"

    def start(self, **params: str) -> requests.Response:
        """Open the consent URL (following redirects), with sensible default parameters."""
        query = {"application_id": world.APPLICATION_ID, "state": "state-123", "version": "beta"}
        query.update({"redirect_uri": REDIRECT_URI}, **params)
        query = {k: v for k, v in query.items() if v is not None}
        return self._keep(self.http.get(self.url("/apps/authorize/consent?") + urlencode(query)))

    def sign_in(self, login: str = PRIMARY, password: str = world.PASSWORD) -> requests.Response:
        """Submit the sign-in form."""
        data = {"email": login, "password": password, "csrf_token": self.csrf}
        return self._keep(self.http.post(self.url("/ap/signin"), data=data))

    def otp(self, code: str | None = None, page: requests.Response | None = None):
        """Submit the two-step form with the given code, or the one the hint shows."""
        code = code or otp_of((page or self.http.get(self.url("/ap/mfa"))).text)
        return self._keep(
            self.http.post(self.url("/ap/mfa"), data={"otp": code, "csrf_token": self.csrf})
        )

    def confirm(self, action: str = "next", tick: bool = True) -> requests.Response:
        """Press Next (ticking the box, or not) or Cancel on the consent page."""
        data = {"action": action, "csrf_token": self.csrf}
        if tick:
            data["acknowledge"] = "yes"
        return self._keep(self.http.post(self.url("/apps/authorize/confirm"), data=data))

    def complete(self) -> requests.Response:
        """Press Continue on 'You are almost done' without following the redirect."""
        data = {"csrf_token": self.csrf}
        return self.http.post(
            self.url("/apps/authorize/complete"), data=data, allow_redirects=False
        )

    def authorize(self, login: str = PRIMARY, **params: str) -> dict[str, str]:
        """Run the whole flow and return the parameters of the redirect back to the app."""
        self.start(**params)
        self.otp(page=self.sign_in(login))
        self.confirm()
        response = self.complete()
        assert response.status_code == 302, response.text
        return callback_params(response.headers["Location"])

    def manage(self, login: str | None = PRIMARY) -> requests.Response:
        """Open Manage Your Apps, signing in on the way when Seller Central asks."""
        response = self._keep(self.http.get(self.url("/apps/manage")))
        if login and response.url.endswith("/ap/signin"):
            response = self.otp(page=self.sign_in(login))
        return response

    def press(
        self, action: str, application_id: str = world.APPLICATION_ID, follow: bool = True
    ) -> requests.Response:
        """Press Remove or Re-Authorize (action "remove" or "reauthorize") for an app."""
        data = {"application_id": application_id, "csrf_token": self.csrf}
        url = self.url(f"/apps/manage/{action}")
        return self._keep(self.http.post(url, data=data, allow_redirects=follow))

    def _keep(self, response: requests.Response) -> requests.Response:
        """Remember the page's CSRF token for the next form."""
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if match:
            self.csrf = match.group(1)
        return response

    def close(self) -> None:
        """Close the cookie jar's connections."""
        self.http.close()


def callback_params(location: str) -> dict[str, str]:
    """Return the single-valued query parameters of a redirect Location."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class LoginPage:
    """A stand-in for the app's Login URI (/amazon/login) that records every visit."""

    def __init__(self) -> None:
        """Start with no visits."""
        self.hits: list[str] = []
        self.url = ""

    def __call__(self, environ, start_response):
        """Record the query string and answer a tiny page."""
        request = Request(environ)
        if request.path == "/amazon/login":  # not /favicon.ico
            self.hits.append(request.query_string.decode())
        page = Response("<h1>ASC Web sign-in (stub)</h1>", mimetype="text/html")
        return page(environ, start_response)


class Sandbox:
    """Helpers bound to one running sandbox."""

    redirect_uri = REDIRECT_URI
    primary = PRIMARY
    callback_params = staticmethod(callback_params)

    def __init__(self, base: str, login_page: LoginPage) -> None:
        """Remember the base URL (…/sandbox) and the Login URI's stand-in."""
        self.base = base
        self.login_page = login_page
        self.login_uri = login_page.url
        self.token_url = f"{base}/lwa/auth/o2/token"
        self._flows: list[Flow] = []

    def hook(self, name: str, **body: object) -> requests.Response:
        """Call a test hook (POST with a JSON body, GET for stats)."""
        if name == "stats":
            return requests.get(f"{self.base}/_hooks/stats", timeout=10)
        return requests.post(f"{self.base}/_hooks/{name}", json=body, timeout=30)

    def flow(self, site: str = "us") -> Flow:
        """Start a fresh browser-like visit."""
        flow = Flow(self.base, site)
        self._flows.append(flow)
        return flow

    def code(self, login: str = PRIMARY, site: str = "us", **params: str) -> dict[str, str]:
        """Authorize as a user and return the callback parameters."""
        return self.flow(site).authorize(login, **params)

    def exchange(self, code: str, redirect_uri: str = REDIRECT_URI, **extra: str):
        """Exchange a code at the token endpoint (form-encoded)."""
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": world.CLIENT_ID,
            "client_secret": world.CLIENT_SECRET,
            **extra,
        }
        return requests.post(self.token_url, data=data, timeout=10)

    def refresh(self, refresh_token: str, **extra: str) -> requests.Response:
        """Use a refresh token at the token endpoint (form-encoded)."""
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": world.CLIENT_ID,
            "client_secret": world.CLIENT_SECRET,
            **extra,
        }
        return requests.post(self.token_url, data=data, timeout=10)

    def tokens(self, login: str = PRIMARY, site: str = "us") -> dict:
        """Authorize and exchange the code; return the token response body."""
        response = self.exchange(self.code(login, site)["spapi_oauth_code"])
        assert response.status_code == 200, response.text
        return response.json()

    def sellers(self, access_token: str | None, region: str = "na") -> requests.Response:
        """Call getMarketplaceParticipations in a region."""
        headers = {} if access_token is None else {"x-amz-access-token": access_token}
        url = f"{self.base}/spapi/{region}/sellers/v1/marketplaceParticipations"
        return requests.get(url, headers=headers, timeout=10)

    def spapi(
        self, access_token: str | None, path: str, region: str = "na", **params: object
    ) -> requests.Response:
        """Call an SP-API operation by its Amazon path (e.g. /orders/v0/orders) in a region."""
        headers = {} if access_token is None else {"x-amz-access-token": access_token}
        url = f"{self.base}/spapi/{region}{path}"
        return requests.get(url, params=params, headers=headers, timeout=30)

    def data(self, name: str, **params: str) -> dict:
        """Read a data hook (orders, listings) of a seller and marketplace."""
        response = requests.get(f"{self.base}/_hooks/{name}", params=params, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def close(self) -> None:
        """Close every visit's connections."""
        for flow in self._flows:
            flow.close()


def _strict(node: object) -> None:
    """Forbid properties a model does not declare (Amazon's models allow any by omission)."""
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict) and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)


@cache
def response_schema(operation: str, status: int) -> dict:
    """Return the official JSON schema of an operation's answer with a status, made strict."""
    model_file, path = OPERATIONS[operation]
    model = json.loads((MODELS / model_file).read_text())
    response = model["paths"][path]["get"]["responses"][str(status)]
    definitions = copy.deepcopy(model["definitions"])
    _strict(definitions)
    # One document, so the model's own "#/definitions/..." references resolve as written.
    return {**copy.deepcopy(response["schema"]), "definitions": definitions}


def assert_matches_model(operation: str, response: requests.Response) -> None:
    """Check an answer against the official model: its status is declared, its body valid."""
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers["x-amzn-RequestId"]
    assert float(response.headers["x-amzn-RateLimit-Limit"]) > 0
    schema = response_schema(operation, response.status_code)
    jsonschema.Draft4Validator(schema).validate(response.json())


@contextmanager
def serve(app, name: str) -> Iterator[int]:
    """Serve a WSGI app on a free loopback port in a thread; yield the port."""
    server = make_server("127.0.0.1", 0, read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def login_page() -> Iterator[LoginPage]:
    """Serve the stand-in Login URI on its own loopback port for the session."""
    page = LoginPage()
    with serve(page, "login-page") as port:
        page.url = f"http://127.0.0.1:{port}/amazon/login"
        yield page


@pytest.fixture(scope="session")
def sandbox_server(
    tmp_path_factory: pytest.TempPathFactory, login_page: LoginPage
) -> Iterator[str]:
    """Serve one sandbox app over real HTTP for the session; yield its base URL."""
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.sqlite3"
    config = {"SANDBOX_DB_PATH": str(db), "SECRET_KEY": "sandbox-tests",
              "SANDBOX_LOGIN_URI": login_page.url}  # fmt: skip
    with serve(create_app(config), "sandbox") as port:
        yield f"http://127.0.0.1:{port}/sandbox"


@pytest.fixture
def sandbox(sandbox_server: str, login_page: LoginPage) -> Iterator[Sandbox]:
    """Yield helpers for a freshly reset sandbox."""
    login_page.hits.clear()
    helper = Sandbox(sandbox_server, login_page)
    response = helper.hook("reset")
    assert response.status_code == 200, response.text
    try:
        yield helper
    finally:
        helper.close()


@pytest.fixture
def official_model():
    """Return a loader of an operation's vendored model: (model, the operation's path)."""

    def load(operation: str) -> tuple[dict, str]:
        model_file, path = OPERATIONS[operation]
        return json.loads((MODELS / model_file).read_text()), path

    return load


@pytest.fixture
def matches_model():
    """Return the check of an answer against the official model of its operation."""
    return assert_matches_model


@pytest.fixture
def na_token(sandbox: Sandbox) -> str:
    """Return a live access token of the NA seller (US, CA, MX)."""
    return sandbox.tokens()["access_token"]
