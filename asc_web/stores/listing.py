"""The home page's store list: filters from the query string, one page of cards, two queries."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, func, select, true, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import defaultload, raiseload

from .. import cursors
from ..amazon.marketplaces import MARKETPLACES
from ..extensions import db
from ..models import Authorization, Store, StoreSync
from ..models.status import LABELS, Status, condition, status_params, store_status
from ..models.stores import StoreTotal
from . import search

PER_PAGE = 24
MAX_QUERY_LENGTH = 100
# Matching stores are counted up to this many; a longer list says "more than 1,000".
COUNT_LIMIT = 1000
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
class Cursor:
    """Where a Next (``after``) or Previous link was followed from: the last or the first
    card of the page it was on. The page then reads the stores next to that card, however
    deep it is; the link's page number says which page it is."""

    after: bool
    created_at: datetime
    store_id: int

    @classmethod
    def from_args(cls, args) -> Cursor | None:
        """The ``after`` or ``before`` of a query string; None without a valid one."""
        for name in ("after", "before"):
            place = cursors.decode(args.get(name))
            if place is not None:
                return cls(name == "after", *place)
        return None

    @property
    def params(self) -> dict:
        """The bind parameters of ``_page_query(..., keyset=True)``."""
        return {"cursor_at": self.created_at, "cursor_id": self.store_id}


@dataclass(frozen=True)
class StorePage:
    """One page of store cards with what the page needs to describe itself.

    ``matching`` is exact up to ``COUNT_LIMIT``; above it, it is ``COUNT_LIMIT + 1`` ("more
    than 1,000 match") and ``pages`` is None: the page then knows only whether a next page
    follows (``has_next``). ``attention`` is counted the same way.
    """

    cards: list[tuple[Store, Status]]
    total: int
    matching: int
    page: int
    pages: int | None
    filters: Filters
    attention: int = 0
    has_next: bool = False

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

    def next_args(self) -> dict:
        """The Next link's query arguments: the next page after this page's last card."""
        last = self.cards[-1][0]
        place = cursors.encode(last.created_at, last.id)
        return {**self.filters.args(page=self.page + 1), "after": place}

    def previous_args(self) -> dict:
        """The Previous link's query arguments: the page before this page's first card (the
        first page needs no cursor)."""
        args = self.filters.args(page=self.page - 1)
        if self.page - 1 > 1 and self.cards:
            first = self.cards[0][0]
            args["before"] = cursors.encode(first.created_at, first.id)
        return args

    @property
    def paginated(self) -> bool:
        """Whether the list has more than one page."""
        return self.pages != 1

    @property
    def summary(self) -> str:
        """A sentence such as "Showing 25–48 of 500 stores" or "3 of 10 stores match"."""
        plural = "store" if self.total == 1 else "stores"
        if self.pages is None:
            counted = f"More than {COUNT_LIMIT:,} of {self.total:,} stores match"
        elif self.matching == self.total:
            counted = f"{self.total:,} {plural}"
        else:
            verb = "matches" if self.matching == 1 else "match"
            counted = f"{self.matching:,} of {self.total:,} {plural} {verb}"
        if self.pages == 1:
            return counted
        return f"{counted}; showing {self.first:,}–{self.last:,}"


def attention_text(count: int) -> str:
    """The home banner: "2 stores need attention" (renewal due or reconnect required)."""
    if count == 1:
        return "1 store needs attention: its Amazon authorization is ending or has ended."
    many = f"More than {COUNT_LIMIT:,}" if count > COUNT_LIMIT else f"{count:,}"
    return f"{many} stores need attention: their Amazon authorizations are ending or have ended."


def attention_count(now: datetime) -> int:
    """How many stores are Renewal due or Reconnect required, up to ``COUNT_LIMIT + 1``."""
    return db.session.scalar(_ATTENTION, status_params(now))


