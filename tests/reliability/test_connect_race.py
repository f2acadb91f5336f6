"""Two stores connected to the same seller and marketplace at the very same moment."""

from __future__ import annotations

import contextlib
import threading

import requests

from asc_web.connect import authorizations
from asc_web.extensions import db
from asc_web.models import Authorization
from tests.conftest import BOTH_DATABASES
from tests.support import amazon

TAKEN = "is already connected to the store"


@BOTH_DATABASES
def test_one_store_wins_and_the_other_is_told_why(
    live, merchant, add_store, hooks, monkeypatch, database_url
):
    first, second = add_store("Race One"), add_store("Race Two")
    callbacks = [
        amazon.authorize(merchant.http, merchant.consent_url(store), "na.primary@example.com")
        for store in (first, second)
    ]
    # Both callbacks pass the "does a store of this marketplace use it?" check before
    # either writes.
    meeting = threading.Barrier(2, timeout=3)
    real_check = authorizations.user_of_marketplace
    waited = []

    def check_together(*args, **kwargs):
        found = real_check(*args, **kwargs)
        if len(waited) < 2:
            waited.append(1)
            # On SQLite one writer goes at a time: the other is still queued, the wait ends.
            with contextlib.suppress(threading.BrokenBarrierError):
                meeting.wait()
        return found

    monkeypatch.setattr(authorizations, "user_of_marketplace", check_together)
    pages = [None, None]

    def visit(i: int) -> None:
        browser = requests.Session()
        browser.cookies.update(merchant.http.cookies)
        pages[i] = browser.get(callbacks[i], timeout=30)
        browser.close()

    threads = [threading.Thread(target=visit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(page.status_code for page in pages)
    assert statuses == [200, 200], statuses
    texts = [page.text for page in pages]
    assert sum("Store connected" in t for t in texts) == 1
    assert sum(TAKEN in t for t in texts) == 1
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 1
