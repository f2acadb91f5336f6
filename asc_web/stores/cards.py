"""What every store card of a response shares, worked out once per response.

A home page renders 24 cards; each asks the viewer's role, the time the response is shown
at and the CSRF token of its button-only forms. ``card_kit()`` (a template global) holds
them for the request, and each card's Amazon figures once worked out.
"""

from __future__ import annotations

from functools import cached_property

from flask import g
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .. import clock
from ..models.freshness import LastChecked, last_checked
from ..sync import figures
from . import charts


class CardKit:
    """Per-request values for store cards; each is computed on first use only."""

    @cached_property
    def can_manage(self) -> bool:
        """Whether the viewer may act on stores (admins and managers)."""
        return bool(current_user.can_manage)

    @cached_property
    def now(self):
        """The time every card of the response is shown at."""
        return clock.utcnow()

    @cached_property
    def csrf(self) -> Markup:
        """The CSRF token for the cards' button-only forms (escaped once)."""
        return escape(generate_csrf())

    def last_checked(self, authorization, code: str) -> LastChecked:
        """When Amazon last answered for ``authorization``, in words (status ``code``)."""
        ended = code == "reconnect_required"
        return last_checked(authorization.last_checked_at, self.now, ended)

    def __init__(self):
        self._figures: dict[tuple[int, str], figures.CardFigures | None] = {}

    def sync_figures(self, store, status) -> figures.CardFigures | None:
        """The store's Amazon figures for its card (from the sync row loaded with it);
        worked out once per store and status in a response."""
        key = store.id, status.code
        if key not in self._figures:
            self._figures[key] = figures.for_card(store, status.code, self.now)
        return self._figures[key]

    def polled(self, cards) -> list[int]:
        """The ids of the stores among ``cards`` (store, status) whose figures ask again
        while their first import runs: a page of cards asks for them all at once
        (``stores/_card_figures.html``, ``figures_poller``)."""
        return [
            store.id for store, status in cards
            if (found := self.sync_figures(store, status)) is not None and found.poll
        ]  # fmt: skip

    @staticmethod
    def sparkline(recent: figures.Recent) -> charts.Sparkline:
        """The card's sparkline of the 30 daily figures."""
        return charts.sparkline(recent.daily_minor)


def card_kit() -> CardKit:
    """This request's ``CardKit`` (a template global)."""
    kit = g.get("asc_card_kit")
    if kit is None:
        kit = g.asc_card_kit = CardKit()
    return kit