def load(filters: Filters, now: datetime, cursor: Cursor | None = None) -> StorePage:
    """Count all, matching (capped; a search on PostgreSQL lists them, ``_matches``) and
    attention stores in one query, then one page: read next to ``cursor`` (a Next or
    Previous link's) when it has one, else by its number."""
    dialect = db.session.get_bind().dialect.name
    params = {**status_params(now), "country": filters.country}
    total, matching, attention = db.session.execute(_counts(filters, dialect), params).one()
    newest = None
    if _lists_matches(filters, dialect):
        newest = matching or []  # their ids, newest first (NULL: none match)
        matching = len(newest)
    exact = not filters.active or matching <= COUNT_LIMIT
    pages = max(1, math.ceil(matching / PER_PAGE)) if exact else None
    page = min(filters.page, pages) if exact else filters.page
    read = _Reader(filters, dialect, params, total, newest if exact else None)
    near = read.near(cursor, matching) if cursor and page == filters.page > 1 else None
    rows, has_next = near or read.page(page, matching, exact)
    if not rows and page > 1 and not exact:
        # Past the end of a long list (an old link): count them all, show the last page.
        counting = select(func.count()).select_from(Store).where(_conditions(filters, dialect))
        matching = db.session.scalar(counting, params)
        pages = page = max(1, math.ceil(matching / PER_PAGE))
        exact = True
        rows, has_next = read.page(page, matching, exact)
    cards = [(store, store_status(store, now)) for store in rows]
    filters = replace(filters, page=page)
    return StorePage(cards, total, matching, page, pages, filters, attention, has_next)


@dataclass(frozen=True)
class _Reader:
    """Reads one page of the stores the filters let through."""

    filters: Filters
    dialect: str
    params: dict
    total: int
    # Every matching store's id, newest first, when the counts listed them (``_matches``).
    newest: list[int] | None = None

    def page(self, page: int, matching: int, exact: bool) -> tuple[list[Store], bool]:
        """The stores of ``page`` newest first, and whether another page follows.

        A page in the second half of a list whose length is known is read from the oldest
        store backwards, so the last page costs what the first does; the stores skipped
        are walked as index entries where the filter allows (``_page_query``). When the
        counts listed the matches (``newest``), the page's stores are read by id.
        """
        offset = (page - 1) * PER_PAGE
        if self.newest is not None:
            ids = self.newest[offset : offset + PER_PAGE]
            return by_id(ids), offset + PER_PAGE < len(self.newest)
        if not exact:
            # Only the first COUNT_LIMIT are counted: one more row says whether a page follows.
            rows = self._read(offset, PER_PAGE + 1, matching, oldest_first=False)
            return rows[:PER_PAGE], len(rows) > PER_PAGE
        remaining = matching - offset
        if remaining <= 0:
            return [], False
        if offset <= remaining:
            return self._read(offset, PER_PAGE, matching, False), remaining > PER_PAGE
        limit = min(PER_PAGE, remaining)
        rows = self._read(max(0, remaining - PER_PAGE), limit, matching, oldest_first=True)
        return rows[::-1], remaining > PER_PAGE

    def near(self, cursor: Cursor, matching: int) -> tuple[list[Store], bool] | None:
        """The page next to ``cursor``'s card and whether another page follows; None when
        the cursor cannot give it (no store after it any more; before it, fewer than a
        page: the top of the list, which its number reads as cheaply)."""
        if self.newest is not None and cursor.store_id in self.newest:
            return self._near_in_list(cursor)
        limit = PER_PAGE + 1
        rows = self._read(0, limit, matching, oldest_first=not cursor.after, cursor=cursor)
        if cursor.after:
            return (rows[:PER_PAGE], len(rows) > PER_PAGE) if rows else None
        # The cursor's own card follows this page.
        return (rows[:PER_PAGE][::-1], True) if len(rows) == limit else None

    def _near_in_list(self, cursor: Cursor) -> tuple[list[Store], bool] | None:
        """``near`` in the list of matches the counts gave (``newest``), which holds the
        cursor's card; as ``near``, a Previous needs more than a page above its card."""
        ids = self.newest
        at = ids.index(cursor.store_id)
        if cursor.after:
            following = ids[at + 1 : at + 1 + PER_PAGE]
            return (by_id(following), at + 1 + PER_PAGE < len(ids)) if following else None
        return (by_id(ids[at - PER_PAGE : at]), True) if at > PER_PAGE else None

    def _read(
        self, offset: int, limit: int, matching: int, oldest_first: bool,
        cursor: Cursor | None = None,
    ) -> list[Store]:  # fmt: skip
        keyset = cursor is not None
        if not self.filters.active:
            query = _UNFILTERED_PAGES[oldest_first, keyset]
        else:
            # Walk the stores in date order testing each, or take the matches from an index
            # and sort them: the count says which reads fewer rows (a capped count: walk).
            wanted = offset + limit
            walk = matching > COUNT_LIMIT or search.walk_is_shorter(matching, self.total, wanted)
            query = _filtered_page(self.filters, self.dialect, walk, oldest_first, keyset)
        params = {**self.params, "offset": offset, "limit": limit}
        if keyset:
            params.update(cursor.params)
        return list(db.session.scalars(query, params))


