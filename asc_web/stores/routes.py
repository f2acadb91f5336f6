"""Pages of the Amazon Stores area."""

from __future__ import annotations

from flask import render_template

from . import bp


@bp.get("/")
def home():
    """The Amazon Stores view: one card per store, or an invitation to add the first."""
    return render_template("stores/home.html", stores=[])


@bp.get("/learning")
def learning():
    """Learning and Preparation: the pre-setup tasks and where to read more."""
    return render_template("stores/learning.html")


@bp.get("/attributes")
def attributes():
    """The Magento attributes available for mapping to Amazon identifiers."""
    return render_template("stores/attributes.html")
