"""Seeded sandbox data: each seller's listings and orders per marketplace, computed on demand.

Nothing here is stored. Listings depend only on the seller and the marketplace; the orders of
one local day depend only on the seller, the marketplace and that date (a seeded RNG), so any
window is generated alone, the same in every process and after every reset. Only the start
of the history (two years before the day of the last reset) and the clock decide which days
exist: an order placed after "now" does not exist yet, and its status moves on with the clock.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from . import world
from .world import CA, MX, UK, US

HISTORY_DAYS = 730
# Where a marketplace's day starts: Seller Central's reporting zone (the US and Canadian
# stores report in Pacific time). The Sales API buckets by the granularityTimeZone asked for;
# the seeded weekly rhythm follows these local days.
TIME_ZONES = {
    US: "America/Los_Angeles",
    CA: "America/Los_Angeles",
    MX: "America/Mexico_City",
    UK: "Europe/London",
}
# Statuses that count in the Sales API's figures: every order except canceled ones.
UNCOUNTED_STATUSES = frozenset({"Canceled"})
# The longest time between an order's purchase and its last seeded status change.
MAX_LIFECYCLE_S = 4 * 86400

ORDER_PREFIX = {US: "113", CA: "701", MX: "702", UK: "203"}
SELLER_CODE = {
    world.NA_SELLER: "11",
    world.UK_SELLER: "21",
    world.US_ONLY_SELLER: "31",
    world.SUSPENDED_SELLER: "41",
}
# Average orders on a Monday, by marketplace and by seller size.
BASE_ORDERS = {US: 9.0, CA: 3.5, MX: 2.5, UK: 6.0}
SELLER_SCALE = {
    world.NA_SELLER: 1.0,
    world.UK_SELLER: 1.0,
    world.US_ONLY_SELLER: 0.5,
    world.SUSPENDED_SELLER: 0.3,
}
WEEKDAY_FACTOR = (1.0, 0.95, 1.0, 1.05, 1.2, 1.7, 1.8)  # Monday .. Sunday: weekend peaks
MONTH_FACTOR = (0.85, 0.85, 0.95, 0.95, 1.0, 1.0, 1.05, 1.0, 0.95, 1.0, 1.3, 1.5)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 5, 3)
# Price multiplier from a USD price to the marketplace's currency, in minor units.
PRICE_FACTOR = {US: 1.0, CA: 1.35, MX: 18.0, UK: 0.8}

PRODUCT_TYPES = ("HOME", "KITCHEN", "OUTDOOR_LIVING", "PET_SUPPLIES", "TOY_FIGURE", "LUGGAGE")
ADJECTIVES = ("Classic", "Compact", "Deluxe", "Everyday", "Folding", "Natural", "Sturdy", "Travel")
NOUNS = ("Basket", "Bottle", "Cushion", "Lamp", "Organizer", "Planter", "Tote", "Tray", "Mug")
COLOURS = ("Black", "Blue", "Green", "Grey", "Red", "Sand", "White")


class Issue(NamedTuple):
    """One listing issue as searchListingsItems reports it."""

    code: str
    message: str
    severity: str
    categories: tuple[str, ...]
    attribute_names: tuple[str, ...]


ISSUES = {
    "ERROR": (
        Issue("90220", "'item_name' is required but not supplied.", "ERROR",
              ("MISSING_ATTRIBUTE",), ("item_name",)),
        Issue("18027", "The main image is missing or does not meet the image requirements.",
              "ERROR", ("MISSING_IMAGE",), ("main_product_image_locator",)),
        Issue("8541", "The 'list_price' conflicts with the value in the Amazon catalog.",
              "ERROR", ("INVALID_ATTRIBUTE",), ("list_price",)),
    ),
    "WARNING": (
        Issue("99022", "The price is much higher than recent prices for this item.", "WARNING",
              ("INVALID_PRICE",), ("purchasable_offer",)),
        Issue("100339", "'bullet_point' is recommended but not supplied.", "WARNING",
              ("MISSING_ATTRIBUTE",), ("bullet_point",)),
    ),
    "INFO": (
        Issue("100380", "Adding a 'product_description' helps customers find this item.", "INFO",
              ("MISSING_ATTRIBUTE",), ("product_description",)),
        Issue("18208", "A second image would make this listing more complete.", "INFO",
              ("MISSING_IMAGE",), ("other_product_image_locator_1",)),
    ),
}  # fmt: skip


class Listing(NamedTuple):
    """One seeded listing of a seller in a marketplace (dates are days around the history start)."""

    sku: str
    asin: str
    name: str
    product_type: str
    price: int  # minor units of the marketplace's currency
    created_day: int  # days before the history start
    updated_day: int  # days after the history start (before two years are over)
    issues: tuple[Issue, ...]


class Item(NamedTuple):
    """One order line: a listing, the units bought and the unit price (minor units)."""

    sku: str
    asin: str
    quantity: int
    price: int


class SeededOrder(NamedTuple):
    """One seeded order: purchase time, lines, and its status changes (epoch, status)."""

    order_id: str
    purchase: float
    items: tuple[Item, ...]
    channel: str
    business: bool
    prime: bool
    timeline: tuple[tuple[float, str], ...]


def zone(marketplace_id: str) -> ZoneInfo:
    """Return the marketplace's reporting time zone."""
    return ZoneInfo(TIME_ZONES[marketplace_id])


