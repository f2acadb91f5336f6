"""When a store's Amazon data is due: the writes other features make (connect, deactivate)."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import Store, StoreSync


def schedule_now(stores: list[Store], now: datetime) -> None:
    """Make these stores due at once (connected, reconnected, renewed); the caller commits."""
    for store in stores:
        row = db.session.get(StoreSync, store.id)
        if row is None:
            db.session.add(StoreSync(store_id=store.id, next_run_at=now, created_at=now))
        else:
            row.next_run_at = now
            row.last_problem = None
