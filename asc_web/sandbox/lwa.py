"""The Login with Amazon token endpoint: authorization_code and refresh_token grants."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from . import faults, grants, store, world
from .store import get_db

bp = Blueprint("sandbox_lwa", __name__)

# Required parameters. redirect_uri is optional for codes (Amazon's own example omits it);
# when sent it must match the code's.
GRANTS = {
    "authorization_code": ("code", "client_id", "client_secret"),
    "refresh_token": ("refresh_token", "client_id", "client_secret"),
}
BAD_CODE = "The request has an invalid grant parameter : code"
BAD_REFRESH = (
    "The request has an invalid grant parameter : refresh_token."
    " User may have revoked or didn't grant the permission."
)


def reply(status: int, body: dict) -> Response:
    """Answer in JSON, never cacheable (tokens and errors alike)."""
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def error(status: int, code: str, description: str) -> Response:
    """Answer with an LWA error body."""
    return reply(status, {"error": code, "error_description": description})


def _params() -> dict[str, str] | None:
    """Read the form-encoded or JSON body as strings; None when it cannot be read."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return None
        return {k: v for k, v in body.items() if isinstance(v, str)}
    return request.form.to_dict()


def _client_ok(client_id: str, client_secret: str) -> bool:
    """Check the client credentials against the registered application."""
    row = (
        get_db()
        .execute("SELECT client_secret FROM applications WHERE client_id = ?", (client_id,))
        .fetchone()
    )
    # Compare even for an unknown client so both failures take the same time.
    expected = row["client_secret"] if row is not None else "\x00unknown"
    return hmac.compare_digest(expected.encode(), client_secret.encode()) and row is not None


@bp.post("/auth/o2/token")
def token() -> Response:
    """Exchange a code or a refresh token for an access token."""
    conn = get_db()
    params = _params()
    grant = (params or {}).get("grant_type", "")
    with store.transaction(conn):
        store.bump(conn, f"token:{grant if grant in GRANTS else 'other'}")
    fault = faults.take(conn, "token")
    if fault is not None:
        faults.wait(fault)
        injected = faults.lwa_body(fault)
        if injected is not None:
            return reply(*injected)
    if params is None:
        return error(400, "invalid_request", "The request body is malformed.")
    if not grant:
        return error(
            400, "invalid_request", "The request is missing a required parameter : grant_type"
        )
    if grant not in GRANTS:
        return error(400, "unsupported_grant_type", faults.LWA_ERRORS["unsupported_grant_type"][1])
    for name in GRANTS[grant]:
        if not params.get(name):
            return error(
                400, "invalid_request", f"The request is missing a required parameter : {name}"
            )
    if not _client_ok(params["client_id"], params["client_secret"]):
        return error(401, "invalid_client", "Client authentication failed")
    if grant == "authorization_code":
        # An empty value counts as omitted (RFC 6749, section 3.1).
        redirect_uri = params.get("redirect_uri") or None
        tokens = grants.redeem_code(conn, params["code"], params["client_id"], redirect_uri)
        if tokens is None:
            return error(400, "invalid_grant", BAD_CODE)
        current_app.logger.info("sandbox LWA: code exchanged")
        return _tokens(tokens.access_token, tokens.refresh_token)
    access = grants.refresh_access(conn, params["refresh_token"], params["client_id"])
    if access is None:
        return error(400, "invalid_grant", BAD_REFRESH)
    return _tokens(access, params["refresh_token"])


def _tokens(access: str, refresh: str) -> Response:
    """Answer a successful grant in LWA's shape."""
    return reply(
        200,
        {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": world.ACCESS_TTL_S,
        },
    )
