"""Two identical requests at the same moment: one store, and a clear answer for the other."""

import html
import threading

from tests.conftest import csrf_from


def test_two_identical_creates_at_once_make_one_store_and_no_error(app, accounts, stores):
    accounts.create()
    clients = [app.test_client() for _ in range(2)]
    tokens = []
    for client in clients:
        accounts.client = client
        accounts.login()
        tokens.append(csrf_from(client.get("/stores/new").text))
    barrier = threading.Barrier(2)
    responses = [None, None]

    def create(i):
        barrier.wait()
        data = {**stores.form(), "csrf_token": tokens[i]}
        responses[i] = clients[i].post("/stores/new", data=data)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [303, 422]
    refused = next(r for r in responses if r.status_code == 422)
    assert "A store named “Amazon Store USA” already exists." in html.unescape(refused.text)
    assert stores.names() == ["Amazon Store USA"]


def test_two_renames_to_the_same_name_at_once_leave_one_store_with_it(app, accounts, stores):
    first, second = stores.make("First"), stores.make("Second")
    accounts.create()
    clients = [app.test_client() for _ in range(2)]
    tokens = []
    for client in clients:
        accounts.client = client
        accounts.login()
        tokens.append(csrf_from(client.get("/").text))
    barrier = threading.Barrier(2)
    responses = [None, None]

    def rename(i, store_id):
        barrier.wait()
        data = {"name": "Same", "email": "a@example.com", "csrf_token": tokens[i]}
        responses[i] = clients[i].post(f"/stores/{store_id}/settings", data=data)

    threads = [threading.Thread(target=rename, args=args) for args in ((0, first), (1, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(r.status_code for r in responses) == [303, 422]
    assert sorted(stores.names()) in (["First", "Same"], ["Same", "Second"])


def test_when_the_database_refuses_a_duplicate_the_form_says_so(accounts, stores, monkeypatch):
    # The form's own check saw no clash (as when both requests checked before either saved):
    # the unique index has the last word, and its refusal becomes the same inline message.
    from asc_web.stores import forms

    accounts.signed_in("admin")
    stores.make("Amazon Store USA")
    monkeypatch.setattr(forms.NameRules, "validate_name", lambda self, field: None)
    response = stores.post_new(name="AMAZON STORE USA")
    assert response.status_code == 422
    assert "A store named “Amazon Store USA” already exists." in html.unescape(response.text)
    assert stores.count() == 1
