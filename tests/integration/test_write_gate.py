"""SQLite's writers queue on one gate (asc_web/db.py ``WriteGate``): threads of a process on a
lock, processes on a lock file next to the database. It is always handed back, whatever the
request did, and a thread never waits on itself."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, make_url, select, text

from asc_web.db import WRITE_GATES, WRITER_LOCK_SUFFIX
from asc_web.extensions import db
from tests.conftest import PASSWORD, csrf_from


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


def write_transactions(app, send) -> tuple[object, list[list[str]]]:
    """``send()``'s answer and the statements of each transaction it began with SQLite's
    write lock (their first words)."""
    with app.app_context():
        engine = db.engine
    writes: list[list[str]] = []
    current: list[list[str]] = []

    def statement(_conn, _cursor, text_, *_args):
        if text_.startswith("BEGIN IMMEDIATE"):
            writes.append([])
            current[:] = [writes[-1]]
        elif text_.startswith("BEGIN"):
            current[:] = []
        elif current:
            current[0].append(text_.split()[0])

    event.listen(engine, "before_cursor_execute", statement)
    try:
        return send(), writes
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def test_adding_a_store_waits_for_the_write_lock_once_and_only_writes_then(
    app, client, accounts, gate
):
    """Only the insert waits: the user and the form's checks are read before it (and not
    read again under the lock), and the answer is built after the commit without a second
    write transaction (which would queue again behind every other writer)."""
    accounts.signed_in()
    token = csrf_from(client.get("/stores/new").text)

    def post(name):
        data = {"csrf_token": token, "name": name, **STORE_FORM}
        return write_transactions(app, lambda: client.post("/stores/new", data=data))

    added, writes = post("Once")
    assert added.status_code == 303, added.text
    assert added.headers["Cache-Control"] == "no-store"
    assert len(writes) == 1
    assert "SELECT" not in writes[0]
    assert writes[0].count("INSERT") == 2  # the store and its activity line
    refused, writes = post("")
    assert refused.status_code == 422
    assert writes == []
    taken, writes = post("once")
    assert taken.status_code == 422
    assert "already" in taken.text
    assert writes == []
    assert not gate._lock.locked()


def test_signing_in_checks_the_password_before_it_waits_for_the_write_lock(
    app, client, accounts, gate, monkeypatch
):
    """The password check (scrypt, about 0.1 s) runs without SQLite's write lock, which every
    other request's write would wait for; only the sign-in time is written, once it passed."""
    from asc_web.models import User

    accounts.create()
    held_while_checking = []
    check = User.check_password

    def watched(user, password):
        held_while_checking.append(gate._lock.locked())
        return check(user, password)

    monkeypatch.setattr(User, "check_password", watched)

    def sign_in(password):
        token = csrf_from(client.get("/login").text)
        data = {"email": "admin@example.com", "password": password, "csrf_token": token}
        return write_transactions(app, lambda: client.post("/login", data=data))

    refused, writes = sign_in("not the password")
    assert refused.status_code == 400 and writes == []
    signed_in, writes = sign_in(PASSWORD)
    assert signed_in.status_code == 303, signed_in.text
    assert writes == [["UPDATE"]]  # users.last_login_at
    assert held_while_checking == [False, False]
    assert not gate._lock.locked()
    with app.app_context():
        assert db.session.scalar(select(User.last_login_at)) is not None


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


def lock_file(app) -> Path:
    with app.app_context():
        database = Path(make_url(str(db.engine.url)).database)
    return database.with_name(database.name + WRITER_LOCK_SUFFIX)


