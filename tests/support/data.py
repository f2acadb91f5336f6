"""Test data made directly in the database (the forms that make it are tested elsewhere)."""

from __future__ import annotations

from asc_web.extensions import db
from asc_web.models import ProductAttribute, Store, Website
from asc_web.stores import names


def insert_store(
    app,
    name: str = "Amazon Store USA",
    country: str = "US",
    *,
    email: str = "shop@example.com",
    attribute: str | None = None,
    **extra,
) -> int:
    """Insert a store on the Main Website; return its id.

    ``attribute`` is a product attribute code (the first seeded one when omitted);
    ``extra`` sets more ``Store`` columns (``active=False``, dates, …).
    """
    with app.app_context():
        attributes = db.select(ProductAttribute.id).order_by(ProductAttribute.id)
        if attribute is not None:
            attributes = attributes.where(ProductAttribute.code == attribute)
        store = Store(
            name=name,
            name_key=names.fold(name),
            email=email,
            marketplace_code=country,
            website_id=db.session.scalar(db.select(Website.id).order_by(Website.id)),
            product_id_type="ASIN",
            attribute_id=db.session.scalar(attributes.limit(1)),
            **extra,
        )
        db.session.add(store)
        db.session.commit()
        return store.id


def add_authorization(
    store_ids: list[int],
    seller: str = "A1NASELLER0001",
    region: str = "NA",
    *,
    authorized_at=None,
    revoked_at=None,
    **extra,
):
    """Add an authorization used by ``store_ids`` (inside an app context; the caller commits).

    Each store's marketplace is listed as participating, as the Sellers API would say.
    """
    from datetime import timedelta

    from asc_web import clock
    from asc_web.models import Authorization

    authorized_at = authorized_at or clock.utcnow()
    stores = [db.session.get(Store, store_id) for store_id in store_ids]
    authorization = Authorization(
        selling_partner_id=seller,
        region=region,
        authorized_at=authorized_at,
        expires_at=authorized_at + timedelta(days=365),
        revoked_at=revoked_at,
        participations=[
            {"id": s.marketplace.marketplace_id, "name": s.marketplace.country,
             "participating": True, "suspended": False}
            for s in stores
        ],
        **extra,
    )  # fmt: skip
    db.session.add(authorization)
    db.session.flush()
    for store in stores:
        store.authorization_id = authorization.id
    db.session.flush()
    return authorization


def activity(store_id: int) -> list[tuple[str, int | None, str]]:
    """The store's Activity entries, oldest first: (action, user id, detail) (inside an app
    context)."""
    from asc_web.models import StoreActivity

    rows = db.session.execute(
        db.select(StoreActivity.action, StoreActivity.user_id, StoreActivity.detail)
        .where(StoreActivity.store_id == store_id)
        .order_by(StoreActivity.id)
    ).all()
    return [tuple(row) for row in rows]
