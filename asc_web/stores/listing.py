"""The home page's store list: filters from the query string, one page of cards, two queries."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import raiseload

from ..amazon.marketplaces import MARKETPLACES
from ..extensions import db
from ..models import Store
from ..models.status import LABELS, Status, condition, store_status
from ..models.status import attention_count as _attention_count
from . import search

PER_PAGE = 24
MAX_QUERY_LENGTH = 100
STATUS_FILTERS = {**LABELS, "attention": "Needs attention"}
COUNTRIES = [(m.code, m.country) for m in MARKETPLACES.values()]


@dataclass(frozen=True)
class Filters:
    """What the merchant narrowed the list to; unknown values are ignored, never an error."""

    q: str = ""
    country: str = ""
    status: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read ``q``, ``country``, ``status`` and ``page`` from a request's query string."""
        country = args.get("country", "")
        status = args.get("status", "")
        page = args.get("page", "1")
        return cls(
            q=args.get("q", "").strip()[:MAX_QUERY_LENGTH],
            country=country if country in MARKETPLACES else "",
            status=status if status in STATUS_FILTERS else "",
            page=max(1, int(page)) if page.isascii() and page.isdigit() and len(page) < 7 else 1,
        )

    @property
    def active(self) -> bool:
        """Whether any filter narrows the list."""
        return bool(self.q or self.country or self.status)

    def args(self, **changes) -> dict:
        """Query-string arguments for ``url_for``, without empty values or page 1."""
        values = replace(self, **changes)
        pairs = {"q": values.q, "country": values.country, "status": values.status}
        if values.page > 1:
            pairs["page"] = values.page
        return {key: value for key, value in pairs.items() if value}


@dataclass(frozen=True)
class StorePage:
    """One page of store cards with what the page needs to describe itself."""

    cards: list[tuple[Store, Status]]
    total: int
    matching: int
    page: int
    pages: int
    filters: Filters
    attention: int = 0

    @property
    def attention_text(self) -> str:
        """The home banner's sentence."""
        return attention_text(self.attention)

    @property
    def first(self) -> int:
        """The position of the first card shown (1-based), 0 when none."""
        return (self.page - 1) * PER_PAGE + 1 if self.cards else 0

    @property
    def last(self) -> int:
        """The position of the last card shown."""
        return self.first + len(self.cards) - 1 if self.cards else 0

    @property
    def summary(self) -> str:
        """A sentence such as "Showing 25–48 of 500 stores" or "3 of 10 stores match"."""
        plural = "store" if self.total == 1 else "stores"
        if self.matching == self.total:
            counted = f"{self.total} {plural}"
        else:
            verb = "matches" if self.matching == 1 else "match"
            counted = f"{self.matching} of {self.total} {plural} {verb}"
        if self.pages == 1:
            return counted
        return f"{counted}; showing {self.first}–{self.last}"


def attention_text(count: int) -> str:
    """The home banner: "2 stores need attention" (renewal due or reconnect required)."""
    if count == 1:
        return "1 store needs attention: its Amazon authorization is ending or has ended."
    return f"{count} stores need attention: their Amazon authorizations are ending or have ended."


def attention_count(now: datetime) -> int:
    """How many stores are Renewal due or Reconnect required."""
    return _attention_count(db.session, now)


def load(filters: Filters, now: datetime) -> StorePage:
    """Count all and matching stores in one query, the attention count, then one page."""
    if filters.active:
        dialect = db.session.get_bind().dialect.name
        if filters.q and not (filters.country or filters.status):
            counting = search.count(filters.q, dialect)
        else:
            counted = _conditions(filters, now, dialect)
            counting = select(func.count()).select_from(Store).where(counted)
        total, matching = db.session.execute(select(_TOTAL, counting.scalar_subquery())).one()
    else:
        total = matching = db.session.scalar(_TOTAL_ONLY)
    attention = _attention_count(db.session, now)
    pages = max(1, math.ceil(matching / PER_PAGE))
    page = min(filters.page, pages)
    offset = (page - 1) * PER_PAGE
    cards: list[tuple[Store, Status]] = []
    if matching:
        query = _FIRST_PAGE
        if filters.active:
            # The count says how common the matches are: when the page walking the stores
            # newest first meets its matches sooner than the name index lists them all, walk.
            index = not search.walk_is_shorter(matching, total, offset + PER_PAGE)
            where = _conditions(filters, now, dialect, page_order=True, name_index=index)
            query = _page_query(where)
        # Website, connection and the open attempt come in the same row.
        rows = db.session.scalars(query, {"offset": offset})
        cards = [(store, store_status(store, now)) for store in rows]
    return StorePage(cards, total, matching, page, pages, replace(filters, page=page), attention)


def _page_query(where):
    """One page of stores matching ``where``, newest first (offset: a bind parameter)."""
    return (
        select(Store)
        .where(where)
        .order_by(Store.created_at.desc(), Store.id.desc())
        .limit(PER_PAGE)
        .offset(bindparam("offset"))
        # Cards do not show the attribute; loading it for 24 stores is wasted work.
        .options(raiseload(Store.attribute))
    )


# Without filters the statements never change: built once. The total is SQLite's b-tree
# count (no store is read).
_TOTAL = select(func.count()).select_from(Store).scalar_subquery()
_TOTAL_ONLY = select(_TOTAL)
_FIRST_PAGE = _page_query(true())


def _conditions(
    filters: Filters, now: datetime, dialect: str, page_order: bool = False,
    name_index: bool = True,
):  # fmt: skip
    """The SQL condition selecting the stores the filters let through on the database
    ``dialect`` (``page_order``: for a page, newest first; see ``models.status.condition``;
    ``name_index``: see ``search.condition``)."""
    parts = []
    if filters.q:
        parts.append(search.condition(filters.q, dialect, name_index))
    if filters.country:
        parts.append(Store.marketplace_code == filters.country)
    if filters.status:
        parts.append(condition(filters.status, now, page_order=page_order))
    return db.and_(*parts) if parts else true()
