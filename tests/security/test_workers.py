"""Rate limits with several workers: the shipped gunicorn.conf.py, Redis, loud warnings."""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from pathlib import Path

import pytest
import requests

from asc_web import create_app
from asc_web.extensions import db
from tests.conftest import Accounts
from tests.reliability.servers import ROOT, Gunicorn, free_port
from tests.support.config import PRODUCTION

from .conftest import csrf_from

CONFIG_FILE = ROOT / "gunicorn.conf.py"
README = ROOT / "README.md"
LOUD = "RATE LIMITS ARE"


def _production_block() -> str:
    """The shell block under README's "Serving in production"."""
    section = README.read_text().split("## Serving in production", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)


def test_the_readme_serves_production_with_the_shipped_config_and_redis():
    command = _production_block()
    assert "gunicorn -c gunicorn.conf.py" in command
    assert "ASC_RATELIMIT_STORAGE_URI=redis://" in command
    assert CONFIG_FILE.is_file()


def test_production_with_limits_in_process_memory_warns_loudly_at_start(make_app, caplog):
    caplog.set_level(logging.WARNING, logger="asc_web")
    make_app(**PRODUCTION, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    (warning,) = [r for r in caplog.records if LOUD in r.getMessage()]
    assert warning.levelno == logging.WARNING
    assert "ASC_RATELIMIT_STORAGE_URI=redis://" in warning.getMessage()
    caplog.clear()
    make_app(**PRODUCTION, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")  # sandbox mode
    assert not [r for r in caplog.records if LOUD in r.getMessage()]


@pytest.fixture
def served(sqlite_template, tmp_path):
    """Start ``gunicorn -c gunicorn.conf.py`` with two workers on a copy of the database."""
    servers = []

    def start(**settings) -> Gunicorn:
        database = tmp_path / f"db{len(servers)}.sqlite3"
        shutil.copy(sqlite_template, database)
        owner = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "TESTING": True,
            }
        )
        Accounts(owner, None).create()
        with owner.app_context():
            db.engine.dispose()
        config = {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{database}",
            "SECRET_KEY": "workers-secret-key-not-for-production",
            "SANDBOX_DISABLED": "true",
            "WORKERS": 2,
            "THREADS": 2,
            **settings,
        }
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        servers.append(Gunicorn(config, port, log, config_file=CONFIG_FILE))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def _attempt(url: str) -> int:
    """One failed sign-in from a new connection (gunicorn may hand it to either worker)."""
    with requests.Session() as browser:
        page = browser.get(url + "/login", timeout=30)
        data = {"email": "x@example.com", "password": "wrong", "csrf_token": csrf_from(page.text)}
        return browser.post(url + "/login", data=data, timeout=30).status_code


def test_the_shipped_config_with_redis_counts_limits_once_across_workers(served, redis_url):
    server = served(
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"asc-workers-{uuid.uuid4().hex}",
        LOGIN_LIMIT_PER_IP="4 per minute",
        LOG_FORMAT="json",
    )
    statuses = [_attempt(server.url) for _ in range(6)]
    assert statuses == [400, 400, 400, 400, 429, 429]
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", server.output()))) == 2
    assert LOUD not in server.output()


def test_the_shipped_config_warns_before_workers_start_when_limits_stay_in_memory(served):
    server = served(RATELIMIT_STORAGE_URI="memory://")
    output = server.output()
    warning = next(line for line in output.splitlines() if LOUD in line)
    assert "2 workers" in warning and "redis://" in warning
    assert output.index(LOUD) < output.index("Booting worker")


def test_the_shipped_config_writes_every_line_as_json_when_asked(served):
    server = served(LOG_FORMAT="json", RATELIMIT_STORAGE_URI="memory://")
    forged = "/x%0aSign-in:%20event=sign-in.ok%20user=1"
    assert requests.get(server.url + forged, timeout=30).status_code == 404
    server.stop()
    lines = Path(server.log).read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    assert any(e["logger"] == "gunicorn.error" for e in entries)
    assert any(e["message"].startswith("Refused GET /x\\nSign-in") for e in entries)
