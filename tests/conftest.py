"""Fixtures shared by every tier: fresh databases, apps, clients and account helpers."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, make_url, text

from asc_web import create_app
from asc_web.extensions import db
from asc_web.models import DEFAULT_ATTRIBUTES

PG_URL = os.environ.get("ASC_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
# Run a test outside tests/integration (which runs on both already) on SQLite and, with
# ASC_TEST_DATABASE_URL, on PostgreSQL.
BOTH_DATABASES = pytest.mark.parametrize(
    "database_url",
    [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(not PG_URL, reason="PostgreSQL needs ASC_TEST_DATABASE_URL"),
        ),
    ],
    indirect=True,
)


def _migrate(url: str, instance: Path) -> None:
    """Build the schema at ``url`` with the real migrations."""
    from flask_migrate import upgrade

    app = create_app(_base_config(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _base_config(url: str, instance: Path) -> dict:
    """Settings every test app starts from."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "TOKEN_KEYS": Fernet.generate_key().decode(),
        "RATELIMIT_ENABLED": False,
        "SANDBOX_DISABLED": True,
    }


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _migrate(f"sqlite:///{path}", folder / "instance")
    return path


@pytest.fixture(scope="session")
def postgres_schema(tmp_path_factory) -> Iterator[str]:
    """A PostgreSQL database of this test run's own, migrated once and dropped at the end.

    Several test runs may share one server (CI, developers, helpers): each creates its own
    database next to the one ``ASC_TEST_DATABASE_URL`` names instead of wiping that one.
    """
    if not PG_URL:
        pytest.skip("PostgreSQL tests need ASC_TEST_DATABASE_URL")
    name = f"asc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url, tmp_path_factory.mktemp("pg-instance"))
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wipe_postgres(url: str) -> None:
    """Empty every table but Alembic's, so each test starts from a fresh database."""
    engine = create_engine(url)
    with engine.begin() as conn:
        names = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        tables = ", ".join(f'"{name}"' for name in names)
        if tables:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # Put back what migrations 0002 and 0011 seed, as a fresh install has it.
        conn.execute(text("INSERT INTO store_totals (id, stores) VALUES (1, 0)"))
        conn.execute(
            text(
                "INSERT INTO websites (code, name, default_store_view) "
                "VALUES ('base', 'Main Website', 'Default Store View')"
            )
        )
        for code, label in DEFAULT_ATTRIBUTES:
            conn.execute(
                text("INSERT INTO product_attributes (code, label) VALUES (:c, :l)"),
                {"c": code, "l": label},
            )
    engine.dispose()


@pytest.fixture
def database_url(request, tmp_path) -> str:
    """A fresh, migrated database: SQLite unless the test is parametrised with ``postgresql``."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_schema")
        _wipe_postgres(url)
        return url
    path = tmp_path / "asc_web.sqlite3"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def make_app(database_url, tmp_path) -> Iterator[Callable]:
    """Build app instances on the test's fresh database, with extra settings."""
    apps = []

    def factory(**settings):
        config = _base_config(database_url, tmp_path / "instance")
        config.update(settings)
        app = create_app(config)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """The app under test."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``flask`` commands."""
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page carries."""
    match = CSRF_META.search(html) or re.search(r'name="csrf_token" [^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Accounts:
    """Create users and sign them in through the real pages."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def create(self, email="admin@example.com", role="admin", password=PASSWORD):
        """Add a user directly through the service."""
        from asc_web.auth import services

        with self.app.app_context():
            services.create_user(email, password, role)
            db.session.commit()
        return email

    def login(self, email="admin@example.com", password=PASSWORD, remember=False):
        """Sign in through the login form; return the response."""
        page = self.client.get("/login")
        data = {"email": email, "password": password, "csrf_token": csrf_from(page.text)}
        if remember:
            data["remember"] = "y"
        return self.client.post("/login", data=data)

    def signed_in(self, role="admin", email=None):
        """Create a user with ``role`` and sign in as them."""
        email = email or f"{role}@example.com"
        self.create(email=email, role=role)
        response = self.login(email=email)
        assert response.status_code == 303, response.text
        return email

    def logout(self):
        """Sign out through the Sign out button's form."""
        page = self.client.get("/")
        return self.client.post("/logout", data={"csrf_token": csrf_from(page.text)})


@pytest.fixture
def accounts(app, client) -> Accounts:
    """Account helpers bound to the test's app and client."""
    return Accounts(app, client)


BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def pytest_generate_tests(metafunc):
    """Run every integration test on each configured database backend."""
    in_integration = "integration" in metafunc.definition.path.parts
    if in_integration and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def browser():
    """Headless system Chromium shared by every browser test (see tests/support/browser.py)."""
    from tests.support.browser import launch

    yield from launch()


@pytest.fixture
def page(browser):
    """A fresh browser context and page per test."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    yield page
    context.close()
