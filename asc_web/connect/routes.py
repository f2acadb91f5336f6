"""Starting an authorization with Amazon and receiving its callback."""

from __future__ import annotations

from flask import flash, redirect, url_for

from ..auth.wall import require_role
from . import bp


@bp.post("/stores/<int:store_id>/connect")
@require_role("admin", "manager")
def start(store_id: int):
    """Start connecting the store to Seller Central (placeholder until the flow lands)."""
    flash("Connecting to Amazon is not available yet.", "warning")
    return redirect(url_for("stores.home"), 303)
