"""``connections check``: revocation noticed, transient failures retried, one check per store."""

import os
import subprocess
import sys

from asc_web.extensions import db
from asc_web.models import Authorization, CommunicationError, Store
from asc_web.models.status import store_status


def _status(live, store_id):
    with live.app.app_context():
        from asc_web import clock

        return store_status(db.session.get(Store, store_id), clock.utcnow())


def test_revoked_authorization_is_noticed_by_the_check(live, connected_store, hooks, move_clock):
    store_id = connected_store()
    hooks.post("revoke", email="na.primary@example.com")
    move_clock(hours=2)  # the cached access token has expired: LWA must be asked
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    assert "1 revoked" in result.output
    status = _status(live, store_id)
    assert status.label == "Reconnect required"
    assert status.detail == (
        "Amazon reports that the authorization was revoked or has expired — reconnect the store."
    )
    with live.app.app_context():
        error = db.session.scalar(db.select(CommunicationError))
    assert error.code == "invalid_grant"
    assert "User may have revoked or didn't grant the permission." in error.description


def test_transient_failures_are_retried_and_leave_the_store_active(
    live, connected_store, hooks, move_clock
):
    store_id = connected_store()
    move_clock(hours=2)
    hooks.post("fail", endpoint="token", status=503, error="temporarily_unavailable", count=3)
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    assert "1 ok" in result.output and "3 retries" in result.output
    assert _status(live, store_id).label == "Active"
    assert hooks.stats()["token_calls"]["refresh_token"] == 4


def test_exhausted_retries_record_a_communication_error_without_changing_status(
    live, connected_store, hooks, move_clock
):
    store_id = connected_store()
    move_clock(hours=2)
    hooks.post("fail", endpoint="token", status=503, count=10)
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0
    assert "1 communication error" in result.output
    assert _status(live, store_id).label == "Active"
    with live.app.app_context():
        conn = db.session.scalar(db.select(Authorization))
        assert conn.last_check_ok is False and conn.revoked_at is None
        assert db.session.scalar(db.select(db.func.count(CommunicationError.id))) == 1


def test_cached_access_token_is_reused_until_it_nearly_expires(live, connected_store, hooks):
    connected_store()
    runner = live.app.test_cli_runner()
    runner.invoke(args=["connections", "check", "--lease-minutes", "0"])
    runner.invoke(args=["connections", "check", "--lease-minutes", "0"])
    assert hooks.stats()["token_calls"]["refresh_token"] == 0
    assert hooks.stats()["sellers_calls"] == 3  # the connect itself, then two checks


def test_two_servers_checking_at_once_check_each_authorization_once(
    live, connected_store, hooks, tmp_path
):
    stores = [
        connected_store("Amazon Store USA", "US"),
        connected_store("Amazon Store UK", "UK", "uk.primary@example.com"),
        connected_store("Amazon Store Canada", "CA"),
    ]
    before = hooks.stats()["sellers_calls"]
    config = live.app.config
    env = {
        **os.environ,
        "ASC_INSTANCE_PATH": str(tmp_path / "cli-instance"),
        "ASC_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "ASC_SECRET_KEY": config["SECRET_KEY"],
        "ASC_TOKEN_KEYS": config["TOKEN_KEYS"],
        "ASC_PUBLIC_URL": live.url,
    }
    command = [sys.executable, "-m", "flask", "--app", "asc_web", "connections", "check"]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    # Two authorizations (North America for the US and Canada, Europe for the UK).
    assert hooks.stats()["sellers_calls"] - before == 2
    checked = sum(int(out.split("Checked ")[1].split(" ")[0]) for out, _ in outputs)
    assert checked == len(stores)
