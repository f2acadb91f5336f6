"""Amazon's failures as one exception type, and what to tell the merchant about them."""

from __future__ import annotations

TRANSIENT_CODES = {
    "server_error",
    "temporarily_unavailable",
    "timeout",
    "connection",
    "throttled",
    "QuotaExceeded",
}
CONFIGURATION_CODES = {
    "invalid_client",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_request",
    "invalid_scope",
}


class AmazonError(Exception):
    """A call to Amazon failed: ``code`` is Amazon's error code (or our own for transport)."""

    def __init__(
        self,
        operation: str,
        code: str,
        description: str = "",
        status: int | None = None,
        rate_limit: float | None = None,
    ):
        super().__init__(f"{operation}: {code} {description}".strip())
        self.operation = operation
        self.code = code
        self.description = description
        self.status = status
        # Amazon's x-amzn-RateLimit-Limit (requests per second) when it sent one.
        self.rate_limit = rate_limit

    @property
    def transient(self) -> bool:
        """Worth trying again later: timeouts, 5xx, throttling."""
        if self.code in TRANSIENT_CODES:
            return True
        return self.status is not None and (self.status >= 500 or self.status == 429)

    @property
    def configuration(self) -> bool:
        """The app's own settings are wrong (client id, secret, grant): an admin must fix it."""
        return self.code in CONFIGURATION_CODES

    @property
    def authorization(self) -> bool:
        """Amazon no longer accepts the grant: the store must be reconnected."""
        return self.code in ("invalid_grant", "Unauthorized")


def merchant_message(error: AmazonError) -> str:
    """A plain sentence for the merchant that says what happened and what to do next."""
    if error.code == "invalid_grant" and error.operation == "token_exchange":
        return (
            "Amazon did not accept the sign-in result: it expired or was already used. "
            "Start again from the store card."
        )
    if error.authorization:
        return (
            "Amazon reports that the authorization was revoked or has expired — "
            "reconnect the store."
        )
    if error.configuration:
        return (
            "ASC Web's connection to Amazon is not configured correctly. "
            "Contact your administrator; the details are in the Communication Errors Log."
        )
    if error.status == 429 or error.code in ("throttled", "QuotaExceeded"):
        return (
            "Amazon asked ASC Web to slow down: too many requests for this seller just now. "
            "Nothing was changed; try again in a minute."
        )
    if error.code == "timeout":
        return "Amazon did not answer in time. Nothing was changed; try again in a few minutes."
    if error.transient:
        return "Amazon is not available right now. Nothing was changed; try again later."
    return f"Amazon refused the request ({error.code}). Nothing was changed; try again later."
