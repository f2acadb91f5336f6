"""Store operations: plain arguments in, flush, and the caller commits once per request."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, delete, literal_column, select, union_all, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..amazon.marketplaces import MARKETPLACES
from ..extensions import db
from ..models import (
    Authorization,
    CommunicationError,
    ProductAttribute,
    Store,
    StoreActivity,
    User,
    Website,
)
from . import names

log = logging.getLogger(__name__)

# How the activity list words each action; unknown actions fall back to their own name.
ACTION_LABELS = {
    "created": "Created the store",
    "settings_changed": "Changed the settings",
    "activated": "Activated the store",
    "deactivated": "Deactivated the store",
    "connected": "Connected the store to Seller Central",
    "renewed": "Renewed the authorization",
    "reconnected": "Reconnected the store to Seller Central",
    "connect_failed": "Connection attempt failed",
    "connect_cancelled": "Stopped waiting for Seller Central",
    "connect_abandoned": "Left Seller Central without finishing",
    "connect_expired": "Connection attempt expired",
    "connect_restarted": "Started connecting again",
    "disconnected": "Disconnected the store from Seller Central",
}


class StoreNameTaken(Exception):
    """Another store already has this name (compared case-insensitively, normalised)."""

    def __init__(self, existing_name: str):
        super().__init__(taken_message(existing_name))
        self.existing_name = existing_name


class StoreNameRefused(Exception):
    """The name breaks the name rules (``names.problem``); the message says which."""


class ChoiceGone(Exception):
    """A website or attribute chosen on the form was removed meanwhile."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class StoreGone(Exception):
    """The store was deleted meanwhile (by someone else or another tab)."""


def taken_message(existing_name: str) -> str:
    """The inline message for a name that clashes with ``existing_name``."""
    return f"A store named “{existing_name}” already exists. Choose another name for this store."


def find_by_name(name: str, exclude_id: int | None = None) -> Store | None:
    """The store whose folded name equals ``name`` folded, other than ``exclude_id``."""
    query = select(Store).where(Store.name_key == names.fold(name))
    if exclude_id is not None:
        query = query.where(Store.id != exclude_id)
    return db.session.scalar(query)


def record_activity(
    store: Store, user: User | int | None, action: str, detail: str = ""
) -> StoreActivity:
    """Add a line to the store's activity list: what happened, and who did it."""
    user_id = user.id if isinstance(user, User) else user
    entry = StoreActivity(store_id=store.id, user_id=user_id, action=action, detail=detail)
    db.session.add(entry)
    db.session.flush()
    return entry


def action_label(action: str) -> str:
    """The activity list's words for ``action``."""
    return ACTION_LABELS.get(action) or action.replace("_", " ").capitalize()


