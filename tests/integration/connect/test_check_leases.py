"""A check run that could not reach Amazon leaves its authorizations free for the next run."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from datetime import timedelta

from asc_web.extensions import db
from asc_web.models import Authorization, CommunicationError


@contextmanager
def closed_port():
    """A loopback port that refuses connections (bound, never listening) while in use."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _check(live, sandbox_url: str | None = None) -> list:
    """One ``check_all`` run (as cron's ``connections check`` does), against ``sandbox_url``."""
    from asc_web.connect import checks

    if sandbox_url:
        live.app.config["SANDBOX_URL"] = sandbox_url
    else:
        live.app.config.pop("SANDBOX_URL", None)
    with live.app.app_context():
        return checks.check_all(timedelta(minutes=10), sleep=lambda _s: None)


def test_a_run_that_cannot_reach_amazon_does_not_block_the_next_run(live, connected_store):
    store_id = connected_store()
    with closed_port() as port:
        failed = _check(live, f"http://127.0.0.1:{port}/sandbox")
    assert [(r.store_id, r.result) for r in failed] == [(store_id, "communication_error")]

    again = _check(live)  # Amazon is back within the ten minutes of the first run's lease

    assert [(r.store_id, r.result) for r in again] == [(store_id, "ok")]
    with live.app.app_context():
        authorization = db.session.scalar(db.select(Authorization))
        assert authorization.last_check_ok is True
        assert db.session.scalar(db.select(db.func.count(CommunicationError.id))) == 1


def test_a_run_whose_amazon_calls_all_fail_releases_its_lease_too(
    live, connected_store, hooks, move_clock
):
    store_id = connected_store()
    move_clock(hours=2)  # the cached access token has expired: LWA must be asked
    live.app.config["CHECK_ATTEMPTS"] = 2
    hooks.post("fail", endpoint="token", status=503, error="temporarily_unavailable", count=2)
    assert [r.result for r in _check(live)] == ["communication_error"]

    assert [(r.store_id, r.result) for r in _check(live)] == [(store_id, "ok")]


def test_a_successful_run_keeps_its_lease_so_parallel_runs_check_once(live, connected_store):
    connected_store()
    assert [r.result for r in _check(live)] == ["ok"]
    assert _check(live) == []  # another server's cron run in the same ten minutes


def test_connections_check_names_the_sandbox_address_it_could_not_reach(live, connected_store):
    connected_store()
    runner = live.app.test_cli_runner()
    with closed_port() as port:
        live.app.config["SANDBOX_URL"] = f"http://127.0.0.1:{port}/sandbox"
        result = runner.invoke(args=["connections", "check"])
    assert result.exit_code == 1
    assert f"Could not reach the Seller Central sandbox at http://127.0.0.1:{port}/sandbox" in (
        result.output
    )
    assert "nothing was checked" in result.output
    assert "make run" in result.output and "PORT=8080" in result.output
    with live.app.app_context():  # no error recorded, no lease taken
        assert db.session.scalar(db.select(db.func.count(CommunicationError.id))) == 0

    live.app.config.pop("SANDBOX_URL")
    result = runner.invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 1 store(s): 1 ok" in result.output


def test_connections_check_with_nothing_to_check_needs_no_sandbox(make_app):
    with closed_port() as port:
        app = make_app(PUBLIC_URL=f"http://127.0.0.1:{port}")
        result = app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    assert "Checked 0 store(s): nothing to check" in result.output
