"""Two gunicorn servers, one PostgreSQL, one Redis: sessions, connects, limits and checks shared."""

from __future__ import annotations

import os
import re
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from cryptography.fernet import Fernet

from asc_web.auth import services as accounts
from asc_web.extensions import db
from asc_web.models import Authorization, ProductAttribute, Store, StoreActivity, Website
from tests.conftest import PASSWORD, PG_URL, _wipe_postgres
from tests.security.conftest import REDIS_URL

from .servers import Gunicorn, Person, dispose, free_port, local_app, run_flask

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="several servers need ASC_TEST_DATABASE_URL"),
    pytest.mark.skipif(not REDIS_URL, reason="several servers need ASC_TEST_REDIS_URL"),
]
# Every (seller, marketplace) pair the sandbox offers: one store each.
SELLERS = {
    "US": "na.primary@example.com",
    "CA": "na.primary@example.com",
    "MX": "na.primary@example.com",
    "UK": "uk.primary@example.com",
    "US 2": "us.only@example.com",
    "CA 2": "us.only@example.com",
    "US 3": "suspended@example.com",
}


@pytest.fixture(scope="module")
def cluster(postgres_schema, tmp_path_factory):
    """Servers A and B (2 gthread workers each). Both send Amazon calls to A's sandbox."""
    shared = tmp_path_factory.mktemp("cluster")
    port_a, port_b = free_port(), free_port()
    prefix = f"asc-cluster-{uuid.uuid4().hex}"
    settings = {
        "DATABASE_URL": postgres_schema,
        "SECRET_KEY": "cluster-secret-key-" + uuid.uuid4().hex,
        "TOKEN_KEYS": Fernet.generate_key().decode(),
        # Both use A's embedded sandbox and A's registered redirect URI.
        "PUBLIC_URL": f"http://127.0.0.1:{port_a}",
        "INSTANCE_PATH": str(shared / "instance"),
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT_PER_ACCOUNT": "4 per minute",
        "LOGIN_LIMIT_PER_IP": "1000 per minute",
        "HTTP_READ_TIMEOUT": 10,
    }
    _wipe_postgres(postgres_schema)
    servers = []
    try:
        servers.append(Gunicorn(settings, port_a, shared / "a.log"))
        servers.append(Gunicorn(settings, port_b, shared / "b.log"))
        yield settings, servers[0], servers[1]
    finally:
        for server in servers:
            server.stop()
        import redis

        store = redis.Redis.from_url(REDIS_URL)
        for key in store.scan_iter(f"*{prefix}*"):
            store.delete(key)
        store.close()


@pytest.fixture
def fresh(cluster, postgres_schema):
    """An empty database and sandbox, an admin, and the ids the store form needs."""
    settings, a, _ = cluster
    _wipe_postgres(postgres_schema)
    assert requests.post(a.url + "/sandbox/_hooks/reset", timeout=10).status_code == 200
    app = local_app(settings)
    with app.app_context():
        accounts.create_user("owner@example.com", PASSWORD, "admin")
        db.session.commit()
        ids = (
            db.session.scalar(db.select(Website.id).order_by(Website.id)),
            db.session.scalar(db.select(ProductAttribute.id).order_by(ProductAttribute.id)),
        )
    yield app, ids
    dispose(app)


def _on(url: str, base: str) -> str:
    """``url`` with the scheme and host of ``base`` (the same path on the other server)."""
    parts, target = urlsplit(url), urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


def _store_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Store.id).where(Store.name == name))


def test_connect_started_on_one_server_completes_on_the_other(cluster, fresh):
    _, a, b = cluster
    app, (website, attribute) = fresh
    owner = Person(a.url, "owner@example.com")
    try:
        assert owner.sign_in().status_code == 303
        assert owner.add_store("Cluster USA", "US", website, attribute).status_code == 303
        store_id = _store_id(app, "Cluster USA")
        callback = owner.authorize(store_id, SELLERS["US"])  # started on A
        assert callback.startswith(a.url + "/amazon/callback?")
        done = owner.http.get(_on(callback, b.url), timeout=60)  # …completed on B
        assert "Store connected" in done.text
        assert urlsplit(done.url).netloc == urlsplit(b.url).netloc
        card = owner.http.get(f"{a.url}/stores/{store_id}/card", timeout=30).text
        assert "Active" in card
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count(Authorization.id))) == 1
    finally:
        owner.close()


