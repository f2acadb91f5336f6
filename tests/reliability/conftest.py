"""Reliability tests: a live app with short Amazon timeouts, and the connect helpers."""

from __future__ import annotations

import pytest

from tests.conftest import _base_config
from tests.integration.connect.conftest import (  # noqa: F401  (fixtures used by tests here)
    add_store,
    connected_store,
    hooks,
    merchant,
    move_clock,
)
from tests.support.live import LiveServer

from .support import wait_until

# Short enough to keep the tests quick, long enough for the sandbox on a busy machine.
READ_TIMEOUT = 1.5


@pytest.fixture
def live(database_url, tmp_path):
    """ASC Web and its sandbox on a free port, with a short read timeout for Amazon calls."""
    config = _base_config(database_url, tmp_path / "instance")
    config["SANDBOX_DISABLED"] = False
    config["HTTP_READ_TIMEOUT"] = READ_TIMEOUT
    config["HTTP_CONNECT_TIMEOUT"] = READ_TIMEOUT
    config["CHECK_BACKOFF_SECONDS"] = 0.01
    server = LiveServer(config)
    yield server
    server.stop()
    # A request the sandbox is still sleeping on (an injected delay) must end before the
    # database files go: wait for the server's request threads, boundedly.
    wait_until(lambda: not _request_threads(), timeout=15, what="server request threads")


def _request_threads():
    import threading

    return [t for t in threading.enumerate() if "process_request_thread" in t.name]
