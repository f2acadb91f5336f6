"""Amazon stores: the home view, adding stores, the store dashboard and settings."""

from datetime import datetime

from flask import Blueprint

from .cards import card_kit, page_url, store_url

bp = Blueprint("stores", __name__)
bp.add_app_template_global(card_kit)
bp.add_app_template_global(store_url)
bp.add_app_template_global(page_url)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@bp.app_template_filter("asc_date")
def asc_date(value: datetime) -> str:
    """A day as merchants read it: "Nov 28, 2026" (UTC; English whatever the locale)."""
    return f"{MONTHS[value.month - 1]} {value.day}, {value.year}"


@bp.app_template_filter("iso")
def iso(value: datetime) -> str:
    """A moment for a ``datetime`` attribute (a filter: cheaper than a method call)."""
    return value.isoformat()


@bp.app_template_filter("asc_datetime")
def asc_datetime(value: datetime) -> str:
    """A moment as merchants read it: "Nov 28, 2026, 13:57 UTC"."""
    return f"{asc_date(value)}, {value:%H:%M} UTC"


from . import routes_home, routes_learning, routes_store  # noqa: E402, F401  (routes attach themselves to ``bp``)
