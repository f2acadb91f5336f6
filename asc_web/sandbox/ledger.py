"""What the hooks add on top of the seeded data, and the merged view every operation reads.

Seeded orders and listings are computed (see seeding); the hooks store only the differences:
orders added, order status changes and listing issues added. A status change by a hook ends
the order's seeded timeline: from then on only hook changes move it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import NamedTuple

from . import seeding, store
from .seeding import Issue, Item, Listing

ORDER_STATUSES = (
    "PendingAvailability",
    "Pending",
    "Unshipped",
    "PartiallyShipped",
    "Shipped",
    "InvoiceUnconfirmed",
    "Canceled",
    "Unfulfillable",
)
ADDED_DAYNO = "99999"  # the day part of added order ids: never a seeded day


class Order(NamedTuple):
    """One order as it stands at a given instant (seeded or added, hook changes applied)."""

    order_id: str
    seller_id: str
    marketplace_id: str
    purchase: float
    items: tuple[Item, ...]
    channel: str
    business: bool
    prime: bool
    status: str
    last_update: float

    @property
    def total(self) -> int:
        """Return the order total in minor units (no shipping or tax in the sandbox)."""
        return sum(item.price * item.quantity for item in self.items)

    @property
    def units(self) -> int:
        """Return the number of units ordered."""
        return sum(item.quantity for item in self.items)


def history_start(conn: sqlite3.Connection) -> float:
    """Return the first instant with seeded orders (two years before the last reset's day)."""
    value = store.meta(conn, "history_start")
    if value is None:  # a sandbox database from before seeded data
        value = repr(seeding.history_start(time.time()))
        with store.transaction(conn):
            store.set_meta(conn, "history_start", value)
    return float(value)


def participates(conn: sqlite3.Connection, seller_id: str, marketplace_id: str) -> bool:
    """Tell whether the seller sells in the marketplace."""
    row = conn.execute(
        "SELECT is_participating FROM participations WHERE seller_id = ? AND marketplace_id = ?",
        (seller_id, marketplace_id),
    ).fetchone()
    return row is not None and bool(row["is_participating"])


def _changes(conn: sqlite3.Connection, seller_id: str, marketplace_id: str, now: float) -> dict:
    """Return the hook status changes up to now by order id, oldest first."""
    changes: dict[str, list[tuple[float, str]]] = {}
    for row in conn.execute(
        "SELECT order_id, status, changed_at FROM ledger_changes WHERE seller_id = ?"
        " AND marketplace_id = ? AND changed_at <= ? ORDER BY changed_at, id",
        (seller_id, marketplace_id, now),
    ):
        changes.setdefault(row["order_id"], []).append((row["changed_at"], row["status"]))
    return changes


def _resolve(
    seller_id: str, marketplace_id: str, order: seeding.SeededOrder, changes: list, now: float
) -> Order:
    """Return the order's state at `now`: its last hook change, else its last seeded one."""
    steps = changes or [step for step in order.timeline if step[0] <= now]
    when, status = steps[-1]
    return Order(
        order.order_id, seller_id, marketplace_id, order.purchase, order.items,
        order.channel, order.business, order.prime, status, when,
    )  # fmt: skip


def _added(
    conn: sqlite3.Connection, seller_id: str, marketplace_id: str, where: str, args: tuple
) -> list[seeding.SeededOrder]:
    """Return added orders matching an extra SQL condition, as seeded-like orders."""
    rows = conn.execute(
        # `where` is one of this module's fixed conditions, never request text.
        "SELECT * FROM ledger_orders WHERE seller_id = ? AND marketplace_id = ? AND " + where,  # noqa: S608
        (seller_id, marketplace_id, *args),
    )
    return [
        seeding.SeededOrder(
            row["order_id"], row["purchase"],
            tuple(Item(*item) for item in json.loads(row["items"])),
            row["channel"], bool(row["business"]), bool(row["prime"]),
            ((row["purchase"], row["status"]),),
        )
        for row in rows
    ]  # fmt: skip


def orders_purchased(
    conn: sqlite3.Connection, seller_id: str, marketplace_id: str, start: float, end: float,
    now: float,
) -> list[Order]:  # fmt: skip
    """Return the orders purchased in [start, end] (never after now), by purchase time."""
    end = min(end, now)
    changes = _changes(conn, seller_id, marketplace_id, now)
    found = seeding.orders_between(
        seller_id, marketplace_id, start, end, history_start(conn)
    ) + _added(conn, seller_id, marketplace_id, "purchase BETWEEN ? AND ?", (start, end))
    resolved = [
        _resolve(seller_id, marketplace_id, o, changes.get(o.order_id, []), now) for o in found
    ]
    return sorted(resolved, key=lambda order: (order.purchase, order.order_id))


def orders_updated(
    conn: sqlite3.Connection, seller_id: str, marketplace_id: str, start: float, end: float,
    now: float,
) -> list[Order]:  # fmt: skip
    """Return the orders whose last update falls in [start, end] (never after now)."""
    end = min(end, now)
    changes = _changes(conn, seller_id, marketplace_id, now)
    first = history_start(conn)
    candidates = {
        order.order_id: order
        for order in seeding.orders_between(
            seller_id, marketplace_id, start - seeding.MAX_LIFECYCLE_S, end, first
        )
    }
    for order_id in changes:
        if order_id not in candidates:
            seeded = seeding.find_order(order_id)
            if seeded is not None:
                candidates[order_id] = seeded[2]
    for order in _added(conn, seller_id, marketplace_id, "purchase <= ?", (end,)):
        candidates[order.order_id] = order
    resolved = (
        _resolve(seller_id, marketplace_id, o, changes.get(o.order_id, []), now)
        for o in candidates.values()
        if o.purchase <= now
    )
    return sorted(
        (order for order in resolved if start <= order.last_update <= end),
        key=lambda order: (order.last_update, order.order_id),
    )


def find_order(conn: sqlite3.Connection, order_id: str) -> Order | None:
    """Return one order (seeded or added) as it stands now, or None."""
    now = store.now(conn)
    row = conn.execute("SELECT * FROM ledger_orders WHERE order_id = ?", (order_id,)).fetchone()
    if row is not None:
        seller_id, marketplace_id = row["seller_id"], row["marketplace_id"]
        seeded = _added(conn, seller_id, marketplace_id, "order_id = ?", (order_id,))[0]
    else:
        found = seeding.find_order(order_id)
        if found is None:
            return None
        seller_id, marketplace_id, seeded = found
        if not participates(conn, seller_id, marketplace_id):
            return None
        if not history_start(conn) <= seeded.purchase <= now:
            return None
    changes = _changes(conn, seller_id, marketplace_id, now).get(order_id, [])
    return _resolve(seller_id, marketplace_id, seeded, changes, now)


def add_order(
    conn: sqlite3.Connection, seller_id: str, marketplace_id: str, items: list[Item],
    status: str, purchase: float, channel: str = "MFN",
) -> str:  # fmt: skip
    """Store a new order placed at `purchase` and return its AmazonOrderId."""
    with store.transaction(conn):
        seq = conn.execute("SELECT COUNT(*) AS n FROM ledger_orders").fetchone()["n"] + 1
        order_id = (
            f"{seeding.ORDER_PREFIX[marketplace_id]}-{seeding.SELLER_CODE[seller_id]}"
            f"{ADDED_DAYNO}-{seq:07d}"
        )
        conn.execute(
            "INSERT INTO ledger_orders VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
            (order_id, seller_id, marketplace_id, purchase,
             json.dumps([list(item) for item in items]), channel, status),
        )  # fmt: skip
    return order_id


def change_status(conn: sqlite3.Connection, order: Order, status: str) -> float:
    """Record a hook status change of an order at the sandbox clock; return its time."""
    with store.transaction(conn):
        now = max(store.now(conn), order.last_update)  # never before its last change
        conn.execute(
            "INSERT INTO ledger_changes (order_id, seller_id, marketplace_id, status, changed_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (order.order_id, order.seller_id, order.marketplace_id, status, now),
        )
    return now


def listings(conn: sqlite3.Connection, seller_id: str, marketplace_id: str) -> list[dict]:
    """Return the seller's listings in a marketplace with added issues merged in."""
    first = history_start(conn)
    added: dict[str, list[sqlite3.Row]] = {}
    for row in conn.execute(
        "SELECT * FROM ledger_issues WHERE seller_id = ? AND marketplace_id = ? ORDER BY id",
        (seller_id, marketplace_id),
    ):
        added.setdefault(row["sku"], []).append(row)
    return [_listing(item, added.get(item.sku, []), first) for item in
            seeding.listings(seller_id, marketplace_id)]  # fmt: skip


def _listing(item: Listing, added: list[sqlite3.Row], first: float) -> dict:
    """Return one listing with its issues, dates (epoch) and status."""
    issues = list(item.issues) + [
        Issue(row["code"], row["message"], row["severity"], tuple(json.loads(row["categories"])),
              tuple(json.loads(row["attribute_names"])))
        for row in added
    ]  # fmt: skip
    updated = max([first + item.updated_day * 86400] + [row["added_at"] for row in added])
    buyable = not any(issue.severity == "ERROR" for issue in issues)
    return {
        "sku": item.sku,
        "asin": item.asin,
        "name": item.name,
        "product_type": item.product_type,
        "price": item.price,
        "created": first - item.created_day * 86400,
        "updated": updated,
        "status": ["BUYABLE", "DISCOVERABLE"] if buyable else [],
        "issues": issues,
    }


def add_issue(
    conn: sqlite3.Connection, seller_id: str, marketplace_id: str, sku: str, issue: Issue
) -> float:
    """Store an issue on a listing at the sandbox clock; return its time."""
    with store.transaction(conn):
        now = store.now(conn)
        conn.execute(
            "INSERT INTO ledger_issues (seller_id, marketplace_id, sku, code, message, severity,"
            " categories, attribute_names, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seller_id, marketplace_id, sku, issue.code, issue.message, issue.severity,
             json.dumps(issue.categories), json.dumps(issue.attribute_names), now),
        )  # fmt: skip
    return now
