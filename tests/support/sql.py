"""Watching the SQL an app sends: statements per request, and how SQLite plans them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import event

from asc_web.extensions import db


@contextlib.contextmanager
def counting(app) -> Iterator[list[tuple[str, object]]]:
    """Record (statement, parameters) of every statement sent while the block runs
    (``BEGIN`` is transaction control, not a statement)."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args):
        if not statement.lstrip().upper().startswith("BEGIN"):
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def sqlite_plan(app, statement: str, parameters) -> list[tuple[bool, str]]:
    """SQLite's ``EXPLAIN QUERY PLAN`` of a recorded statement: (top level?, step) per step
    (not top level: inside a subquery, a CTE or a compound part)."""
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            rows = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        finally:
            raw.close()
    return [(parent == 0, detail) for _id, parent, _unused, detail in rows]


def page_ids_plan(plan: list[tuple[bool, str]]) -> list[str]:
    """The steps reading a page's ids: the home page reads the ids of one page in a subquery
    (``WHERE id IN (SELECT id … LIMIT … OFFSET …)``), then their 24 rows, sorted again."""
    start = next(n for n, (top, line) in enumerate(plan) if top and "LIST SUBQUERY" in line)
    steps = []
    for top, line in plan[start + 1 :]:
        if top:
            break
        steps.append(line)
    return steps
