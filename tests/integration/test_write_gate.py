"""SQLite's writers queue on one gate per process (asc_web/db.py ``WriteGate``): it is always
handed back, whatever the request did, and a thread never waits on itself."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from asc_web.db import WRITE_GATES
from asc_web.extensions import db
from tests.conftest import csrf_from


def gate_of(app):
    with app.app_context():
        return WRITE_GATES.get(db.engine)


@pytest.fixture
def gate(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the gate queues SQLite's writers; PostgreSQL writes side by side")
    found = gate_of(app)
    assert found is not None
    return found


def test_each_write_request_hands_the_gate_back(app, client, accounts, gate):
    accounts.signed_in()
    form = client.get("/stores/new")
    token = csrf_from(form.text)
    refused = client.post("/stores/new", data={"csrf_token": token, "name": ""})
    assert refused.status_code == 422
    assert not gate._lock.locked()
    added = client.post(
        "/stores/new",
        data={"csrf_token": token, "name": "Gate Store", "email": "m@example.com",
              "country": "US", "website": "1", "product_id_type": "ASIN", "attribute": "1"},
    )  # fmt: skip
    assert added.status_code in (303, 422), added.text
    assert not gate._lock.locked()
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 400
    assert not gate._lock.locked()


STORE_FORM = {"email": "m@example.com", "country": "US", "website": "1",
              "product_id_type": "ASIN", "attribute": "1"}  # fmt: skip


def test_adding_a_store_waits_for_the_write_lock_once(app, client, accounts, gate):
    """After the commit the answer is built without a second transaction: on SQLite a
    writing request's transaction waits for the write lock, so a second one would queue
    again behind every other writer just to read the signed-in user back."""
    accounts.signed_in()
    token = csrf_from(client.get("/stores/new").text)
    begun = []
    with app.app_context():
        engine = db.engine

    def count(_connection):
        begun.append(1)

    event.listen(engine, "begin", count)
    try:
        added = client.post("/stores/new", data={"csrf_token": token, "name": "Once", **STORE_FORM})
    finally:
        event.remove(engine, "begin", count)
    assert added.status_code == 303, added.text
    assert added.headers["Cache-Control"] == "no-store"
    assert len(begun) == 1


def test_a_failed_write_hands_the_gate_back(app, gate):
    with app.app_context():
        with pytest.raises(Exception, match="no such table"):
            db.session.execute(text("INSERT INTO no_such_table VALUES (1)"))
        db.session.rollback()
        db.session.remove()
    assert not gate._lock.locked()


def test_writers_of_one_process_take_turns_and_all_get_through(app, gate):
    done = []

    def write(n: int) -> None:
        with app.app_context():
            db.session.execute(text("CREATE TABLE IF NOT EXISTS turns (n INTEGER)"))
            db.session.execute(text("INSERT INTO turns VALUES (:n)"), {"n": n})
            db.session.commit()
            done.append(n)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(done) == list(range(12))
    with app.app_context():
        assert db.session.scalar(text("SELECT COUNT(*) FROM turns")) == 12
    assert not gate._lock.locked()


def test_a_thread_writing_on_a_second_connection_does_not_wait_on_itself(app, gate):
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS pairs (n INTEGER)"))
        db.session.commit()
        db.session.execute(text("INSERT INTO pairs VALUES (1)"))  # holds the gate
        assert gate._lock.locked()
        with db.engine.connect() as second:
            # Not held back by the gate: SQLite itself answers (its write lock is taken).
            second.connection.driver_connection.execute("PRAGMA busy_timeout = 50")
            with pytest.raises(Exception, match="locked"):
                second.execute(text("INSERT INTO pairs VALUES (2)"))
        db.session.commit()
    assert not gate._lock.locked()
