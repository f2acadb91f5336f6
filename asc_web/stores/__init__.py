"""Amazon stores: the home view, adding stores, the store dashboard and settings."""

from flask import Blueprint

bp = Blueprint("stores", __name__)

from . import routes  # noqa: E402, F401  (routes attach themselves to ``bp``)
