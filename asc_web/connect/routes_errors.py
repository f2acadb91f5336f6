"""The Communication Errors Log: Amazon's errors per store, and across stores for admins."""

from __future__ import annotations

from flask import render_template, request, url_for
from sqlalchemy import select

from ..auth.wall import require_admin
from ..extensions import db
from ..models import CommunicationError, Store
from ..stores import store_or_404
from ..web import query_int
from . import bp, errors_queries

PAGE_SIZE = 50


def _filtered(query, store_id: int | None):
    """Apply the operation and code filters from the query string."""
    if store_id is not None:
        query = query.where(CommunicationError.store_id == store_id)
    operation = request.args.get("operation", "").strip()
    code = request.args.get("code", "").strip()
    if operation:
        query = query.where(CommunicationError.operation == operation)
    if code:
        query = query.where(CommunicationError.code == code)
    return query


def _page(store_id: int | None):
    """One page of errors, newest first, with the store names (one query) and a total
    (capped: "1,000+")."""
    page = max(query_int("page") or 1, 1)
    base = _filtered(
        select(CommunicationError, Store.name).outerjoin(
            Store, Store.id == CommunicationError.store_id
        ),
        store_id,
    )
    rows = db.session.execute(
        base.order_by(CommunicationError.created_at.desc(), CommunicationError.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = _filtered(select(CommunicationError.id), store_id)
    total = errors_queries.count(ids, at_least=page * PAGE_SIZE)
    return rows, total, page


def _older_url(total: int, page: int) -> str | None:
    """The link to the next (older) page, keeping the filters, if there is one."""
    if total <= page * PAGE_SIZE:
        return None
    # Only the filters travel: other arguments (``endpoint``, ``_external``…) mean url_for's own.
    args = {key: request.args[key] for key in ("operation", "code") if request.args.get(key)}
    args.update(request.view_args or {}, page=page + 1)
    return url_for(request.endpoint, **args)


def _operations() -> list[str]:
    """The operations seen so far, for the filter."""
    return errors_queries.operations()


@bp.get("/errors")
@require_admin
def errors_log():
    """Every Amazon error across stores (admins)."""
    rows, total, page = _page(None)
    return render_template(
        "connect/errors.html", rows=rows, total=total, page=page, store=None,
        operations=_operations(), older_url=_older_url(total, page),
    )  # fmt: skip


@bp.get("/stores/<int:store_id>/errors")
def store_errors(store_id: int):
    """The Amazon errors of one store."""
    store = store_or_404(store_id)
    rows, total, page = _page(store.id)
    return render_template(
        "connect/errors.html", rows=rows, total=total, page=page, store=store,
        operations=_operations(), older_url=_older_url(total, page),
    )  # fmt: skip
