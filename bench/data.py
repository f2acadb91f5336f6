"""Build a benchmark install: real migrations, an admin, then N stores in bulk."""

from __future__ import annotations

import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import bindparam, func, insert, select, text, update

from .databases import analyze, count_stores, migrate
from .settings import Settings

COUNTRIES = ("US", "CA", "MX", "UK")
COLLEAGUE = "bench.colleague@example.com"
# Stores the connect-flow driver renews; each pairs a marketplace with a sandbox seller.
FLOW_SELLERS = {
    "US": "na.primary@example.com",
    "CA": "na.primary@example.com",
    "MX": "na.primary@example.com",
    "UK": "uk.primary@example.com",
}


@dataclass(frozen=True)
class Dataset:
    """A built install and the ids the endpoints need."""

    size: int
    settings: Settings
    sample_store_id: int
    flow_stores: dict[str, int]
    statuses: dict[str, int]
    # The add-store form's fields that stay the same (url-encoded); name and country vary.
    form: str
    # Stores in the database once built: ``size`` and the four flow stores (the last page
    # of the home page is computed from it).
    stores: int
    # A page of connected stores whose first import has not run (none of the bench's has):
    # the stores a home page's figures poller asks for (``figures_poll``), newest first.
    importing: tuple[int, ...] = ()