def money(minor: int) -> str:
    """Format minor units as Amazon's decimal string, e.g. 1299 -> '12.99'."""
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def history_start(reset_epoch: float) -> float:
    """Return the first instant with orders: UTC midnight two years before the reset's day."""
    day = datetime.fromtimestamp(reset_epoch, UTC).date() - timedelta(days=HISTORY_DAYS)
    return datetime.combine(day, time(), UTC).timestamp()


@cache
def listings(seller_id: str, marketplace_id: str) -> tuple[Listing, ...]:
    """Return the seller's listings in a marketplace, sorted by SKU (a few hundred)."""
    rng = random.Random(f"listings|{seller_id}|{marketplace_id}")
    count = rng.randint(240, 360)
    error_share = 0.2 if seller_id == world.SUSPENDED_SELLER else 0.04
    result = []
    for n in range(count):
        product_type = rng.choice(PRODUCT_TYPES)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)}, {rng.choice(COLOURS)}"
        usd = rng.choice((8, 12, 15, 19, 24, 29, 34, 39, 49, 59, 79)) * 100 - 1
        price = int(round(usd * PRICE_FACTOR[marketplace_id], -2)) - 1
        issues: list[Issue] = []
        roll = rng.random()
        if roll < error_share:
            issues.append(rng.choice(ISSUES["ERROR"]))
        if rng.random() < 0.07:
            issues.append(rng.choice(ISSUES["WARNING"]))
        if rng.random() < 0.05:
            issues.append(rng.choice(ISSUES["INFO"]))
        result.append(
            Listing(
                sku=f"{SELLER_CODE[seller_id]}-{ORDER_PREFIX[marketplace_id]}-{n + 1:04d}",
                asin="B0" + "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=8)),
                name=name,
                product_type=product_type,
                price=price,
                created_day=rng.randint(1, 400),
                updated_day=rng.randint(0, HISTORY_DAYS - 30),
                issues=tuple(issues),
            )
        )
    return tuple(result)


