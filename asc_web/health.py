"""Liveness: ``GET /healthz`` answers after one database round trip."""

from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """Report ``ok`` when the database answers, 503 with a reason when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.session.rollback()
        log.warning("Health check: database unreachable (%s)", type(exc).__name__)
        return {"status": "unavailable", "reason": "database unreachable"}, 503
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}
