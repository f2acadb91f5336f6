"""History with a bound: old activity, communication errors and finished attempts are
pruned, each store keeps its last entries, one run prunes at a time, and the pages that
list history read a page's worth of rows through indexes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from asc_web import clock
from asc_web.connect import errors_queries
from asc_web.extensions import db
from asc_web.maintenance import history, leases
from asc_web.models import AuthorizationAttempt, CommunicationError, StoreActivity
from tests.support.data import insert_store
from tests.support.sql import counting, sqlite_plan

RETENTION = {"HISTORY_RETENTION_DAYS": "30", "HISTORY_KEEP_PER_STORE": "3"}
HISTORY_TABLES = ("store_activities", "communication_errors", "authorization_attempts")


@pytest.fixture
def app(make_app):
    """The app with 30 days of history, and each store's last 3 entries kept."""
    return make_app(**RETENTION)


def _user(app) -> int:
    from asc_web.auth import services

    with app.app_context():
        user = services.create_user("admin@example.com", "correct horse battery", "admin")
        db.session.commit()
        return user.id


def _add_history(app, store_id: int | None, days_ago: list[float], user_id: int | None = None):
    """An activity entry, an error and (with ``user_id``) a finished attempt per age,
    oldest first (as they happen: ids grow with time)."""
    now = clock.utcnow()
    with app.app_context():
        for n, age in enumerate(sorted(days_ago, reverse=True)):
            when = now - timedelta(days=age)
            db.session.execute(
                insert(CommunicationError).values(store_id=store_id, operation="sellers",
                                                  code=f"age-{age}", created_at=when)
            )  # fmt: skip
            if store_id is None:
                continue
            db.session.execute(
                insert(StoreActivity).values(store_id=store_id, action="renewed",
                                             detail=f"age-{age}", created_at=when)
            )  # fmt: skip
            if user_id is not None:
                db.session.execute(
                    insert(AuthorizationAttempt).values(
                        store_id=store_id, user_id=user_id, region="NA", purpose="renew",
                        state_hash=f"s-{store_id}-{n}-{age}", session_hash="x", created_at=when,
                        expires_at=when + timedelta(minutes=10), consumed_at=when,
                        outcome="connected", message=f"age-{age}",
                    )
                )  # fmt: skip
        db.session.commit()


def _ages(app, model, column, store_id) -> list[str]:
    """What is left of a store's history of one kind, by the age it was made with."""
    with app.app_context():
        query = select(column).where(model.store_id == store_id if store_id else True)
        if store_id is None:
            query = select(column).where(model.store_id.is_(None))
        return sorted(db.session.scalars(query))


def _left(app, store_id):
    return {
        "activity": _ages(app, StoreActivity, StoreActivity.detail, store_id),
        "errors": _ages(app, CommunicationError, CommunicationError.code, store_id),
        "attempts": _ages(app, AuthorizationAttempt, AuthorizationAttempt.message, store_id),
    }


def test_prune_removes_old_history_but_each_store_keeps_its_last_entries(app, runner):
    user = _user(app)
    busy = insert_store(app, "Busy store")
    quiet = insert_store(app, "Quiet store", "CA")
    _add_history(app, busy, [40, 41, 42, 43, 44, 45, 1, 2], user)
    _add_history(app, quiet, [300, 400], user)
    _add_history(app, None, [50, 5])  # an error of no store: age alone decides

    result = runner.invoke(args=["history", "prune"])

    assert result.exit_code == 0, result.output
    assert "Removed 5 activity entries." in result.output
    assert "Removed 6 communication errors." in result.output
    assert "Removed 5 finished connect attempts." in result.output
    # The busy store: its two recent entries and the newest old one (3 kept).
    expected = sorted(["age-1", "age-2", "age-40"])
    assert _left(app, busy) == {"activity": expected, "errors": expected, "attempts": expected}
    # The quiet store has fewer than 3 entries: all kept, however old.
    quiet_left = sorted(["age-300", "age-400"])
    assert _left(app, quiet) == {"activity": quiet_left, "errors": quiet_left,
                                 "attempts": quiet_left}  # fmt: skip
    assert _ages(app, CommunicationError, CommunicationError.code, None) == ["age-5"]


