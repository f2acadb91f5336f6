"""Scheduled checks: the worker keeps statuses fresh with nobody running a command."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import requests

from asc_web import clock, tasks
from asc_web.extensions import db
from asc_web.models import Authorization, CheckRun
from asc_web.tasks import jobs
from tests.reliability.support import wait_until
from tests.security.conftest import REDIS_URL
from tests.support.worker import Worker, worker_settings


def _card(merchant, store_id: int) -> str:
    return merchant.http.get(f"{merchant.live.url}/stores/{store_id}/card", timeout=10).text


def _checked_since(live, moment) -> int:
    """How many authorizations were checked at or after ``moment``."""
    with live.app.app_context():
        return db.session.scalar(
            db.select(db.func.count(Authorization.id)).where(
                Authorization.last_checked_at >= moment
            )
        )


def _console_now(live):
    with live.app.app_context():
        return clock.utcnow()


def test_a_revocation_turns_the_card_reconnect_required_without_anyone_running_a_command(
    live, merchant, connected_store, hooks, tmp_path
):
    store_id = connected_store()
    assert "Active" in _card(merchant, store_id)
    worker = Worker(worker_settings(live.app, live.url, CHECK_INTERVAL="2s"), tmp_path / "w.log")
    try:
        hooks.post("revoke", email="na.primary@example.com")
        wait_until(
            lambda: "Reconnect required" in _card(merchant, store_id),
            timeout=45,
            what="the scheduled check to notice the revocation",
            every=0.25,
        )
    finally:
        worker.stop()
    assert "Traceback" not in worker.output(), worker.output()[-3000:]


@pytest.fixture
def queue_settings(database_url):
    """Two servers share a Redis queue (with PostgreSQL); one server, its SQLite file."""
    if database_url.startswith("postgresql") and REDIS_URL:
        name = f"asc-test-{uuid.uuid4().hex[:12]}"
        yield {"TASK_QUEUE_URL": REDIS_URL, "TASK_QUEUE_NAME": name}
        import redis

        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"huey.*{name.replace('-', '')}*"):
            store.delete(key)
        for key in store.scan_iter(f"huey.*{name}*"):
            store.delete(key)
        store.close()
    else:
        yield {}


def test_two_workers_check_each_authorization_once_per_interval(
    live, merchant, connected_store, hooks, tmp_path, queue_settings
):
    connected_store("Amazon Store USA", "US")
    connected_store("Amazon Store Canada", "CA")  # shares the North America authorization
    connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    # A read timeout well past the slow answers below, so that a slow answer under load is
    # never a timeout whose retry the sandbox would count as one more Sellers call.
    settings = worker_settings(
        live.app, live.url, CHECK_INTERVAL="1h", HTTP_READ_TIMEOUT=20.0, **queue_settings
    )
    workers = [Worker(settings, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        wait_until(lambda: all(w.ticks() for w in workers), timeout=30, what="both workers")
        for interval in (1, 2):
            before = hooks.stats()["sellers_calls"]
            # Amazon answers slowly, so that the two workers' ticks overlap.
            hooks.post("fail", endpoint="sellers", delay_s=0.5, count=4)
            hooks.post("clock", advance_days=1 / 24 + 0.01)  # a little more than the interval
            moved = _console_now(live)
            wait_until(
                lambda moved=moved: _checked_since(live, moved) == 2,
                timeout=45,
                what=f"interval {interval}'s checks",
            )
            # The workers tick a few more times (either may run a tick from the shared
            # queue): nothing is due again within the interval.
            ticks = sum(w.ticks() for w in workers)
            wait_until(
                lambda ticks=ticks: sum(w.ticks() for w in workers) >= ticks + 4,
                timeout=30,
                what="more ticks",
            )
            # Two authorizations (North America for the US and Canada, Europe for the UK).
            assert hooks.stats()["sellers_calls"] - before == 2
    finally:
        for worker in workers:
            worker.stop()
    for worker in workers:
        assert "Traceback" not in worker.output(), worker.output()[-3000:]


def test_the_scheduled_job_checks_only_what_is_due(live, connected_store, hooks):
    connected_store()
    live.app.config["CHECK_INTERVAL_SECONDS"] = 3600
    before = hooks.stats()["sellers_calls"]
    with live.app.app_context():
        jobs.run_scheduled_work()  # checked when it was connected, a moment ago
    assert hooks.stats()["sellers_calls"] == before
    hooks.post("clock", advance_days=1 / 24 + 0.01)
    with live.app.app_context():
        jobs.run_scheduled_work()
        jobs.run_scheduled_work()
    assert hooks.stats()["sellers_calls"] == before + 1


def test_a_clock_moved_back_checks_again_but_a_check_just_recorded_does_not(
    live, connected_store, hooks
):
    connected_store()
    live.app.config["CHECK_INTERVAL_SECONDS"] = 3600
    before = hooks.stats()["sellers_calls"]
    with live.app.app_context():
        authorization = db.session.scalar(db.select(Authorization))
        # Recorded a moment "after now" by another worker while this one waited: not due.
        authorization.last_checked_at = clock.utcnow() + timedelta(seconds=2)
        db.session.commit()
        jobs.run_scheduled_work()
    assert hooks.stats()["sellers_calls"] == before
    hooks.post("clock", advance_days=-1)  # the last check is now a day in the future
    with live.app.app_context():
        jobs.run_scheduled_work()
    assert hooks.stats()["sellers_calls"] == before + 1


def test_revoked_and_expired_authorizations_are_not_checked_again(
    live, connected_store, hooks, move_clock
):
    connected_store()
    live.app.config["CHECK_INTERVAL_SECONDS"] = 3600
    with live.app.app_context():
        authorization = db.session.scalar(db.select(Authorization))
        authorization.revoked_at = clock.utcnow()
        db.session.commit()
    before = hooks.stats()["sellers_calls"]
    move_clock(hours=2)
    with live.app.app_context():
        jobs.run_scheduled_work()
    assert hooks.stats()["sellers_calls"] == before


def _run_queued_task(live) -> None:
    """What a worker does with Check all: take it off the queue and run it (the syncs that
    connecting the stores queued before it are left out: they call no Sellers API)."""
    with live.app.app_context():
        huey = tasks.queue().huey
        while True:
            task = huey.dequeue()
            assert task is not None, "nothing was queued"
            if task.name == "check_all":
                huey.execute(task)
                return
            assert task.name == "sync_store", task.name


def test_check_all_queues_a_check_and_its_progress_polls_until_done(
    live, merchant, connected_store, hooks
):
    store_id = connected_store("Amazon Store USA", "US")
    connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    home = merchant.http.get(live.url + "/", timeout=10).text
    assert ">Check all</button>" in home
    headers = {"HX-Request": "true", "X-CSRFToken": merchant.csrf()}
    queued = merchant.http.post(f"{live.url}/connections/check", headers=headers, timeout=10)
    assert queued.status_code == 200
    assert "Check all is queued" in queued.text
    assert 'hx-trigger="every 1s"' in queued.text
    with live.app.app_context():
        run_id = db.session.scalar(db.select(CheckRun.id))
    progress_url = f"{live.url}/connections/check/{run_id}"
    before = hooks.stats()["sellers_calls"]
    hooks.post("revoke", email="uk.primary@example.com")
    _run_queued_task(live)
    assert hooks.stats()["sellers_calls"] - before == 2  # both authorizations, once each
    done = merchant.http.get(progress_url, headers=headers, timeout=10)
    assert "Check all finished: 2 authorizations checked, 1 needs attention." in done.text
    assert "hx-trigger" not in done.text, "polling stops once the run is done"
    assert "Show the stores that need attention" in done.text
    assert "Last checked just now" in _card(merchant, store_id)


def test_check_all_without_javascript_redirects_home_with_a_message(
    live, merchant, connected_store
):
    connected_store()
    answer = merchant.http.post(
        f"{live.url}/connections/check",
        data={"csrf_token": merchant.csrf()},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303
    home = merchant.http.get(live.url + answer.headers["Location"], timeout=10).text
    assert "Checking every connection in the background." in home
    assert "Check all is queued" in home
    _run_queued_task(live)
    again = merchant.http.get(live.url + answer.headers["Location"], timeout=10).text
    assert "Check all finished: 1 authorization checked" in again


def test_check_all_says_so_when_the_queue_cannot_be_reached(live, merchant, connected_store):
    connected_store()
    with live.app.app_context():
        queue = tasks.queue()
    queue.huey.storage.enqueue = _refuse
    headers = {"HX-Request": "true", "X-CSRFToken": merchant.csrf()}
    answer = merchant.http.post(f"{live.url}/connections/check", headers=headers, timeout=10)
    assert answer.status_code == 200
    assert "Check all could not be queued. Try again in a minute" in answer.text
    assert "hx-trigger" not in answer.text


def _refuse(*_args, **_kwargs):
    raise requests.ConnectionError("queue storage unreachable")


def test_stale_and_never_checked_statuses_say_so(live, merchant, connected_store, move_clock):
    store_id = connected_store()
    assert "Last checked just now" in _card(merchant, store_id)
    move_clock(hours=5)
    merchant.sign_in()  # hours without a request end the session
    assert "Last checked 5 hours ago<" in _card(merchant, store_id)
    move_clock(days=3)
    merchant.sign_in()
    assert "Last checked 3 days ago — may be out of date" in _card(merchant, store_id)
    with live.app.app_context():
        db.session.execute(db.update(Authorization).values(last_checked_at=None))
        db.session.commit()
    assert "Not checked yet" in _card(merchant, store_id)
    dashboard = merchant.http.get(f"{live.url}/stores/{store_id}", timeout=10).text
    assert "Not checked yet" in dashboard
