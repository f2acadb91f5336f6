"""Pre-Setup Tasks: ticked once for the install, in the modal, its page and Learning."""

import html

import pytest

from tests.integration.stores.conftest import HTMX

TASK_TITLES = (
    "Amazon Seller Central professional account",
    "Primary user's sign-in details",
    "Approved seller with return, tax and shipping policies",
    "VAT registration for the United Kingdom",
    "Product identifier attributes in your catalog",
    "Currency and exchange rates",
    "A condition attribute",
    "Shipping settings in Seller Central",
)


def _tick(client, stores, key, done=True, htmx=False, origin="learning"):
    data = {"csrf_token": stores.token(client), "from": origin}
    if done:
        data["done"] = "1"
    return client.post(f"/learning/tasks/{key}", data=data, headers=HTMX if htmx else {})


def test_learning_and_pre_setup_list_every_task(client, accounts):
    accounts.signed_in("manager")
    for path in ("/learning", "/stores/pre-setup"):
        page = html.unescape(client.get(path).text)
        for title in TASK_TITLES:
            assert title in page, (path, title)
        assert "0 of 8 tasks done" in page
    assert 'href="/stores/new">Continue</a>' in client.get("/stores/pre-setup").text


def test_ticking_with_htmx_answers_the_task_and_the_progress(client, accounts, stores):
    accounts.signed_in("manager")
    response = _tick(client, stores, "uk_vat", htmx=True)
    assert response.text.lstrip().startswith('<li class="task is-done" id="task-item-uk_vat">')
    assert '<hx-partial hx-target="#tasks-progress" hx-swap="innerHTML">1 of 8 tasks done' in (
        response.text
    )
    untick = _tick(client, stores, "uk_vat", done=False, htmx=True)
    assert '<li class="task" id="task-item-uk_vat">' in untick.text
    assert "0 of 8 tasks done" in untick.text


def test_ticks_are_kept_for_the_whole_install(app, client, accounts, stores):
    accounts.signed_in("manager")
    response = _tick(client, stores, "currency", origin="pre-setup")
    assert (response.status_code, response.headers["Location"]) == (303, "/stores/pre-setup")
    accounts.logout()
    other = app.test_client()
    accounts.client = other
    accounts.signed_in("admin")
    page = other.get("/learning").text
    assert "1 of 8 tasks done" in page
    assert 'id="task-currency" name="done" value="1" checked' in page


@pytest.mark.parametrize("key", ["nope", "../etc", "x" * 300])
def test_an_unknown_task_is_404(client, accounts, stores, key):
    accounts.signed_in("manager")
    assert _tick(client, stores, key).status_code == 404
