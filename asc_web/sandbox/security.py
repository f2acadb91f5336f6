"""Small security helpers: sign-in checks, the two-step code, CSRF tokens, loopback test."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
import sqlite3
import struct

from werkzeug.security import check_password_hash

from . import store

OTP_STEP_S = 30
# Verified against when the login is unknown, so both failures cost the same time.
_DUMMY_HASH = "pbkdf2:sha256:50000$sandbox$" + "0" * 64


def find_user(conn: sqlite3.Connection, login: str) -> sqlite3.Row | None:
    """Find a user by email (any case) or mobile number (with or without +country code)."""
    login = login.strip()
    if "@" in login:
        query, value = "SELECT * FROM users WHERE lower(email) = lower(?)", login
        return conn.execute(query, (value,)).fetchone()
    digits = re.sub(r"\D", "", login)
    if not digits:
        return None
    for row in conn.execute("SELECT * FROM users"):
        phone = re.sub(r"\D", "", row["phone"])
        # Accept the national number too: +1 206... or 206..., +44 7700... or 07700...
        national = phone[1:] if phone.startswith("1") else phone[2:]
        if digits in (phone, national, "0" + national):
            return row
    return None


def authenticate(conn: sqlite3.Connection, login: str, password: str) -> sqlite3.Row | None:
    """Return the user if login and password match, else None."""
    user = find_user(conn, login)
    stored = user["password_hash"] if user is not None else _DUMMY_HASH
    ok = check_password_hash(stored, password)
    return user if ok and user is not None else None


def otp(key: str, email: str, at: float) -> str:
    """Return the 6-digit TOTP code (RFC 6238, SHA-1, 30 s) of a user at a sandbox time."""
    user_key = hmac.new(key.encode(), email.lower().encode(), hashlib.sha256).digest()
    counter = struct.pack(">Q", int(at // OTP_STEP_S))
    mac = hmac.new(user_key, counter, hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def otp_ok(key: str, email: str, code: str, conn: sqlite3.Connection) -> bool:
    """Accept the current code or the previous one (it may have rolled over while typing)."""
    code = re.sub(r"\s", "", code)
    at = store.now(conn)
    candidates = (otp(key, email, at), otp(key, email, at - OTP_STEP_S))
    return any(hmac.compare_digest(code, c) for c in candidates)


def new_csrf_token() -> str:
    """Return a fresh random token for one sandbox session."""
    return secrets.token_urlsafe(32)


def csrf_ok(expected: str | None, given: str | None) -> bool:
    """Compare the session's token with the form's in constant time."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def is_loopback(remote_addr: str | None) -> bool:
    """True for 127.0.0.0/8 and ::1 (also IPv4-mapped), false for anything else."""
    try:
        address = ipaddress.ip_address((remote_addr or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def forwarded_client(
    remote_addr: str | None, forwarded_for: str | None, proxies: int
) -> str | None:
    """Return the client address as werkzeug's ProxyFix would with `proxies` trusted hops."""
    # The proxies-th X-Forwarded-For entry from the right; with none trusted, or fewer
    # entries than proxies, the peer's own address (ProxyFix does the same).
    if proxies <= 0 or not forwarded_for:
        return remote_addr
    values = [value.strip() for value in forwarded_for.split(",")]
    return values[-proxies] if len(values) >= proxies else remote_addr
