"""Login with Amazon (LWA) token endpoint: exchange an authorization code, refresh a token."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from .errors import AmazonError
from .http import Timeouts, call_with_one_retry, user_agent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LwaClient:
    """The app's LWA credentials and token endpoint."""

    client_id: str
    client_secret: str
    token_url: str
    timeouts: Timeouts = Timeouts()

    def __repr__(self) -> str:
        return f"LwaClient(client_id={self.client_id!r}, token_url={self.token_url!r})"


@dataclass(frozen=True)
class Tokens:
    """What LWA returned: a one-hour access token and the long-lived refresh token."""

    access_token: str
    refresh_token: str
    expires_in: int

    def __repr__(self) -> str:
        return f"Tokens(expires_in={self.expires_in})"


def exchange_code(client: LwaClient, code: str, redirect_uri: str | None) -> Tokens:
    """Exchange ``spapi_oauth_code`` for tokens (``grant_type=authorization_code``).

    ``redirect_uri`` is listed by Amazon's reference but omitted from its example: sent
    when given.
    """
    extra = {"redirect_uri": redirect_uri} if redirect_uri else {}
    return _fetch(client, "token_exchange", grant_type="authorization_code", code=code, **extra)


def refresh(client: LwaClient, refresh_token: str) -> Tokens:
    """Get a fresh access token for a stored refresh token."""
    return _fetch(client, "token_refresh", grant_type="refresh_token",
                  refresh_token=refresh_token)  # fmt: skip


def _fetch(client: LwaClient, operation: str, **params) -> Tokens:
    """POST the form to the token endpoint and map every failure to ``AmazonError``."""
    seen: dict = {}

    def remember(resp):
        seen["response"] = resp
        if resp.status_code >= 400:
            try:
                body = resp.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or "error" not in body:
                # Not an OAuth error body (a 429 or 5xx page, say): authlib would take
                # it for a token. LWA's own {"error": ...} bodies go on to OAuthError.
                raise _from_response(operation, resp)
        return resp

    def send():
        with OAuth2Session(
            client.client_id,
            client.client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
        ) as session:
            session.headers["User-Agent"] = user_agent()
            session.register_compliance_hook("access_token_response", remember)
            return session.fetch_token(
                client.token_url, timeout=client.timeouts.as_tuple(), **params
            )

    try:
        token = call_with_one_retry(operation, send)
    except OAuthError as exc:
        status = getattr(seen.get("response"), "status_code", None)
        raise AmazonError(operation, exc.error or "error", exc.description or "", status) from None
    except (requests.exceptions.HTTPError, ValueError):
        raise _from_response(operation, seen.get("response")) from None
    log.debug("LWA %s succeeded (expires_in=%s)", operation, token.get("expires_in"))
    return Tokens(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token") or params.get("refresh_token", ""),
        expires_in=int(token.get("expires_in", 3600)),
    )


def _from_response(operation: str, response) -> AmazonError:
    """Build an error from a non-JSON or 5xx token endpoint response."""
    status = getattr(response, "status_code", None)
    code, description = f"http_{status}", ""
    try:
        body = response.json()
        code = body.get("error", code)
        description = body.get("error_description", "")
    except (ValueError, AttributeError):
        pass
    if status == 429 and code.startswith("http_"):
        code = "throttled"
    return AmazonError(operation, code, description, status)
