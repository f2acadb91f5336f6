"""The Pre-Setup Tasks: what a merchant prepares before listing on Amazon, ticked per install."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import PreSetupTask, User


@dataclass(frozen=True)
class Task:
    """One item of the checklist."""

    key: str
    title: str
    detail: str


TASKS = (
    Task(
        "seller_account",
        "Amazon Seller Central professional account",
        "A professional selling account for North America (United States, Canada, Mexico) "
        "or the United Kingdom.",
    ),
    Task(
        "primary_user",
        "Primary user's sign-in details",
        "Only the account's primary user can authorize ASC Web, with two-step verification.",
    ),
    Task(
        "approved_seller",
        "Approved seller with return, tax and shipping policies",
        "Amazon has approved the account, and its return, tax and shipping policies are set.",
    ),
    Task(
        "uk_vat",
        "VAT registration for the United Kingdom",
        "Selling in the United Kingdom needs a VAT number entered in Seller Central.",
    ),
    Task(
        "identifier_attributes",
        "Product identifier attributes in your catalog",
        "Your products carry an Amazon identifier: ASIN, EAN, ISBN, UPC or GCID.",
    ),
    Task(
        "currency",
        "Currency and exchange rates",
        "Each marketplace's currency is allowed in Magento, with current exchange rates.",
    ),
    Task(
        "condition_attribute",
        "A condition attribute",
        "A product attribute says whether an item is new, used, refurbished or collectible.",
    ),
    Task(
        "shipping_settings",
        "Shipping settings in Seller Central",
        "Shipping templates and regions are set up in Seller Central for each marketplace.",
    ),
)
BY_KEY = {task.key: task for task in TASKS}


@dataclass(frozen=True)
class Checklist:
    """The tasks with their ticks, in order."""

    items: list[tuple[Task, bool]]

    @property
    def done(self) -> int:
        """How many tasks are ticked off."""
        return sum(1 for _, ticked in self.items if ticked)

    @property
    def progress(self) -> str:
        """A sentence such as "3 of 8 tasks done"."""
        return f"{self.done} of {len(self.items)} tasks done"


def checklist() -> Checklist:
    """Every task and whether this install ticked it off."""
    ticked = set(db.session.scalars(select(PreSetupTask.key).where(PreSetupTask.done)))
    return Checklist([(task, task.key in ticked) for task in TASKS])


def set_done(key: str, done: bool, user: User | None) -> None:
    """Tick a task off (or on again) for the whole install; ``KeyError`` for an unknown task."""
    BY_KEY[key]  # noqa: B018 - only known tasks are stored
    try:
        with db.session.begin_nested():
            _save(key, done, user)
    except IntegrityError:
        # Someone ticked the same task for the first time at the same moment: update theirs.
        _save(key, done, user)


def _save(key: str, done: bool, user: User | None) -> None:
    """Write one task's tick, inserting its row the first time."""
    row = db.session.get(PreSetupTask, key, with_for_update=True, populate_existing=True)
    if row is None:
        row = PreSetupTask(key=key)
        db.session.add(row)
    row.done = done
    row.updated_at = clock.utcnow()
    row.updated_by_id = user.id if user else None
    db.session.flush()