def test_prune_in_small_batches_removes_the_same_and_a_second_run_finds_nothing(app):
    user = _user(app)
    stores = [insert_store(app, f"Store {n}") for n in range(3)]
    for store in stores:
        _add_history(app, store, [31 + n for n in range(7)] + [1], user)
    batches = []
    with app.app_context():
        first = history.prune(batch_size=2, after_batch=lambda kind, n: batches.append(kind))
        again = history.prune(batch_size=2)
    # Each store had 7 old and 1 recent entry of each kind, and keeps 3.
    assert first.removed == {"activity": 15, "errors": 15, "attempts": 15}
    assert len(batches) >= 3 * (21 // 2)
    assert again.total == 0 and not again.skipped
    for store in stores:
        assert _left(app, store)["activity"] == sorted(["age-1", "age-31", "age-32"])


def test_recent_history_is_kept_however_long(app, runner):
    store = insert_store(app)
    _add_history(app, store, [0.5 * n for n in range(20)])
    assert "Removed 0 activity entries." in runner.invoke(args=["history", "prune"]).output
    assert len(_left(app, store)["activity"]) == 20


def test_open_attempts_are_not_history(app):
    user = _user(app)
    store = insert_store(app)
    long_ago = clock.utcnow() - timedelta(days=90)
    with app.app_context():
        for n in range(5):
            db.session.add(AuthorizationAttempt(
                store_id=store, user_id=user, region="NA", state_hash=f"open-{n}",
                session_hash="x", created_at=long_ago, expires_at=long_ago, message="open",
            ))  # fmt: skip
        db.session.commit()
        assert history.prune().removed["attempts"] == 0
    assert _left(app, store)["attempts"] == ["open"] * 5


def test_retention_off_keeps_history_forever(make_app):
    app = make_app(HISTORY_RETENTION_DAYS="off")
    store = insert_store(app)
    _add_history(app, store, [4000, 5000, 6000, 7000])
    result = app.test_cli_runner().invoke(args=["history", "prune"])
    assert "History is kept forever" in result.output
    assert len(_left(app, store)["activity"]) == 4


def test_a_second_prune_started_while_one_runs_does_nothing(app, make_app):
    store = insert_store(app)
    _add_history(app, store, [40, 41, 42, 43, 44, 45])
    other_server = make_app(**RETENTION)
    seen = []

    def meanwhile(_kind, _removed):
        if not seen:  # between the first run's batches: it holds the lease
            with other_server.app_context():
                seen.append(history.prune())

    with app.app_context():
        first = history.prune(batch_size=1, after_batch=meanwhile)
    second = seen[0]
    assert second.skipped and second.total == 0
    assert second.held_until is not None and second.held_until > clock.utcnow()
    assert first.removed["activity"] == 3 and first.removed["errors"] == 3
    # The first run gave its lease back: the next run is not refused.
    with other_server.app_context():
        assert not history.prune().skipped


def test_the_command_says_when_another_server_is_pruning(app, runner):
    store = insert_store(app)
    _add_history(app, store, [40, 41, 42, 43, 44])
    with app.app_context():
        assert leases.acquire(history.LEASE, "other-server:1", timedelta(minutes=10),
                              clock.utcnow())  # fmt: skip
    result = runner.invoke(args=["history", "prune"])
    assert result.exit_code == 0
    assert "Another run is pruning history" in result.output
    assert len(_left(app, store)["activity"]) == 5


def test_a_lease_left_by_a_run_that_died_expires(app):
    store = insert_store(app)
    _add_history(app, store, [40, 41, 42, 43, 44])
    with app.app_context():
        died = clock.utcnow() - timedelta(minutes=11)
        assert leases.acquire(history.LEASE, "dead-server:1", history.LEASE_TTL, died)
        result = history.prune()
    assert not result.skipped and result.removed["activity"] == 2


def test_the_worker_prunes_once_a_day_whichever_worker_asks_first(app, make_app):
    store = insert_store(app)
    _add_history(app, store, [40, 41, 42, 43, 44])
    other_worker = make_app(**RETENTION)
    now = clock.utcnow()
    with app.app_context():
        first = history.prune_if_due(now)
    with other_worker.app_context():
        same_day = history.prune_if_due(now + timedelta(hours=23))
        next_day = history.prune_if_due(now + timedelta(days=1, seconds=1))
    assert first is not None and first.removed["activity"] == 2
    assert same_day is None
    assert next_day is not None and not next_day.skipped


# The pages that list history, with enough of it that a plan shows what it walks.


@pytest.fixture
def admin_client(app, client):
    from tests.conftest import Accounts

    accounts = Accounts(app, client)
    accounts.create()
    accounts.login()
    return client


def _lots_of_history(app, stores: int = 4, per_store: int = 120) -> list[int]:
    """Many history rows over a few stores, in bulk."""
    ids = [insert_store(app, f"History store {n}") for n in range(stores)]
    now = clock.utcnow()
    errors, activity = [], []
    for n in range(per_store):
        for i, store in enumerate(ids):
            when = now - timedelta(hours=n * 7 + i)
            operation = ("token_refresh", "sellers", "token_exchange")[n % 3]
            errors.append({"store_id": store, "operation": operation, "code": f"C{n % 5}",
                           "description": "", "created_at": when})  # fmt: skip
            activity.append({"store_id": store, "action": "renewed", "detail": "",
                             "created_at": when})  # fmt: skip
    with app.app_context():
        db.session.execute(insert(CommunicationError), errors)
        db.session.execute(insert(StoreActivity), activity)
        db.session.commit()
    return ids


HISTORY_PAGES = ("/stores/{store}", "/errors", "/errors?operation=sellers", "/errors?code=C3",
                 "/stores/{store}/errors", "/errors?page=3")  # fmt: skip


@pytest.mark.parametrize("path", HISTORY_PAGES)
def test_history_pages_read_history_through_indexes(app, admin_client, database_url, path):
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL plans tiny tables differently")
    store = _lots_of_history(app)[1]
    url = path.format(store=store)
    admin_client.get(url)
    with counting(app) as statements:
        assert admin_client.get(url).status_code == 200
    checked = 0
    for statement, parameters in statements:
        tables = [t for t in HISTORY_TABLES if t in statement]
        if not tables:
            continue
        checked += 1
        plan = sqlite_plan(app, statement, parameters)
        reads = [line for _top, line in plan if re.search(rf"\b({'|'.join(tables)})\b", line)]
        for line in reads:
            # A SEARCH seeks into an index; a SCAN must walk one in order and stop at LIMIT.
            assert line.startswith("SEARCH") or (
                "INDEX" in line and re.search(r"\bLIMIT\b", statement)
            ), (line, statement)
        # Rows come in the index's order: no sort of all the matching rows for a page.
        assert not [line for top, line in plan if top and "TEMP B-TREE" in line], plan
    assert checked


def test_dashboard_and_errors_log_send_at_most_five_statements(app, admin_client):
    store = _lots_of_history(app)[0]
    for url in (f"/stores/{store}", "/errors", "/errors?operation=sellers&page=2"):
        admin_client.get(url)
        with counting(app) as statements:
            assert admin_client.get(url).status_code == 200
        assert len(statements) <= 5, [s for s, _ in statements]


def test_the_errors_log_stops_counting_past_its_cap(app, admin_client, monkeypatch):
    monkeypatch.setattr(errors_queries, "COUNT_CAP", 20)
    _lots_of_history(app, stores=1, per_store=60)
    first = admin_client.get("/errors").text
    # Page 1 needs an exact count up to its own 50 rows only: 50 counted, more exist.
    assert "50+ errors." in first
    assert "Older errors" in first
    last = admin_client.get("/errors?page=2").text
    assert "60 errors." in last and "Older errors" not in last
    filtered = admin_client.get("/errors?operation=sellers").text
    assert "20 errors." in filtered
    # The filter lists each operation once, in order.
    assert re.findall(r'<option value="(\w+)"', first) == ["sellers", "token_exchange",
                                                          "token_refresh"]  # fmt: skip


def test_settings_are_checked(make_app):
    from asc_web.config import ConfigError

    for bad in ({"HISTORY_RETENTION_DAYS": "0"}, {"HISTORY_RETENTION_DAYS": "a year"},
                {"HISTORY_KEEP_PER_STORE": "-1"}):  # fmt: skip
        with pytest.raises(ConfigError, match="ASC_HISTORY_"):
            make_app(**bad)
    app = make_app()
    assert app.config["HISTORY_RETENTION_DAYS"] == 365
    assert app.config["HISTORY_KEEP_PER_STORE"] == 50


def test_the_worker_s_schedule_prunes_old_history(app):
    from datetime import datetime

    from asc_web.tasks.queue import build

    store = insert_store(app)
    _add_history(app, store, [40, 41, 42, 43, 44, 1])
    tasks = build(app)
    due = [t for t in tasks.huey.read_periodic(datetime.now()) if t.name == "history_prune"]
    assert len(due) == 1
    tasks.huey.execute(due[0])
    assert _left(app, store)["activity"] == sorted(["age-1", "age-40", "age-41"])
    tasks.huey.execute(due[0])  # the same day again: done already, nothing more to do
    assert len(_left(app, store)["activity"]) == 3


def test_entries_made_at_the_same_moment_are_pruned_across_batches(app):
    store = insert_store(app)
    _add_history(app, store, [40] * 9)  # one moment: batches must page by id within it
    with app.app_context():
        result = history.prune(batch_size=2)
    assert result.removed["activity"] == 6 and result.removed["errors"] == 6
    assert len(_left(app, store)["activity"]) == 3


def test_pruning_pages_by_utc_whatever_the_database_session_time_zone(make_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a session time zone is PostgreSQL's")
    app = make_app(**RETENTION, SQLALCHEMY_ENGINE_OPTIONS={
        "pool_pre_ping": True, "connect_args": {"options": "-c timezone=America/New_York"},
    })  # fmt: skip
    store = insert_store(app)
    _add_history(app, store, [40] * 9)
    batches = []

    def count(kind, _removed):
        batches.append(kind)
        assert len(batches) < 50, "the prune is walking the same rows again"

    with app.app_context():
        result = history.prune(batch_size=2, after_batch=count)
    assert result.removed["activity"] == 6