def test_a_session_started_on_one_server_works_and_ends_on_both(cluster, fresh):
    _, a, b = cluster
    owner = Person(a.url, "owner@example.com")
    try:
        assert owner.sign_in().status_code == 303
        assert owner.http.get(b.url + "/account", allow_redirects=False).status_code == 200
        assert owner.post("/logout", base=b.url).status_code == 303
        for server in (a, b):
            answer = owner.http.get(server.url + "/account", allow_redirects=False)
            assert answer.status_code == 302
    finally:
        owner.close()


def test_the_sign_in_limit_is_counted_across_servers_and_workers(cluster, fresh):
    _, a, b = cluster
    app, _ = fresh
    with app.app_context():
        accounts.create_user("target@example.com", PASSWORD, "viewer")
        db.session.commit()
    attacker = Person(a.url, "target@example.com", password="wrong password!")
    try:
        statuses = [attacker.sign_in(base=(a.url, b.url)[i % 2]).status_code for i in range(6)]
    finally:
        attacker.close()
    assert statuses == [400, 400, 400, 400, 429, 429]
    target = Person(b.url, "target@example.com")
    try:
        assert target.sign_in().status_code == 429, "the account stays locked on every server"
    finally:
        target.close()


def test_connections_check_on_both_servers_at_once_checks_each_authorization_once(cluster, fresh):
    settings, a, _ = cluster
    app, (website, attribute) = fresh
    owner = Person(a.url, "owner@example.com")
    try:
        assert owner.sign_in().status_code == 303
        for country, seller in SELLERS.items():
            name = f"Checked {country}"
            added = owner.add_store(name, country.split()[0], website, attribute)
            assert added.status_code == 303
            callback = owner.authorize(_store_id(app, name), seller)
            assert "Store connected" in owner.http.get(callback, timeout=60).text
    finally:
        owner.close()
    before = requests.get(a.url + "/sandbox/_hooks/stats", timeout=10).json()["sellers_calls"]
    # Slow Amazon down a little so that the two runs overlap.
    requests.post(
        a.url + "/sandbox/_hooks/fail",
        json={"endpoint": "sellers", "delay_s": 0.3, "count": len(SELLERS)},
        timeout=10,
    ).raise_for_status()
    runs = [run_flask(settings, "connections", "check") for _ in range(2)]
    outputs = []
    for run in runs:
        output, _ = run.communicate(timeout=120)
        outputs.append(output)
        assert run.returncode == 0, output
    checked = sum(int(re.search(r"Checked (\d+) store", o).group(1)) for o in outputs)
    after = requests.get(a.url + "/sandbox/_hooks/stats", timeout=10).json()["sellers_calls"]
    assert checked == len(SELLERS), outputs
    # One Sellers call per authorization: four sellers (three North America, one Europe).
    assert after - before == 4, "an authorization was checked twice"
    with app.app_context():
        per_store = db.session.execute(
            db.select(StoreActivity.store_id, db.func.count())
            .where(StoreActivity.action == "checked")
            .group_by(StoreActivity.store_id)
        ).all()
    assert sorted(n for _, n in per_store) == [1] * len(SELLERS)


def test_server_logs_carry_no_secrets(cluster, fresh):
    """After the tests above: gunicorn's access and error logs hold no code, state or token."""
    _, a, b = cluster
    logs = a.output() + b.output()
    assert "/amazon/callback?state=[redacted]" in logs
    for shape in ("spapi_oauth_code=A", "Atza|", "Atzr|", "sandbox-client-secret", PASSWORD):
        assert shape not in logs
    assert "Traceback" not in logs, logs[-3000:]
    assert os.path.getsize(a.log) > 0
