"""Authorization codes, refresh tokens and access tokens, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from typing import NamedTuple

from . import settings, store, world


class Tokens(NamedTuple):
    """What the token endpoint hands out."""

    access_token: str
    refresh_token: str


class Access(NamedTuple):
    """The outcome of checking an access token: seller and client, or why it was refused."""

    seller_id: str | None
    reason: str
    client_id: str | None = None


def digest(token: str) -> str:
    """Hash a code or token so the database never holds one in clear."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_code(conn: sqlite3.Connection, client_id: str, redirect_uri: str, seller_id: str) -> str:
    """Create a single-use spapi_oauth_code bound to client, redirect URI and seller."""
    code = "AN" + secrets.token_urlsafe(15).replace("-", "x").replace("_", "y")
    with store.transaction(conn):
        conn.execute(
            "INSERT INTO auth_codes VALUES (?, ?, ?, ?, ?, NULL)",
            (digest(code), client_id, redirect_uri, seller_id, store.now(conn) + world.CODE_TTL_S),
        )
        store.bump(conn, "consents")
    return code


def redeem_code(
    conn: sqlite3.Connection, code: str, client_id: str, redirect_uri: str | None
) -> Tokens | None:
    """Exchange a code for tokens; a redirect_uri, when sent, must be the code's own."""
    with store.transaction(conn):
        now = store.now(conn)
        row = conn.execute(
            "SELECT seller_id FROM auth_codes WHERE code_hash = ? AND used_at IS NULL"
            " AND expires_at > ? AND client_id = ? AND (? IS NULL OR redirect_uri = ?)",
            (digest(code), now, client_id, redirect_uri, redirect_uri),
        ).fetchone()
        if row is None:
            return None
        conn.execute("UPDATE auth_codes SET used_at = ? WHERE code_hash = ?", (now, digest(code)))
        seller_id = row["seller_id"]
        region = conn.execute(
            "SELECT region FROM sellers WHERE seller_id = ?", (seller_id,)
        ).fetchone()["region"]
        # Amazon: "Generating a new refresh token does not invalidate previous refresh
        # tokens". Strict mode (a setting) retires them, for apps that must not rely on that.
        if settings.load(conn).retire_previous_tokens:
            conn.execute(
                "UPDATE authorizations SET replaced_at = ? WHERE seller_id = ? AND client_id = ?"
                " AND replaced_at IS NULL",
                (now, seller_id, client_id),
            )
        refresh = "Atzr|" + secrets.token_urlsafe(96)
        cur = conn.execute(
            "INSERT INTO authorizations (seller_id, client_id, region, refresh_hash,"
            " authorized_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (seller_id, client_id, region, digest(refresh), now, now + world.REFRESH_TTL_S),
        )
        access = _new_access(conn, cur.lastrowid, seller_id, region, now)
    return Tokens(access, refresh)


def refresh_access(conn: sqlite3.Connection, refresh_token: str, client_id: str) -> str | None:
    """Return a new access token for a live refresh token of this client, else None."""
    with store.transaction(conn):
        now = store.now(conn)
        row = conn.execute(
            "SELECT id, seller_id, region FROM authorizations WHERE refresh_hash = ?"
            " AND client_id = ? AND revoked_at IS NULL AND replaced_at IS NULL"
            " AND expires_at > ?",
            (digest(refresh_token), client_id, now),
        ).fetchone()
        if row is None:
            return None
        return _new_access(conn, row["id"], row["seller_id"], row["region"], now)


def _new_access(
    conn: sqlite3.Connection, authorization_id: int | None, seller_id: str, region: str, now: float
) -> str:
    """Store and return a fresh one-hour access token (inside a transaction)."""
    token = "Atza|" + secrets.token_urlsafe(96)
    conn.execute(
        "INSERT INTO access_tokens VALUES (?, ?, ?, ?, ?)",
        (digest(token), authorization_id, seller_id, region, now + world.ACCESS_TTL_S),
    )
    return token


def check_access(conn: sqlite3.Connection, token: str, region: str) -> Access:
    """Say which seller an access token speaks for in this region, or why it is refused."""
    if not token:
        return Access(None, "Access token is missing in the request header.")
    row = conn.execute(
        "SELECT t.seller_id, t.region, t.expires_at, a.revoked_at, a.client_id"
        " FROM access_tokens t"
        " JOIN authorizations a ON a.id = t.authorization_id WHERE t.token_hash = ?",
        (digest(token),),
    ).fetchone()
    if row is None or row["revoked_at"] is not None:
        return Access(None, "The access token you provided is revoked, malformed or invalid.")
    if row["expires_at"] <= store.now(conn):
        return Access(None, "The access token you provided has expired.")
    if row["region"] != region.upper():
        return Access(None, "The access token you provided is not valid for this region.")
    return Access(row["seller_id"], "", row["client_id"])


def revoke_seller(
    conn: sqlite3.Connection, seller_id: str, client_id: str = world.CLIENT_ID
) -> int:
    """Revoke all the seller's authorizations of an app; their tokens stop working at once."""
    with store.transaction(conn):
        cur = conn.execute(
            "UPDATE authorizations SET revoked_at = ? WHERE seller_id = ? AND client_id = ?"
            " AND revoked_at IS NULL",
            (store.now(conn), seller_id, client_id),
        )
    return cur.rowcount


def seller_apps(conn: sqlite3.Connection, seller_id: str) -> list[sqlite3.Row]:
    """Return every app with the seller's live refresh tokens: count, latest dates."""
    return conn.execute(
        "SELECT p.application_id, p.name, p.client_id, p.is_draft, COUNT(a.id) AS live,"
        " MAX(a.authorized_at) AS authorized_at, MAX(a.expires_at) AS expires_at"
        " FROM applications p LEFT JOIN authorizations a ON a.client_id = p.client_id"
        " AND a.seller_id = ? AND a.revoked_at IS NULL AND a.replaced_at IS NULL"
        " AND a.expires_at > ? GROUP BY p.application_id ORDER BY p.name",
        (seller_id, store.now(conn)),
    ).fetchall()
