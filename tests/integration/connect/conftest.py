"""Connect tests run the whole app and its sandbox on a live port and talk real HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from asc_web import clock
from asc_web.extensions import db
from tests.conftest import PASSWORD, _base_config
from tests.support.data import insert_store
from tests.support.live import LiveServer

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def live(database_url, tmp_path):
    """ASC Web with the sandbox mounted, on a free port, on the test's fresh database."""
    config = _base_config(database_url, tmp_path / "instance")
    config["SANDBOX_DISABLED"] = False
    config["HTTP_READ_TIMEOUT"] = 3.0
    config["CHECK_BACKOFF_SECONDS"] = 0.01
    server = LiveServer(config)
    yield server
    server.stop()


@pytest.fixture
def hooks(live):
    """Call the sandbox's test hooks."""

    class Hooks:
        def post(self, name: str, **body):
            response = requests.post(f"{live.sandbox}/_hooks/{name}", json=body, timeout=10)
            assert response.status_code == 200, response.text
            return response.json()

        def stats(self) -> dict:
            return requests.get(f"{live.sandbox}/_hooks/stats", timeout=10).json()

    return Hooks()


class Merchant:
    """A person using ASC Web in a browser without JavaScript (cookies, forms)."""

    def __init__(self, live: LiveServer, email: str, role: str = "admin"):
        self.live = live
        self.http = requests.Session()
        from asc_web.auth import services

        with live.app.app_context():
            services.create_user(email, PASSWORD, role)
            db.session.commit()
        self.email = email
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in (again: moving the clock by months ends the session)."""
        self.http.cookies.clear()
        page = self.http.get(self.live.url + "/login")
        token = CSRF_META.search(page.text).group(1)
        signed_in = self.http.post(
            self.live.url + "/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token},
            allow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text

    def csrf(self) -> str:
        """A CSRF token for this browser session."""
        return CSRF_META.search(self.http.get(self.live.url + "/").text).group(1)

    def start(self, store_id: int, htmx: bool = False) -> requests.Response:
        """Click **Connect store** on the card."""
        headers = {"HX-Request": "true", "X-CSRFToken": self.csrf()} if htmx else {}
        return self.http.post(
            f"{self.live.url}/stores/{store_id}/connect",
            data={} if htmx else {"csrf_token": self.csrf()},
            headers=headers,
            allow_redirects=False,
        )

    def consent_url(self, store_id: int) -> str:
        """Start connecting and return where ASC Web sends the browser."""
        response = self.start(store_id)
        assert response.status_code == 303, response.text
        return response.headers["Location"]


@pytest.fixture
def merchant(live):
    """A signed-in admin."""
    return Merchant(live, "owner@example.com")


@pytest.fixture
def add_store(live):
    """Insert a store for a marketplace; return its id."""

    def add(name: str = "Amazon Store USA", country: str = "US") -> int:
        return insert_store(live.app, name, country, attribute="asin")

    return add


@pytest.fixture
def connected_store(live, merchant, add_store):
    """Add a store and connect it through the sandbox; return its id."""

    def connect(name="Amazon Store USA", country="US", email="na.primary@example.com") -> int:
        from tests.support import amazon

        store_id = add_store(name, country)
        location = amazon.authorize(merchant.http, merchant.consent_url(store_id), email)
        assert "Store connected" in merchant.http.get(location).text
        return store_id

    return connect


@pytest.fixture
def move_clock(monkeypatch):
    """Move the app's clock forward (the live server runs in this process)."""

    def move(**delta):
        real = clock.utcnow
        monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(**delta))

    return move


def authorization_of(live, store_id: int):
    """The authorization the store uses (a detached copy), or None."""
    from asc_web.models import Store

    with live.app.app_context():
        store = db.session.get(Store, store_id)
        authorization = store.authorization if store else None
        if authorization is not None:
            db.session.expunge(authorization)
        return authorization