def held_by_a_writer(path: Path) -> bool:
    """Whether someone holds the writers' file lock (asked as another process would)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also lets go of it, if it was taken here
    return False


def test_the_lock_file_is_private_and_held_only_while_a_write_is_open(app, gate):
    path = lock_file(app)
    with app.app_context():
        db.session.execute(text("CREATE TABLE IF NOT EXISTS turns (n INTEGER)"))
        assert held_by_a_writer(path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        db.session.commit()
        assert not held_by_a_writer(path)
        with pytest.raises(Exception, match="no such table"):
            db.session.execute(text("INSERT INTO no_such_table VALUES (1)"))
        db.session.rollback()
        assert not held_by_a_writer(path)
        # A read-only transaction (a GET request's) never takes it.
        with app.test_request_context("/"):
            db.session.execute(text("SELECT COUNT(*) FROM turns"))
            assert not held_by_a_writer(path)
            db.session.rollback()
    assert not gate._lock.locked()


def test_a_failed_request_lets_go_of_the_lock_file(app, client, accounts, gate, monkeypatch):
    from asc_web.stores import services

    accounts.signed_in()
    token = csrf_from(client.get("/stores/new").text)

    def broken(**_fields):
        db.session.execute(text("INSERT INTO no_such_table VALUES (1)"))

    monkeypatch.setattr(services, "create_store", broken)
    failed = client.post("/stores/new", data={"csrf_token": token, "name": "X", **STORE_FORM})
    assert failed.status_code == 500
    assert not held_by_a_writer(lock_file(app))
    assert not gate._lock.locked()


def test_two_engines_on_one_file_share_the_gate_and_never_wait_on_themselves(make_app, gate):
    first, second = make_app(), make_app()
    assert gate_of(first) is gate_of(second)
    outcome = []

    def nested_writes():
        with first.app_context():
            db.session.execute(text("CREATE TABLE IF NOT EXISTS pairs (n INTEGER)"))
            with second.app_context(), db.engine.connect() as other:
                other.connection.driver_connection.execute("PRAGMA busy_timeout = 50")
                try:
                    other.execute(text("INSERT INTO pairs VALUES (2)"))
                except Exception as exc:  # SQLite's answer, not a wait on our own lock file
                    outcome.append(str(exc))
            db.session.commit()
        outcome.append("done")

    thread = threading.Thread(target=nested_writes)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "a thread waited for its own lock file"
    assert "locked" in outcome[0]
    assert outcome[-1] == "done"
    assert not held_by_a_writer(lock_file(first))


# One of two processes: 4 threads, 25 writes each, once the test says go. SQLite's busy
# timeout is 0 here, so a writer that met another process's writer at SQLite's own lock
# would fail at once ("database is locked"): each must queue on the gate instead.
WRITER = """
import sys, threading
from sqlalchemy import event, text
from asc_web import create_app
from asc_web.extensions import db

url, instance, name = sys.argv[1:4]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": instance,
                  "SECRET_KEY": "k" * 32, "SANDBOX_DISABLED": True, "DB_COMMANDS": False,
                  "RATELIMIT_ENABLED": False, "TOKEN_KEYS": sys.argv[4]})
with app.app_context():
    event.listen(db.engine, "connect",
                 lambda c, _r: c.execute("PRAGMA busy_timeout = 0"))  # after the app's own
    db.engine.dispose()
failed = []

def write(t):
    with app.app_context():
        for n in range(25):
            try:
                db.session.execute(text("INSERT INTO turns VALUES (:who, :n)"),
                                   {"who": f"{name}-{t}", "n": n})
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                failed.append(str(exc).splitlines()[0])

print("ready", flush=True)
sys.stdin.readline()
threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("failed", len(failed), sorted(set(failed)), flush=True)
"""


def test_writers_in_two_processes_queue_and_all_get_through(app, gate, tmp_path):
    with app.app_context():
        db.session.execute(text("CREATE TABLE turns (who TEXT, n INTEGER)"))
        db.session.commit()
        url = str(db.engine.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASC_")}
    processes = [
        subprocess.Popen(  # noqa: S603 - our interpreter, our script
            [
                sys.executable,
                "-c",
                WRITER,
                url,
                str(tmp_path / "instance"),
                name,
                app.config["TOKEN_KEYS"],
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )  # fmt: skip
        for name in ("a", "b")
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for process in processes:  # both start writing together
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0, 0]
    assert [out.strip() for out in outputs] == ["failed 0 []", "failed 0 []"]
    with app.app_context():
        assert db.session.scalar(text("SELECT COUNT(*) FROM turns")) == 200
    assert not held_by_a_writer(lock_file(app))
