"""Playwright harness: a live ASC Web server on a free port and the system Chromium."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from asc_web import create_app
from asc_web.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


class _Deferred:
    """A WSGI app whose target is set after the port is known."""

    target = None

    def __call__(self, environ, start_response):
        return self.target(environ, start_response)


class LiveServer:
    """ASC Web served on 127.0.0.1 in a thread; stops at the end of the test."""

    def __init__(self, database: Path, instance: Path, settings: dict):
        self._wsgi = _Deferred()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        config = {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "e2e-secret-key-not-for-production",
            "PUBLIC_URL": self.url,
            "RATELIMIT_ENABLED": False,
        }
        config.update(settings)
        try:
            self.app = create_app(config)
        except Exception:
            self._server.server_close()
            raise
        self._wsgi.target = self.app.wsgi_app
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the database."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        with self.app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(sqlite_template, tmp_path):
    """A running ASC Web in sandbox mode on a fresh database."""
    database = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, database)
    server = LiveServer(database, tmp_path / "instance", {"SANDBOX_DISABLED": True})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium; skipped without it unless ``ASC_REQUIRE_BROWSER=1``."""
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("ASC_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (ASC_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/`` for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
