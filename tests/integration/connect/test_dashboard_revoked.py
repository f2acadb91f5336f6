"""A revoked store's dashboard says what happened and what to do once, not at every fact."""

import html
import re

from asc_web.connect.checks import REVOKED_MESSAGE


def _text(page: str) -> str:
    """The words of a page as a person reads them (tags gone, spaces collapsed)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_revoked_stores_dashboard_says_reconnect_once(live, merchant, connected_store, hooks,
                                                        move_clock):  # fmt: skip
    store_id = connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    hooks.post("revoke", email="uk.primary@example.com")
    move_clock(hours=2)  # the cached access token has expired: LWA must be asked
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert "1 revoked" in result.output, result.output

    merchant.sign_in()  # two hours later the session has ended
    page = _text(merchant.http.get(f"{live.url}/stores/{store_id}").text)
    assert "Reconnect required" in page
    assert page.count(REVOKED_MESSAGE) == 1  # the status line; not Last checked, not Activity
    assert re.search(r"Last checked .* UTC : Amazon refused the authorization", page)
    assert "Connection check: Amazon refused the authorization (revoked or expired)." in page