def kind(i: int) -> str:
    """Which status store number ``i`` is built to have (half connected, all statuses)."""
    if i % 16 in (5, 10):
        return "inactive"
    if i % 2 == 1:
        return "awaiting" if (i // 2) % 5 == 0 else "not_connected"
    step = (i // 2) % 10
    if step < 5:
        return "active"
    return ("renewal_due", "renewal_due", "expired", "expired", "revoked")[step - 5]


# The statuses of the bench's stores that sync (asc_web/sync/figures.py ``SYNCING``: its
# "awaiting" is a renewal's open attempt; the bench's awaiting stores were never connected).
SYNCING = ("active", "renewal_due")


def build(size: int, settings: Settings) -> Dataset:
    """Migrate an empty database and fill it with ``size`` stores plus the flow stores."""
    from asc_web import clock, create_app
    from asc_web.auth import services
    from asc_web.extensions import db
    from asc_web.stores.listing import PER_PAGE

    migrate(settings)
    app = create_app(settings.config())
    with app.app_context():
        admin = services.create_first_admin(settings.admin_email, settings.admin_password)
        # The open attempts belong to a colleague: the admin may hold only five at once,
        # and the connect-flow driver signs in as the admin.
        colleague = services.create_user(COLLEAGUE, secrets.token_urlsafe(18), "manager")
        db.session.commit()
        now = clock.utcnow()
        ids = _insert_stores(size, admin.id, now)
        _insert_facts(size, ids, colleague.id, now, settings)
        db.session.commit()
        analyze(db.engine)  # PostgreSQL only: see databases.analyze
        statuses = _status_counts(now)
        flows = {c: ids[f"bench connect {c.lower()}"] for c in COUNTRIES}
        form = _form_fields()
        db.session.remove()  # gives its connection back, so that dispose closes it
        db.engine.dispose()
    stores = count_stores(settings)
    candidates = [*range(size // 2, size), *range(size)]
    middle = next((i for i in candidates if kind(i) == "active"), 0)
    sample = ids[_name(middle).casefold()]
    syncing = (ids[_name(i).casefold()] for i in range(size) if kind(i) in SYNCING)
    importing = tuple(itertools.islice(syncing, PER_PAGE))
    return Dataset(size, settings, sample, flows, statuses, form, stores, importing)


def _form_fields() -> str:
    """The add-store fields besides name and country: the catalog's first website, ASIN."""
    from asc_web.extensions import db
    from asc_web.models import ProductAttribute, Website

    website = db.session.scalar(select(Website.id).order_by(Website.id))
    attribute = db.session.scalar(
        select(ProductAttribute.id).where(ProductAttribute.code == "asin")
    )
    fields = {"website": website, "email": "bench@example.com", "product_id_type": "ASIN",
              "attribute": attribute}  # fmt: skip
    return urlencode(fields)


def _name(i: int) -> str:
    """Store number ``i``'s name (its country is part of it)."""
    return f"Amazon Store {i:05d} {COUNTRIES[(i // 2) % 4]}"


def _insert_stores(size: int, admin_id: int, now: datetime) -> dict[str, int]:
    """Insert the stores (newest first on the home page: store 0); return ids by name key."""
    from asc_web.extensions import db
    from asc_web.models import PRODUCT_ID_TYPES, ProductAttribute, Store, Website

    website = db.session.scalar(select(Website.id).order_by(Website.id))
    asin = select(ProductAttribute.id).where(ProductAttribute.code == "asin")
    attribute = db.session.scalar(asin)
    common = {"website_id": website, "attribute_id": attribute, "created_by_id": admin_id}
    rows = []
    for i in range(size):
        when = now - timedelta(minutes=5 * i + 1)
        rows.append(
            {
                **common,
                "name": _name(i),
                "name_key": _name(i).casefold(),
                "email": f"store{i}@example.com",
                "marketplace_code": COUNTRIES[(i // 2) % 4],
                "product_id_type": PRODUCT_ID_TYPES[i % len(PRODUCT_ID_TYPES)],
                "active": kind(i) != "inactive",
                "created_at": when,
                "updated_at": when,
            }
        )
    for n, code in enumerate(COUNTRIES):
        name = f"Bench Connect {code}"
        when = now - timedelta(days=800 + n)
        rows.append(
            {
                **common,
                **{"name": name, "name_key": name.casefold(), "email": "flow@example.com"},
                **{"marketplace_code": code, "product_id_type": "ASIN", "active": True},
                **{"created_at": when, "updated_at": when},
            }
        )
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(Store), rows[start : start + 2000])
    return dict(db.session.execute(select(Store.name_key, Store.id)).all())


def _insert_facts(size: int, ids: dict[str, int], user_id: int, now, settings) -> None:
    """Add authorizations (encrypted fake tokens, one per connected store) and open attempts
    according to ``kind``."""
    from asc_web.amazon.marketplaces import MARKETPLACES
    from asc_web.crypto import TokenVault
    from asc_web.extensions import db
    from asc_web.models import Authorization, AuthorizationAttempt, Store

    vault = TokenVault(settings.token_keys)
    connections, attempts = [], []
    for i in range(size):
        store_id, status = ids[_name(i).casefold()], kind(i)
        market = MARKETPLACES[COUNTRIES[(i // 2) % 4]]
        if status == "awaiting":
            digest = hashlib.sha256(f"bench-{i}".encode()).hexdigest()
            attempts.append({"store_id": store_id, "user_id": user_id, "region": market.region,
                             "state_hash": digest, "session_hash": digest, "purpose": "connect",
                             "created_at": now, "expires_at": now + timedelta(days=1)})  # fmt: skip
            continue
        if status not in ("active", "renewal_due", "expired", "revoked"):
            continue
        age = {"active": 10 + i % 300, "renewal_due": 340 + i % 20, "expired": 370 + i % 100,
               "revoked": 100}[status]  # fmt: skip
        authorized = now - timedelta(days=age)
        connections.append({
            "id": store_id, "selling_partner_id": f"BENCH{i:09d}", "region": market.region,
            "amazon_store_name": f"Seller {i}",
            "participations": [{"id": market.marketplace_id, "name": market.country,
                                "participating": True, "suspended": False}],
            "refresh_token_encrypted": vault.encrypt(f"authorization-{store_id}",
                                                     f"Atzr|bench-{i}"),
            "authorized_at": authorized, "expires_at": authorized + timedelta(days=365),
            "revoked_at": now - timedelta(days=20) if status == "revoked" else None,
            "last_checked_at": now - timedelta(days=1), "last_check_ok": status != "revoked",
            "created_at": authorized, "updated_at": authorized,
        })  # fmt: skip
    for rows, model in ((connections, Authorization), (attempts, AuthorizationAttempt)):
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(model), rows[start : start + 2000])
    links = [{"sid": row["id"], "aid": row["id"]} for row in connections]
    link = (
        update(Store.__table__)
        .where(Store.__table__.c.id == bindparam("sid"))
        .values(authorization_id=bindparam("aid"))
    )
    for start in range(0, len(links), 2000):
        db.session.connection().execute(link, links[start : start + 2000])
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence on, so
        # that an authorization the connect flows create gets a free id
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('authorizations', 'id'), "
                                "(SELECT coalesce(max(id), 1) FROM authorizations))"))  # fmt: skip


def _status_counts(now: datetime) -> dict[str, int]:
    """How many stores have each status, computed by the app's own SQL rules."""
    from asc_web.extensions import db
    from asc_web.models import Store
    from asc_web.models.status import LABELS, condition

    return {
        code: db.session.scalar(select(func.count(Store.id)).where(condition(code, now)))
        for code in LABELS
    }
