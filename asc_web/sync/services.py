"""Keeping each connected store's Amazon data: daily sales, orders and listings.

A run of one store, on the task queue (or ``flask sync run``):

1. takes the store's lease (one run per store at a time, however many workers and servers);
2. daily sales of the whole history from getOrderMetrics (one call, days in the
   marketplace's time zone);
3. listings with their issues from searchListingsItems: those updated since the last run
   (newest first), and once a day all of them, removing those Amazon no longer has;
4. orders from getOrders by ``LastUpdatedAfter``, one page at a time, each page written with
   the search's position in the same transaction: a killed run resumes at its next page, and a
   repeated page changes nothing (one row per Amazon order id, the newer update wins).

Every call first takes from ASC Web's bucket for that seller and operation
(``buckets.take``); when Amazon's rate allows no more now, the run stops and the store is due
again when the bucket holds a request (the first import of a busy store takes many runs).
Amazon's 429 empties the bucket and pauses the store the same way. A refused authorization
is marked revoked: the store shows *Reconnect required* and is not synced until reconnected,
and then the next search starts where the orders were complete, so the gap fills.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from .. import clock
from ..amazon import data
from ..amazon.errors import AmazonError, merchant_message
from ..connect import checks, settings
from ..connect import services as connect_services
from ..extensions import db
from ..maintenance import leases
from ..models import AmazonOrder, Authorization, DailySales, Listing, Store, StoreSync
from . import buckets, schedule, totals

log = logging.getLogger(__name__)

# How far back the first import goes: the Sales API answers for two years.
HISTORY_DAYS = 730
# The card's figures cover 30 days; a few more are kept so a card read just after midnight
# (or before the next sync) still finds its whole window.
RECENT_DAYS = 40
# A new search starts this long before the previous one ended (orders updated on the edge).
OVERLAP = timedelta(minutes=5)
# A search that ended longer ago than this is followed by another one in the same run
# (Amazon lists an order two minutes after it changes).
CAUGHT_UP = timedelta(minutes=10)
# One run holds its store this long at most (a killed run lets go when it passes).
LEASE = timedelta(minutes=10)
# A wait for Amazon's bucket this short is slept through; a longer one ends the run.
SHORT_WAIT_SECONDS = 2.0
# Listings are read newest first until older ones come; once a day all of them are, and
# those Amazon no longer has are removed.
LISTINGS_FULL_EVERY = timedelta(days=1)
# Amazon's 429s in a row on one call before the run stops and the store waits its turn.
THROTTLED_RETRIES = 3
# After a failure that is not Amazon's rate, try the store again after this long.
RETRY_AFTER = timedelta(minutes=5)
ORDER_FIELDS = ("purchased_at", "last_updated_at", "status", "items", "total_minor", "currency")
LISTING_FIELDS = ("asin", "name", "status", "issue_count", "issues", "synced_at")
RECONNECT = "Amazon refused the authorization: reconnect the store to sync its data again."


@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``done``, ``paused`` (Amazon's rate), ``busy`` (another run holds
    the store), ``skipped`` (inactive or not connected), ``reconnect`` or ``failed``."""

    store_id: int
    result: str
    orders_imported: int = 0


class _Pause(Exception):
    """Amazon's rate allows no more calls now: the store is due again after ``wait``."""

    def __init__(self, wait: float):
        super().__init__(f"paused for {wait:.1f}s")
        self.wait = wait


def interval() -> timedelta:
    """How often a store that finished its import is synced again."""
    return timedelta(seconds=float(current_app.config.get("SYNC_INTERVAL_SECONDS") or 900))


