"""What every store card of a response shares, worked out once instead of once per card.

A home page renders 24 cards; each needs the same handful of URLs (only the store id
differs), the viewer's role, the CSRF token and a flag picture. ``url_for`` costs tens of
microseconds a call, so the card macro asks ``card_kit()`` instead: one URL is built per
endpoint and request, and each card fills its store id in.
"""

from __future__ import annotations

import time

from flask import current_app, g, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .. import clock
from ..amazon.marketplaces import MARKETPLACES
from ..models.freshness import LastChecked, last_checked
from ..web import static_url

# A store id no real store has: the URL is built with it, then split where it appears.
_MARK = 987_654_321


# Built patterns, by endpoint, values and the app's mount point (relative URLs only).
_patterns: dict[tuple, tuple[str, str]] = {}


class IdUrl:
    """``url_for(endpoint, store_id=<id>, **values)`` for any id, at the cost of one call.

    The pattern is built once per process (and mount point), then reused by every request.
    """

    __slots__ = ("head", "tail")

    def __init__(self, endpoint: str, **values):
        key = (endpoint, tuple(sorted(values.items())), request.script_root)
        pattern = _patterns.get(key)
        if pattern is None:
            url = url_for(endpoint, store_id=_MARK, **values)
            head, _, tail = url.partition(str(_MARK))
            # Escaped once here: the id between them is digits, which need no escaping.
            pattern = _patterns[key] = (str(escape(head)), str(escape(tail)))
        self.head, self.tail = pattern

    def __call__(self, store_id: int) -> Markup:
        """The URL for ``store_id``, already escaped for HTML."""
        return Markup(f"{self.head}{int(store_id)}{self.tail}")  # noqa: S704 - escaped parts, an int


class CardLinks:
    """One card's URLs, escaped for HTML (one call from the template instead of six)."""

    __slots__ = ("dashboard", "switch", "settings", "delete", "start", "cancel")

    def __init__(self, kit: CardKit, store_id: int, active: bool):
        self.dashboard = kit.dashboard(store_id)
        self.switch = (kit.deactivate if active else kit.activate)(store_id)
        self.settings = kit.settings(store_id)
        self.delete = kit.delete(store_id)
        self.start = kit.connect_start(store_id)
        self.cancel = kit.connect_cancel(store_id)


class _once:  # noqa: N801 - used as a decorator, like functools.cached_property
    """A lazily computed attribute; unlike ``functools.cached_property`` (Python 3.11) it
    takes no lock, which every request's threads would otherwise contend for."""

    def __init__(self, compute):
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.compute(obj)
        return value


# Signed CSRF tokens by app and session token, reused for a minute: signing one costs
# about as much as the rest of a card poll's template. A token stays valid for
# WTF_CSRF_TIME_LIMIT after it was signed, so a reused one expires at most a minute early.
CSRF_REUSE_SECONDS = 60
_signed_tokens: dict[tuple[int, str], tuple[float, str]] = {}


def csrf_token() -> str:
    """``flask_wtf.csrf.generate_csrf()``, reusing this session's recent signed token."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field in g:
        return g.get(field)
    now = time.monotonic()
    raw = session.get(field)
    hit = _signed_tokens.get((id(current_app._get_current_object()), raw)) if raw else None
    if hit is not None and now - hit[0] < CSRF_REUSE_SECONDS:
        setattr(g, field, hit[1])
        return hit[1]
    token = generate_csrf()
    if len(_signed_tokens) > 1000:
        for key, (signed_at, _token) in list(_signed_tokens.items()):
            if now - signed_at >= CSRF_REUSE_SECONDS:
                _signed_tokens.pop(key, None)
    _signed_tokens[(id(current_app._get_current_object()), session[field])] = (now, token)
    return token


class CardKit:
    """Per-request values for store cards; each is computed on first use only."""

    def links(self, store_id: int, active: bool) -> CardLinks:
        """The URLs one card links to."""
        return CardLinks(self, store_id, active)

    @_once
    def can_manage(self) -> bool:
        """Whether the viewer may act on stores (admins and managers)."""
        return bool(current_user.can_manage)

    @_once
    def now(self):
        """The time every card of the response is shown at."""
        return clock.utcnow()

    def last_checked(self, authorization, code: str) -> LastChecked:
        """When Amazon last answered for ``authorization``, in words (status ``code``)."""
        ended = code == "reconnect_required"
        return last_checked(authorization.last_checked_at, self.now, ended)

    @_once
    def csrf(self) -> Markup:
        """The CSRF token for the cards' button-only forms (escaped once)."""
        return escape(csrf_token())

    @_once
    def flags(self) -> dict[str, Markup]:
        """Each marketplace's flag picture."""
        key = request.script_root
        flags = None if current_app.debug else _flags.get(key)
        if flags is None:
            flags = _flags[key] = {
                code: escape(static_url(f"img/flags/{code.lower()}.svg")) for code in MARKETPLACES
            }
        return flags

    @_once
    def dashboard(self) -> IdUrl:
        return IdUrl("stores.dashboard")

    @_once
    def activate(self) -> IdUrl:
        return IdUrl("stores.activate")

    @_once
    def deactivate(self) -> IdUrl:
        return IdUrl("stores.deactivate")

    @_once
    def settings(self) -> IdUrl:
        return IdUrl("stores.settings")

    @_once
    def delete(self) -> IdUrl:
        return IdUrl("stores.delete", **{"from": "home"})

    @_once
    def connect_start(self) -> IdUrl:
        return IdUrl("connect.start")

    @_once
    def connect_cancel(self) -> IdUrl:
        return IdUrl("connect.cancel")


def store_url(endpoint: str, store_id: int, **values) -> Markup:
    """``url_for(endpoint, store_id=store_id, **values)`` from a cached pattern (escaped)."""
    return IdUrl(endpoint, **values)(store_id)


def page_url(endpoint: str) -> str:
    """``url_for(endpoint)`` for a page without arguments, built once per process."""
    key = (endpoint, request.script_root)
    url = _page_urls.get(key)
    if url is None:
        url = _page_urls[key] = url_for(endpoint)
    return url


_page_urls: dict[tuple[str, str], str] = {}
# Flag pictures' URLs by mount point (static_url caches them too; this skips four calls).
_flags: dict[str, dict[str, Markup]] = {}


def card_kit() -> CardKit:
    """This request's ``CardKit`` (a template global)."""
    kit = g.get("asc_card_kit")
    if kit is None:
        kit = g.asc_card_kit = CardKit()
    return kit
