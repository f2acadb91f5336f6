"""Amazon stores: the home view, adding stores, the store dashboard and settings."""

from flask import Blueprint

from .cards import card_kit

bp = Blueprint("stores", __name__)
bp.add_app_template_global(card_kit)

# What other features (connect's routes) answer with: find a store, answer an action on it.
from .answers import after_change, origin, sibling_cards, store_or_404  # noqa: E402

__all__ = ["after_change", "bp", "origin", "sibling_cards", "store_or_404"]

from . import routes_home, routes_learning, routes_store  # noqa: E402, F401  (routes attach themselves to ``bp``)
