"""SQL statements per request: each endpoint once in-process, counted at the engine."""

from __future__ import annotations

import re

from sqlalchemy import event

from . import USER_AGENT
from .client import Endpoint
from .data import Dataset

CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


class Counter:
    """Counts statements sent to the database; ``BEGIN`` is transaction control, not a query."""

    def __init__(self):
        self.count = 0

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        """Count one statement (the ``before_cursor_execute`` hook)."""
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.count += 1


def count(dataset: Dataset, endpoints: list[Endpoint], form: str) -> dict[str, int | None]:
    """Statements per request for each endpoint (``None`` when it does not answer 2xx/3xx).

    Each request runs twice and the second is counted, so first-use work does not count.
    """
    from asc_web import create_app
    from asc_web.extensions import db

    app = create_app(dataset.settings.config())
    with app.app_context():
        engine = db.engine
    counter = Counter()
    results: dict[str, int | None] = {}
    # Requests run outside any app context: each gets its own, and so its own session,
    # exactly as under gunicorn (an outer context would share one identity map).
    event.listen(engine, "before_cursor_execute", counter)
    try:
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
        _sign_in(client, dataset)
        token = CSRF_META.search(client.get("/").data).group(1).decode()
        for n, endpoint in enumerate(endpoints):
            results[endpoint.key] = _count_one(client, counter, endpoint, token, form, n)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        engine.dispose()
    return results


def _count_one(client, counter: Counter, endpoint: Endpoint, token: str, form: str, n: int):
    """Statements of the second of two identical requests; ``None`` unless it succeeded."""
    headers = {"X-CSRFToken": token}
    if endpoint.htmx:
        headers["HX-Request"] = "true"
    status = 0
    for attempt in range(2):
        counter.count = 0
        if endpoint.method == "POST":
            body = f"name=Bench+count+{n}+{attempt}&country=UK&{form}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            status = client.post(endpoint.path, data=body, headers=headers).status_code
        else:
            status = client.get(endpoint.path, headers=headers).status_code
    return counter.count if status < 400 else None


def _sign_in(client, dataset: Dataset) -> None:
    """Sign in through the form, as the live runs do."""
    page = client.get("/login")
    token = CSRF_META.search(page.data).group(1).decode()
    settings = dataset.settings
    data = {"email": settings.admin_email, "password": settings.admin_password, "csrf_token": token}
    done = client.post("/login", data=data)
    if done.status_code != 303:
        raise RuntimeError(f"In-process sign-in failed with HTTP {done.status_code}.")