def _page_query(where, oldest_first: bool = False, keyset: bool = False):
    """A page of stores matching ``where`` (bind parameters ``offset`` and ``limit``), newest
    first; ``oldest_first``: the page is taken from the other end (the caller reverses it).
    ``keyset``: only the stores older than the cursor's (newer with ``oldest_first``; bind
    parameters ``cursor_at`` and ``cursor_id``, see ``Cursor``).

    The page's ids come first, from the index on the creation date when the filter allows:
    skipping ``offset`` stores then reads index entries, not store rows.
    """
    order = (Store.created_at, Store.id) if oldest_first else (
        Store.created_at.desc(), Store.id.desc()
    )  # fmt: skip
    if keyset:
        place = tuple_(Store.created_at, Store.id)
        cursor = tuple_(bindparam("cursor_at", type_=Store.created_at.type), bindparam("cursor_id"))
        where = db.and_(where, place > cursor if oldest_first else place < cursor)
    ids = (
        select(Store.id)
        .where(where)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return (
        select(Store)
        .where(Store.id.in_(ids.scalar_subquery()))
        .order_by(*order)
        .options(*CARD_COLUMNS)
    )


# What a card shows of a store's authorization and sync row (asc_web/models/status.py,
# connect/_connection.html, asc_web/sync/figures.py ``for_card``): a page of 24 cards loads
# these columns only, not the tokens, the check's claim nor the sync's progress (each time
# turned into an aware datetime, each JSON text parsed). A column left out is loaded when a
# card reads it, one query per card: the page's statement count test would say so. Nor is
# the product attribute loaded, which cards do not show.
CARD_COLUMNS = (
    raiseload(Store.attribute),
    defaultload(Store.authorization).load_only(
        Authorization.selling_partner_id, Authorization.region, Authorization.expires_at,
        Authorization.revoked_at, Authorization.last_checked_at,
        Authorization.last_check_message, Authorization.participations,
    ),
    defaultload(Store.sync).load_only(
        StoreSync.phase, StoreSync.orders_imported, StoreSync.recent_sales,
        StoreSync.metrics_synced_at, StoreSync.listings_with_issues, StoreSync.last_problem,
    ),
)  # fmt: skip


# A page of stores by id, newest first (bind parameter ``ids``: at most a page of them).
_BY_ID = (
    select(Store)
    .where(Store.id.in_(bindparam("ids", expanding=True)))
    .order_by(Store.created_at.desc(), Store.id.desc())
    .options(*CARD_COLUMNS)
)


def by_id(ids: list[int]) -> list[Store]:
    """The stores of ``ids`` (at most a page of them) with what their cards show, newest
    first; an id no store has any more is left out."""
    return list(db.session.scalars(_BY_ID, {"ids": ids})) if ids else []


def _lists_matches(filters: Filters, dialect: str) -> bool:
    """Whether the counts list the matching stores (``_matches``) rather than count them."""
    return bool(filters.q) and dialect == "postgresql"


def _matches(where):
    """A scalar subquery: the ids of the stores matching ``where``, newest first, in one
    PostgreSQL array of up to ``COUNT_LIMIT + 1`` (NULL when none match).

    For a search on PostgreSQL: pg_trgm's index costs a query the whole list of stores
    holding each of its trigrams, and a common one ("sto" in every "Amazon Store …") is
    all of them: at 100,000 stores about 0.8 ms a reading. Counting and then reading the
    page read it twice; with the ids listed here the page is read by id (``by_id``).
    """
    found = select(Store.id, Store.created_at).where(where).limit(COUNT_LIMIT + 1).subquery()
    newest = aggregate_order_by(found.c.id, found.c.created_at.desc(), found.c.id.desc())
    return select(func.array_agg(newest)).scalar_subquery()


def _capped(where):
    """A scalar subquery counting the stores matching ``where``, up to ``COUNT_LIMIT + 1``:
    its cost follows the limit, not the number of stores."""
    matches = select(Store.id).where(where).limit(COUNT_LIMIT + 1).subquery()
    return select(func.count()).select_from(matches).scalar_subquery()


# The total is kept by the database (migration 0011): no store is counted.
_TOTAL = select(StoreTotal.stores).where(StoreTotal.id == 1).scalar_subquery()
_ATTENTION_COUNT = _capped(condition("attention", bindparam("now")))
_ATTENTION = select(_ATTENTION_COUNT)
_COUNTS = select(_TOTAL, _TOTAL, _ATTENTION_COUNT)
_UNFILTERED_PAGES = {
    (first, keyset): _page_query(true(), first, keyset)
    for first in (False, True)
    for keyset in (False, True)
}


def _counts(filters: Filters, dialect: str):
    """The total, the matching stores (capped; listed, not counted, for a search on
    PostgreSQL: ``_matches``) and the attention count, in one statement."""
    if not filters.active:
        return _COUNTS
    if _lists_matches(filters, dialect):
        return select(_TOTAL, _matches(_conditions(filters, dialect)), _ATTENTION_COUNT)
    if filters.q and not (filters.country or filters.status):
        matching = search.count(filters.q, dialect, COUNT_LIMIT + 1)
    elif not filters.q:
        return _cached_counts(bool(filters.country), filters.status, dialect)
    else:
        matching = _capped(_conditions(filters, dialect))
    return select(_TOTAL, matching, _ATTENTION_COUNT)


# Without a search the statements depend only on which filters are set (their values are
# bind parameters): built once each. Building them took about 1 ms a request.
@functools.cache
def _cached_counts(country: bool, status: str, dialect: str):
    filters = Filters(country="US" if country else "", status=status)
    return select(_TOTAL, _capped(_conditions(filters, dialect)), _ATTENTION_COUNT)


def _filtered_page(
    filters: Filters, dialect: str, walk: bool, oldest_first: bool, keyset: bool = False
):
    """The page query of ``filters`` (see ``_page_query``), built once unless it searches."""
    if filters.q:
        return _page_query(_conditions(filters, dialect, walk=walk), oldest_first, keyset)
    return _cached_page(bool(filters.country), filters.status, dialect, walk, oldest_first, keyset)


@functools.cache
def _cached_page(
    country: bool, status: str, dialect: str, walk: bool, oldest_first: bool, keyset: bool
):
    filters = Filters(country="US" if country else "", status=status)
    return _page_query(_conditions(filters, dialect, walk=walk), oldest_first, keyset)


def _conditions(filters: Filters, dialect: str, walk: bool = False):
    """The SQL condition selecting the stores the filters let through on the database
    ``dialect``, with the bind parameters ``now``, ``due`` and ``country``. ``walk``: for a
    page that walks the stores newest first and tests each (see ``search.condition``)."""
    parts = []
    if filters.q:
        parts.append(search.condition(filters.q, dialect, index=not walk))
    if filters.country:
        parts.append(Store.marketplace_code == bindparam("country"))
    if filters.status:
        unindexed = walk and dialect == "sqlite"  # PostgreSQL's planner chooses by itself
        parts.append(condition(filters.status, bindparam("now"), indexed=not unindexed))
    return db.and_(*parts) if parts else true()