@cache
def sellable(seller_id: str, marketplace_id: str) -> tuple[Listing, ...]:
    """Return the listings orders are drawn from: those without an ERROR issue."""
    return tuple(
        item
        for item in listings(seller_id, marketplace_id)
        if not any(issue.severity == "ERROR" for issue in item.issues)
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw a Poisson-distributed count (Knuth's method; means here stay small)."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


@lru_cache(maxsize=32768)
def day_orders(seller_id: str, marketplace_id: str, day: date) -> tuple[SeededOrder, ...]:
    """Return the orders placed on one local day of the marketplace, by purchase time."""
    rng = random.Random(f"orders|{seller_id}|{marketplace_id}|{day.isoformat()}")
    mean = (
        BASE_ORDERS[marketplace_id]
        * SELLER_SCALE[seller_id]
        * WEEKDAY_FACTOR[day.weekday()]
        * MONTH_FACTOR[day.month - 1]
    )
    tz = zone(marketplace_id)
    count = _poisson(rng, mean)
    times = sorted(
        datetime.combine(
            day,
            time(rng.choices(range(24), HOUR_WEIGHTS)[0], rng.randrange(60), rng.randrange(60)),
            tz,
        ).timestamp()
        for _ in range(count)
    )
    catalog = sellable(seller_id, marketplace_id)
    dayno = (day - date(2000, 1, 1)).days
    orders = []
    for index, purchase in enumerate(times):
        lines = rng.choices((1, 2, 3), (70, 22, 8))[0]
        items = tuple(
            Item(listing.sku, listing.asin, rng.choices((1, 2, 3), (85, 12, 3))[0], listing.price)
            for listing in rng.sample(catalog, lines)
        )
        channel = "AFN" if rng.random() < 0.6 else "MFN"
        if rng.random() < 0.03:
            timeline = ((purchase, "Pending"), (purchase + rng.uniform(1800, 108000), "Canceled"))
        else:
            paid = purchase + rng.uniform(300, 7200)
            ship_hours = (6, 36) if channel == "AFN" else (12, 72)
            shipped = paid + rng.uniform(*ship_hours) * 3600
            timeline = ((purchase, "Pending"), (paid, "Unshipped"), (shipped, "Shipped"))
        order_id = (
            f"{ORDER_PREFIX[marketplace_id]}-{SELLER_CODE[seller_id]}{dayno:05d}"
            f"-{rng.randrange(10000):04d}{index:03d}"
        )
        orders.append(
            SeededOrder(
                order_id=order_id,
                purchase=purchase,
                items=items,
                channel=channel,
                business=rng.random() < 0.08,
                prime=channel == "AFN" and rng.random() < 0.7,
                timeline=timeline,
            )
        )
    return tuple(orders)


def local_day(marketplace_id: str, epoch: float) -> date:
    """Return the marketplace's local date of an instant."""
    return datetime.fromtimestamp(epoch, zone(marketplace_id)).date()


def orders_between(
    seller_id: str, marketplace_id: str, start: float, end: float, first: float
) -> list[SeededOrder]:
    """Return the seeded orders purchased in [start, end], none before `first` (history start)."""
    start = max(start, first)
    if end < start:
        return []
    day, last = local_day(marketplace_id, start), local_day(marketplace_id, end)
    found: list[SeededOrder] = []
    while day <= last:
        found.extend(
            order
            for order in day_orders(seller_id, marketplace_id, day)
            if start <= order.purchase <= end
        )
        day += timedelta(days=1)
    return found


def find_order(order_id: str) -> tuple[str, str, SeededOrder] | None:
    """Return (seller, marketplace, order) of a seeded order id, or None if it is not one."""
    try:
        prefix, middle, _ = order_id.split("-")
        dayno = int(middle[2:])
    except ValueError:
        return None
    marketplace = next((mp for mp, p in ORDER_PREFIX.items() if p == prefix), None)
    seller = next((s for s, code in SELLER_CODE.items() if code == middle[:2]), None)
    if marketplace is None or seller is None or len(middle) != 7 or dayno > 50000:
        return None
    day = date(2000, 1, 1) + timedelta(days=dayno)
    for order in day_orders(seller, marketplace, day):
        if order.order_id == order_id:
            return seller, marketplace, order
    return None
