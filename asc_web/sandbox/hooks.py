"""Test hooks (loopback only, off in production): revoke, fail, clock, settings, reset, stats."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.wrappers import Response

from . import faults, grants, operations, security, settings, store
from .store import get_db

bp = Blueprint("sandbox_hooks", __name__)


@bp.before_request
def _loopback_only() -> None:
    """Hide the hooks from anything but the local machine, also behind a local proxy."""
    proxies = current_app.config["SANDBOX_TRUSTED_PROXIES"]
    client = security.forwarded_client(
        request.remote_addr, request.headers.get("X-Forwarded-For"), proxies
    )
    # Both must be local: the peer (a proxy here) and the client it relays for. The sandbox
    # sits outside the main app's ProxyFix, so a relayed outsider arrives from 127.0.0.1.
    if not (security.is_loopback(request.remote_addr) and security.is_loopback(client)):
        abort(404)


def bad(message: str) -> Response:
    """Answer 400 with a JSON message for a malformed hook call."""
    response = jsonify({"error": message})
    response.status_code = 400
    return response


def _body() -> dict:
    """Return the JSON object sent to the hook (an empty body counts as {})."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _number(value: object) -> float | None:
    """Return a finite number from JSON (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


@bp.post("/revoke")
def revoke() -> Response:
    """Revoke the authorizations of our app by the seller of the given user."""
    email = str(_body().get("email", ""))
    conn = get_db()
    user = conn.execute("SELECT seller_id FROM users WHERE lower(email) = lower(?)", (email,))
    row = user.fetchone()
    if row is None:
        return bad(f"unknown sandbox user: {email!r}")
    count = grants.revoke_seller(conn, row["seller_id"])
    return jsonify({"seller_id": row["seller_id"], "revoked": count})


@bp.post("/fail")
def fail() -> Response:
    """Make the next `count` calls of an endpoint fail (status/error) and/or answer late."""
    body = _body()
    endpoint = body.get("endpoint")
    if endpoint not in faults.ENDPOINTS:
        return bad(f"endpoint must be one of {', '.join(faults.ENDPOINTS)}")
    status, error = body.get("status"), body.get("error")
    if status is not None and (not isinstance(status, int) or not 400 <= status <= 599):
        return bad("status must be an HTTP error status (400-599)")
    if error is not None and (not isinstance(error, str) or not error):
        return bad("error must be a non-empty string")
    if error is not None and endpoint == "token" and error not in faults.LWA_ERRORS:
        return bad(f"error must be one of {sorted(faults.LWA_ERRORS)}")
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return bad("count must be a positive integer")
    delay = _number(body.get("delay_s", 0))
    if delay is None or delay < 0:
        return bad("delay_s must be a non-negative number")
    if status is None and error is None and delay == 0:
        return bad("give a status, an error or a delay_s")
    fault = faults.Fault(status, error, delay)
    faults.add(get_db(), endpoint, fault, count)
    return jsonify({"endpoint": endpoint, **fault._asdict(), "count": count})


@bp.post("/clock")
def clock() -> Response:
    """Move the sandbox clock by advance_days and/or advance_seconds."""
    body = _body()
    days = _number(body.get("advance_days", 0))
    seconds = _number(body.get("advance_seconds", 0))
    if days is None or seconds is None:
        return bad("advance_days and advance_seconds must be numbers")
    conn = get_db()
    offset = store.advance_clock(conn, days * 86400 + seconds, _clock_file())
    return jsonify({"offset_s": offset, "now": _iso(store.now(conn))})


@bp.post("/settings")
def change_settings() -> Response:
    """Change any of the settings (strict token mode, Sellers API limits); answer all of them."""
    try:
        changes = settings.parse(request.get_json(silent=True))
    except ValueError as exc:
        return bad(str(exc))
    return jsonify(settings.update(get_db(), changes)._asdict())


@bp.post("/reset")
def reset() -> Response:
    """Wipe and reseed the world; default settings, and the clock back to real time."""
    conn = get_db()
    store.reset(conn, _clock_file())
    return jsonify({"reset": True, "now": _iso(store.now(conn))})


@bp.get("/stats")
def stats() -> Response:
    """Report counts of consents, token calls by grant and Sellers API calls, and settings."""
    conn = get_db()
    counts = store.counters(conn)
    live = conn.execute(
        "SELECT COUNT(*) AS n FROM authorizations WHERE revoked_at IS NULL AND replaced_at IS NULL"
    ).fetchone()["n"]
    unexpired = conn.execute(
        "SELECT COUNT(*) AS n FROM authorizations WHERE revoked_at IS NULL AND replaced_at IS NULL"
        " AND expires_at > ?",
        (store.now(conn),),
    ).fetchone()["n"]
    return jsonify(
        {
            "consents": counts.get("consents", 0),
            "token_calls": {
                "authorization_code": counts.get("token:authorization_code", 0),
                "refresh_token": counts.get("token:refresh_token", 0),
                "other": counts.get("token:other", 0),
            },
            "sellers_calls": counts.get("sellers", 0),
            "sellers_throttled": counts.get("sellers:throttled", 0),
            "authorizations": live,
            "refresh_tokens_live": unexpired,
            "operations": operations.stats(counts),
            "pending_faults": faults.pending(conn),
            "clock_offset_s": store.clock_offset(conn),
            "now": _iso(store.now(conn)),
            "settings": settings.load(conn)._asdict(),
        }
    )


def _clock_file() -> str | None:
    """Return the file the console reads the sandbox clock offset from, if configured."""
    return current_app.config.get("SANDBOX_CLOCK_FILE")


def _iso(epoch: float) -> str:
    """Format sandbox epoch seconds as ISO 8601 UTC."""
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")