def due(now: datetime, limit: int = 100) -> list[int]:
    """Stores to sync now: active, connected to a live authorization, and due.

    A store without a time (never run, or stopped while inactive or revoked) is due as soon as
    it is active on a live authorization again.
    """
    live = (Authorization.revoked_at.is_(None)) & (Authorization.expires_at > now)
    query = (
        select(Store.id)
        .join(Authorization, Store.authorization_id == Authorization.id)
        .outerjoin(StoreSync, StoreSync.store_id == Store.id)
        .where(Store.active, live)
        .where(or_(StoreSync.next_run_at.is_(None), StoreSync.next_run_at <= now))
        .order_by(StoreSync.next_run_at.is_(None).desc(), StoreSync.next_run_at, Store.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def run_due(budget_seconds: float = 50.0) -> list[RunResult]:
    """Run every due store once, oldest first, for about ``budget_seconds`` at most."""
    started = time.monotonic()
    holder = leases.new_holder()
    results = []
    for store_id in due(clock.utcnow()):
        if time.monotonic() - started > budget_seconds:
            break
        results.append(run(store_id, holder))
    return results


def run(store_id: int, holder: str | None = None) -> RunResult:
    """Sync one store as far as Amazon's rates allow now; commits as it goes."""
    holder = holder or leases.new_holder()
    now = clock.utcnow()
    lease = f"sync:{store_id}"
    if not leases.acquire(lease, holder, LEASE, now):
        return RunResult(store_id, "busy")
    try:
        return _run(store_id, now)
    finally:
        db.session.rollback()
        leases.release(lease, holder)


def _run(store_id: int, now: datetime) -> RunResult:
    store = db.session.get(Store, store_id)
    if store is None:
        return RunResult(store_id, "skipped")
    sync = _state(store, now)
    authorization = store.authorization
    if not store.active or authorization is None:
        sync.next_run_at = None  # connecting or activating makes it due again
        db.session.commit()
        return RunResult(store_id, "skipped", sync.orders_imported)
    if authorization.revoked_at is not None or authorization.expires_at <= now:
        return _stop_for_reconnect(store, sync, now)
    if sync.selling_partner_id != authorization.selling_partner_id:
        _start_afresh(store.id, sync, authorization.selling_partner_id)
    sync.last_run_at = now
    db.session.commit()
    job = _Job(store, authorization, sync)
    try:
        job.metrics()
        job.listings()  # a few seconds' worth; orders may wait for Amazon's rate
        job.orders()
    except _Pause as pause:
        sync.next_run_at = clock.utcnow() + timedelta(seconds=max(pause.wait, 1.0))
        db.session.commit()
        return RunResult(store_id, "paused", sync.orders_imported)
    except AmazonError as error:
        db.session.rollback()
        return _failed(store_id, error)
    except InvalidToken:
        db.session.rollback()
        sync = db.session.get(StoreSync, store_id)
        sync.last_problem = checks.UNREADABLE
        sync.next_run_at = clock.utcnow() + RETRY_AFTER
        db.session.commit()
        return RunResult(store_id, "failed", sync.orders_imported)
    done = clock.utcnow()
    sync.last_ok_at, sync.last_problem = done, None
    sync.next_run_at = done + interval()
    db.session.commit()
    return RunResult(store_id, "done", sync.orders_imported)


def _state(store: Store, now: datetime) -> StoreSync:
    """The store's sync row, created the first time."""
    sync = db.session.get(StoreSync, store.id)
    if sync is None:
        schedule.schedule_now([store], now)
        db.session.flush()
        sync = db.session.get(StoreSync, store.id)
    return sync


def _start_afresh(store_id: int, sync: StoreSync, seller: str) -> None:
    """The store now sells for another seller (or never synced): forget the old data."""
    for model in (AmazonOrder, DailySales, Listing):
        db.session.execute(delete(model).where(model.store_id == store_id))
    sync.selling_partner_id = seller
    sync.phase, sync.orders_imported, sync.first_order_day = "importing", 0, None
    sync.orders_complete_until = sync.search_after = sync.next_token = None
    sync.metrics_synced_at = sync.listings_synced_at = sync.listings_full_at = None
    totals.forget(sync)


def _stop_for_reconnect(store: Store, sync: StoreSync, now: datetime) -> RunResult:
    sync.last_problem, sync.next_run_at, sync.last_run_at = RECONNECT, None, now
    db.session.commit()
    return RunResult(store.id, "reconnect", sync.orders_imported)


def _failed(store_id: int, error: AmazonError) -> RunResult:
    """Record Amazon's failure for the errors log; a refused authorization is revoked."""
    now = clock.utcnow()
    store = db.session.get(Store, store_id)
    sync = db.session.get(StoreSync, store_id)
    if store is None or sync is None:  # deleted while Amazon answered
        return RunResult(store_id, "skipped")
    connect_services.record_error(store_id, error)
    log.info("Sync of store %s stopped: %s %s", store_id, error.operation, error.code)
    if error.authorization and store is not None and store.authorization is not None:
        authorization = store.authorization
        authorization.revoked_at = authorization.revoked_at or now
        authorization.last_check_ok = False
        authorization.last_check_message = checks.REVOKED_MESSAGE
        authorization.access_token_encrypted = None
        return _stop_for_reconnect(store, sync, now)
    sync.last_problem = merchant_message(error)
    sync.next_run_at = now + RETRY_AFTER
    db.session.commit()
    return RunResult(store_id, "failed", sync.orders_imported)


class _Job:
    """One run's calls for one store, each paid for from the seller's bucket first."""

    def __init__(self, store: Store, authorization: Authorization, sync: StoreSync):
        self.store, self.authorization, self.sync = store, authorization, sync
        self.market = store.marketplace
        self.zone = ZoneInfo(self.market.time_zone)
        self.base = settings.endpoints().spapi(authorization.region)
        self.timeouts = settings.timeouts()
        self.rates: dict[str, float | None] = {}
        self._token: str | None = None
        self._token_from_cache = False

    # -- calls -------------------------------------------------------------------------

    def _call(self, operation: str, send):
        """Pay for one call, then make it. Amazon's 429 is retried after the wait it asks
        for, or the store pauses when that wait is long."""
        for _ in range(THROTTLED_RETRIES):
            self._pay(operation)
            try:
                return self._send(operation, send)
            except AmazonError as error:
                if error.status != 429 and error.code not in ("throttled", "QuotaExceeded"):
                    raise
                buckets.drain(self.authorization.id, operation, clock.utcnow())
                wait = 1.0 / (error.rate_limit or data.RATES[operation][0])
                if wait > SHORT_WAIT_SECONDS:
                    raise _Pause(wait) from error
                time.sleep(wait)
        raise _Pause(SHORT_WAIT_SECONDS)

    def _send(self, operation: str, send):
        """Make a paid call; a 403 on a cached access token is retried with a fresh one."""
        try:
            return send(self._access_token())
        except AmazonError as error:
            # A 403 for a token LWA has just issued means the authorization itself is gone;
            # on a cached token it may only mean that token expired early.
            if error.code != "Unauthorized" or not self._token_from_cache:
                raise
        self._pay(operation)
        return send(self._access_token(fresh=True))

    def _pay(self, operation: str) -> None:
        while True:
            wait = buckets.take(self.authorization.id, operation, clock.utcnow(),
                                self.rates.get(operation))  # fmt: skip
            if wait <= 0:
                return
            if wait > SHORT_WAIT_SECONDS:
                raise _Pause(wait)
            time.sleep(wait)

    def _access_token(self, fresh: bool = False) -> str:
        if self._token is None or fresh:
            now = clock.utcnow()
            self._token_from_cache = not fresh and checks.has_cached_token(self.authorization, now)
            self._token = checks.access_token(self.authorization, now, fresh=fresh)
            db.session.commit()  # the cached token serves the next runs too
        return self._token

    # -- daily sales -------------------------------------------------------------------

    def metrics(self) -> None:
        """Daily sales of the whole history (one call), written over what was there."""
        now = clock.utcnow()
        local_today = now.astimezone(self.zone).date()
        start = self._history_start(now)
        first_day = start.date()
        end = now.astimezone(self.zone).replace(second=0, microsecond=0)
        answer = self._call("sales", lambda token: data.order_metrics(
            self.base, token, self.market.marketplace_id, start, end, self.market.time_zone,
            self.timeouts))  # fmt: skip
        self.rates["sales"] = answer.rate
        days = [day for day in answer.days if day.orders or day.sales_minor]
        existing = {
            row.day: row
            for row in db.session.scalars(
                select(DailySales).where(DailySales.store_id == self.store.id)
            )
        }
        for figures in days:
            row = existing.pop(figures.day, None)
            if row is None:
                row = DailySales(store_id=self.store.id, day=figures.day)
                db.session.add(row)
            row.currency, row.sales_minor = figures.currency, figures.sales_minor
            row.orders, row.units = figures.orders, figures.units
        for row in existing.values():
            if row.day >= first_day:  # inside the window: Amazon counts nothing there now
                db.session.delete(row)
        if days and (self.sync.first_order_day is None or days[0].day < self.sync.first_order_day):
            self.sync.first_order_day = days[0].day
        totals.count_sales(self.sync)
        totals.count_chart(self.sync, local_today)
        recent_from = local_today - timedelta(days=RECENT_DAYS - 1)
        self.sync.recent_sales = [
            [figures.day.isoformat(), figures.sales_minor]
            for figures in days
            if figures.day >= recent_from
        ]
        self.sync.metrics_synced_at = now
        db.session.commit()

    # -- orders ------------------------------------------------------------------------

    def orders(self) -> None:
        """Page through the orders updated since the last complete search."""
        sync = self.sync
        while True:
            if sync.next_token is None and sync.search_after is None:
                sync.search_after = self._search_start()
            after, token = sync.search_after, sync.next_token
            try:
                page = self._call("orders", lambda access, after=after, token=token: (
                    data.orders_page(self.base, access, self.market.marketplace_id,
                                     updated_after=after, next_token=token,
                                     timeouts=self.timeouts)))  # fmt: skip
            except AmazonError as error:
                if token and error.status == 400:
                    # The page token is no longer accepted: search again from the start
                    # (pages already written are rewritten identically).
                    sync.next_token = None
                    db.session.commit()
                    continue
                raise
            self.rates["orders"] = page.rate
            self._write_orders(page.orders)
            if page.next_token:
                sync.next_token = page.next_token
            else:
                sync.orders_complete_until = page.updated_before or sync.search_after
                sync.search_after, sync.next_token = None, None
                sync.phase = "ready"
            sync.orders_imported = db.session.scalar(
                select(func.count()).select_from(AmazonOrder)
                .where(AmazonOrder.store_id == self.store.id)
            )  # fmt: skip
            db.session.commit()
            if page.next_token is None and not self._behind(sync.orders_complete_until):
                return

    @staticmethod
    def _behind(until: datetime | None) -> bool:
        """Whether a finished search ended long ago (it ran for hours, or a revocation
        stopped it): search again at once for what changed since."""
        return until is not None and clock.utcnow() - until > CAUGHT_UP

    def _search_start(self) -> datetime:
        """Where a new search begins: a little before the last one ended, or the history."""
        if self.sync.orders_complete_until is not None:
            return self.sync.orders_complete_until - OVERLAP
        return self._history_start(clock.utcnow())

    def _history_start(self, now: datetime) -> datetime:
        """Local midnight HISTORY_DAYS before today: as far back as the Sales API answers."""
        first_day = now.astimezone(self.zone).date() - timedelta(days=HISTORY_DAYS)
        return datetime.combine(first_day, datetime.min.time(), self.zone)

    def _write_orders(self, orders: list[data.Order]) -> None:
        """Insert new orders, update known ones when Amazon's copy is newer (idempotent)."""
        rows = [
            {
                "store_id": self.store.id,
                "amazon_order_id": order.amazon_order_id,
                "purchased_at": order.purchased_at,
                "last_updated_at": order.last_updated_at,
                "status": order.status,
                "items": order.items,
                "total_minor": order.total_minor,
                "currency": order.currency,
            }
            for order in orders
        ]
        _upsert(AmazonOrder, rows, ["store_id", "amazon_order_id"], ORDER_FIELDS,
                newer_only=AmazonOrder.last_updated_at)  # fmt: skip

    # -- listings ----------------------------------------------------------------------

    def listings(self) -> None:
        """The listings updated since the last run (newest first, until older ones come),
        and once a day every listing, removing those Amazon no longer has."""
        started = clock.utcnow()
        whole = self.sync.listings_full_at
        full = whole is None or started - whole >= LISTINGS_FULL_EVERY
        since = None if full else self.sync.listings_synced_at - OVERLAP
        seller = self.authorization.selling_partner_id
        page_token = None
        while True:
            page = self._call("listings", lambda access, token=page_token: data.listings_page(
                self.base, access, seller, self.market.marketplace_id, page_token=token,
                newest_first=not full, timeouts=self.timeouts))  # fmt: skip
            self.rates["listings"] = page.rate
            self._write_listings(page.listings, started)
            db.session.commit()
            page_token = page.next_token
            older = since is not None and any(
                record.updated is not None and record.updated < since for record in page.listings
            )
            if not page_token or older:
                break
        if full:
            db.session.execute(
                delete(Listing)
                .where(Listing.store_id == self.store.id, Listing.synced_at < started)
            )  # fmt: skip
            self.sync.listings_full_at = started
        self.sync.listings_synced_at = started
        totals.count_listings(self.sync)
        db.session.commit()

    def _write_listings(self, records: list[data.ListingRecord], started: datetime) -> None:
        rows = [
            {
                "store_id": self.store.id,
                "sku": record.sku,
                "asin": record.asin,
                "name": record.name,
                "status": record.status,
                "issue_count": len(record.issues),
                "issues": record.issues,
                "synced_at": started,
            }
            for record in records
        ]
        _upsert(Listing, rows, ["store_id", "sku"], LISTING_FIELDS)


def _upsert(model, rows: list[dict], keys: list[str], fields, newer_only=None) -> None:
    """Insert ``rows``, or update ``fields`` of those whose ``keys`` exist (with
    ``newer_only``: only where the stored value is not newer than the new one)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(rows)
    # fresh["items"]: ``.items`` is the column collection's own method.
    fresh = statement.excluded
    where = None if newer_only is None else newer_only <= fresh[newer_only.key]
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=keys, set_={name: fresh[name] for name in fields}, where=where
        )
    )
