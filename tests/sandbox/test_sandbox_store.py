"""The sandbox's own state: idempotent, concurrent-safe seeding, shared secrets, the OTP."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

from asc_web.sandbox import create_app, security, store, throttle, world

PRIMARY = "na.primary@example.com"


def count(path: str, table: str) -> int:
    """Count the rows of a table in a sandbox database."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608


def test_seeding_is_idempotent_and_concurrent(tmp_path):
    """Several processes (here threads, each with its own connection) may start at once."""
    path = str(tmp_path / "fresh" / "sandbox.sqlite3")
    errors: list[BaseException] = []

    def start() -> None:
        """Initialise the database, remembering any failure."""
        try:
            store.init_db(path)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.init_db(path)
    assert errors == []
    assert count(path, "users") == len(world.USERS)
    assert count(path, "sellers") == len(world.SELLERS)
    assert count(path, "applications") == 1
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_generated_secrets_are_shared_by_processes(tmp_path):
    """Two apps on the same file (two workers) share the generated session and OTP keys."""
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3")}
    first, second = create_app(dict(config)), create_app(dict(config))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SANDBOX_OTP_SECRET"] == second.config["SANDBOX_OTP_SECRET"]
    given = create_app({**config, "SECRET_KEY": "given", "SANDBOX_OTP_SECRET": "otp"})
    assert given.config["SECRET_KEY"] == "given"
    assert given.config["SANDBOX_OTP_SECRET"] == "otp"


def test_otp_is_per_user_and_per_step(tmp_path):
    """Codes are 6 digits, differ by user and step; the previous step is still accepted."""
    path = str(tmp_path / "s.sqlite3")
    store.init_db(path)
    with closing(store.connect(path)) as conn:
        now = store.now(conn)
        current = security.otp("key", PRIMARY, now)
        previous = security.otp("key", PRIMARY, now - 30)
        assert current.isdigit() and len(current) == 6
        assert security.otp_ok("key", PRIMARY, current, conn)
        assert security.otp_ok("key", PRIMARY, previous, conn)
        stale = security.otp("key", PRIMARY, now - 120)
        if stale not in (current, previous):
            assert not security.otp_ok("key", PRIMARY, stale, conn)
        assert not security.otp_ok("other-key", PRIMARY, current + "0", conn)


def test_reset_keeps_secrets_and_zeroes_clock(tmp_path):
    """Reset wipes world state and the clock offset but not the generated secrets."""
    path = str(tmp_path / "s.sqlite3")
    store.init_db(path)
    key = store.secret(path, "session_secret")
    with closing(store.connect(path)) as conn:
        store.advance_clock(conn, 3600)
        store.reset(conn)
        assert store.meta(conn, "clock_offset_s") == "0"
    assert store.secret(path, "session_secret") == key


def test_loopback_detection():
    """Only 127.0.0.0/8 and ::1 (also IPv4-mapped) count as loopback."""
    for addr in ("127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1"):
        assert security.is_loopback(addr)
    for addr in ("10.1.2.3", "::ffff:10.0.0.1", "2001:db8::1", "", None, "localhost"):
        assert not security.is_loopback(addr)


def test_extra_registered_redirect_uris(tmp_path):
    """SANDBOX_REDIRECT_URIS registers more redirect URIs (and allows their origin in CSP)."""
    extra = "https://asc.example.com/amazon/callback"
    config = {"SANDBOX_DB_PATH": str(tmp_path / "s.sqlite3"), "SANDBOX_REDIRECT_URIS": [extra]}
    client = create_app(config).test_client()
    query = {"application_id": world.APPLICATION_ID, "state": "s", "version": "beta"}
    ok = client.get("/sandbox/sellercentral/us/apps/authorize/consent",
                    query_string={**query, "redirect_uri": extra})  # fmt: skip
    assert ok.status_code == 302
    assert "https://asc.example.com" in ok.headers["Content-Security-Policy"]
    other = client.get("/sandbox/sellercentral/us/apps/authorize/consent",
                       query_string={**query, "redirect_uri": extra + "/x"})  # fmt: skip
    assert other.status_code == 400 and b"MD5101" in other.data


def test_buckets_are_per_seller_and_application(tmp_path):
    """Each (seller, application) pair has its own bucket, refilled on the sandbox clock."""
    path = str(tmp_path / "s.sqlite3")
    store.init_db(path)
    with closing(store.connect(path)) as conn:
        assert throttle.take(conn, "S1", "app-a", 0.5, 1)
        assert not throttle.take(conn, "S1", "app-a", 0.5, 1)
        assert throttle.take(conn, "S1", "app-b", 0.5, 1)
        assert throttle.take(conn, "S2", "app-a", 0.5, 1)
        store.advance_clock(conn, 2)
        assert throttle.take(conn, "S1", "app-a", 0.5, 1)
        store.advance_clock(conn, -3600)
        assert not throttle.take(conn, "S1", "app-a", 0.5, 1), "moving back adds nothing"
