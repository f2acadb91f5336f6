"""The Magento side: websites and product attributes."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from . import routes_catalog  # noqa: E402, F401  (routes attach themselves to ``bp``)
