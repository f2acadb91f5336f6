"""Connect store: SP-API website authorization, its callback and the live store card."""

from flask import Blueprint

bp = Blueprint("connect", __name__)

from . import routes  # noqa: E402, F401  (routes attach themselves to ``bp``)