def create_store(
    *,
    name: str,
    email: str,
    marketplace_code: str,
    website_id: int,
    product_id_type: str,
    attribute_id: int,
    user: User | None,
) -> Store:
    """Add a store under the name rules (``StoreNameRefused``); raise ``StoreNameTaken`` or
    ``ChoiceGone`` if another store has the name or a concurrent change won."""
    name = names.clean(name)
    problem = names.problem(name)
    if problem:
        raise StoreNameRefused(problem)
    store = Store(
        name=name,
        name_key=names.fold(name),
        email=email,
        marketplace_code=marketplace_code,
        website_id=website_id,
        product_id_type=product_id_type,
        attribute_id=attribute_id,
        created_by_id=user.id if user else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(store)
            db.session.flush()
    except IntegrityError:
        # Two identical requests at once: the unique name_key lets exactly one through.
        _explain_refusal(name, website_id, attribute_id)
        raise
    country = MARKETPLACES[marketplace_code].country
    detail = (
        f"{country}; listing {store.website.name}; {product_id_type} from {store.attribute.label}."
    )
    record_activity(store, user, "created", detail)
    log.info("Store %s created by user %s", store.id, store.created_by_id)
    return store


def _explain_refusal(name: str, website_id: int, attribute_id: int) -> None:
    """Raise the merchant-facing reason the database refused a new store, if there is one."""
    existing = find_by_name(name)
    if existing is not None:
        raise StoreNameTaken(existing.name)
    if db.session.get(Website, website_id) is None:
        raise ChoiceGone("website", "This website was just removed. Choose another website.")
    if db.session.get(ProductAttribute, attribute_id) is None:
        raise ChoiceGone("attribute", "This attribute was just removed. Choose another one.")


def update_settings(
    store: Store,
    *,
    name: str,
    email: str,
    user: User | None,
    email_reminders: bool | None = None,
) -> list[str]:
    """Change the store's name, email and reminder choice (None: unchanged); return what
    changed (empty when nothing did)."""
    changes = []
    if name != store.name:
        changes.append(f"Store name changed from “{store.name}” to “{name}”.")
    if email != store.email:
        changes.append(f"Email address changed from {store.email} to {email}.")
    if email_reminders is not None and email_reminders != store.email_reminders:
        changes.append(f"Email reminders turned {'on' if email_reminders else 'off'}.")
    else:
        email_reminders = store.email_reminders
    if not changes:
        return []
    try:
        with db.session.begin_nested():
            store.name, store.name_key, store.email = name, names.fold(name), email
            store.email_reminders = email_reminders
            db.session.flush()
    except IntegrityError:
        existing = find_by_name(name, exclude_id=store.id)
        if existing is not None:
            raise StoreNameTaken(existing.name) from None
        raise
    record_activity(store, user, "settings_changed", " ".join(changes))
    return changes


def set_active(store: Store, active: bool, user: User | None) -> bool:
    """Activate or pause the store; return False when it already was in that state."""
    # A conditional UPDATE: of two simultaneous clicks, only one records the change.
    result = db.session.execute(
        update(Store)
        .where(Store.id == store.id, Store.active == (not active))
        .values(active=active, updated_at=clock.utcnow())
    )
    if result.rowcount == 0:
        return False
    record_activity(store, user, "activated" if active else "deactivated")
    return True


def delete_store(store: Store, user: User | None) -> None:
    """Remove the store with its attempts and activity (the database cascades); an Amazon
    authorization no other store uses goes too, with its tokens."""
    authorization_id = store.authorization_id
    result = db.session.execute(delete(Store).where(Store.id == store.id))
    if result.rowcount == 0:
        raise StoreGone()
    if authorization_id is not None:
        Authorization.delete_if_unused(authorization_id)
    log.info("Store %s deleted by user %s", store.id, user.id if user else None)


class ActivityEntry(NamedTuple):
    """One of the store's activity entries (``user_email`` None: done by ASC Web itself)."""

    created_at: datetime
    action: str
    detail: str
    user_email: str | None


class ErrorEntry(NamedTuple):
    """One of the store's communication errors, as the dashboard lists them."""

    created_at: datetime
    operation: str
    code: str
    description: str


class History(NamedTuple):
    """The store's latest activity and communication errors, each newest first."""

    activity: list[ActivityEntry]
    errors: list[ErrorEntry]


def _newest(kind: str, model, *columns, join=None):
    """The store's newest rows of ``model`` as (kind, id, created_at, *columns)."""
    query = select(literal_column(f"'{kind}'").label("kind"), model.id, model.created_at, *columns)
    if join is not None:
        query = query.outerjoin(*join)
    return (
        query.where(model.store_id == bindparam("store_id"))
        .order_by(model.created_at.desc(), model.id.desc())
        .limit(bindparam(f"{kind}_limit"))
        .subquery()
    )


# The dashboard runs this on every view: both lists in one statement, each its own indexed
# read of the newest rows (store, time, id) and limit; built once (the values are parameters).
_HISTORY = union_all(
    select(_newest("activity", StoreActivity, StoreActivity.action, StoreActivity.detail,
                   User.email, join=(User, User.id == StoreActivity.user_id))),
    select(_newest("error", CommunicationError, CommunicationError.operation,
                   CommunicationError.code, CommunicationError.description)),
)  # fmt: skip


def history(store_id: int, activity: int = 50, errors: int = 3) -> History:
    """The store's latest ``activity`` entries and ``errors`` communication errors."""
    rows = db.session.execute(
        _HISTORY, {"store_id": store_id, "activity_limit": activity, "error_limit": errors}
    ).all()
    # A union's rows come in no promised order: each list is put newest first again.
    rows.sort(key=lambda row: (row.created_at, row.id), reverse=True)
    return History(
        [ActivityEntry(*row[2:]) for row in rows if row.kind == "activity"],
        [ErrorEntry(*row[2:]) for row in rows if row.kind == "error"],
    )
