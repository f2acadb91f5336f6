"""Reading htmx request headers and writing htmx response headers in one place."""

from __future__ import annotations

import json

from flask import Response, request


def is_htmx() -> bool:
    """Whether htmx sent the current request."""
    return request.headers.get("HX-Request") == "true"


def is_history_restore() -> bool:
    """Whether htmx is restoring history: that needs the full page, not a fragment."""
    return request.headers.get("HX-History-Restore-Request") == "true"


def wants_fragment() -> bool:
    """Whether to answer with a fragment: an htmx request that is not a history restore."""
    return is_htmx() and not is_history_restore()


def redirect(response: Response, url: str) -> Response:
    """Ask htmx to do a full-page navigation to ``url``."""
    response.headers["HX-Redirect"] = url
    return response


def trigger(response: Response, event: str, detail: object = True) -> Response:
    """Raise ``event`` in the browser once htmx has handled the response."""
    events = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    events[event] = detail
    response.headers["HX-Trigger"] = json.dumps(events)
    return response
