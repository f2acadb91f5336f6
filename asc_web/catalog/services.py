"""Catalog operations: add, rename and remove websites and attributes; the caller commits."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..models import ProductAttribute, Store, Website

log = logging.getLogger(__name__)
NAMES_SHOWN = 3


class CatalogError(ValueError):
    """A catalog change was refused; the message is for the merchant, ``field`` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def usage(column) -> dict[int, int]:
    """How many stores use each website or attribute (``Store.website_id`` or ``attribute_id``)."""
    rows = db.session.execute(select(column, func.count(Store.id)).group_by(column))
    return {row_id: count for row_id, count in rows}


def add_website(code: str, name: str, default_store_view: str) -> Website:
    """Add a website; codes and names are unique."""
    _refuse_duplicate(Website, Website.name, name, "website")
    website = Website(code=code, name=name, default_store_view=default_store_view)
    _insert(website, f"A website with the code “{code}” already exists. Choose another code.")
    log.info("Website %s added", website.id)
    return website


def rename_website(website: Website, name: str, default_store_view: str) -> bool:
    """Change a website's name and default store view; False when nothing changed."""
    if (name, default_store_view) == (website.name, website.default_store_view):
        return False
    _refuse_duplicate(Website, Website.name, name, "website", exclude=website.id)
    website.name, website.default_store_view = name, default_store_view
    db.session.flush()
    return True


def remove_website(website: Website) -> None:
    """Remove a website no store uses."""
    _refuse_in_use(Store.website_id, website.id, f"The website “{website.name}”")
    _delete(website, f"The website “{website.name}”")


def add_attribute(code: str, label: str) -> ProductAttribute:
    """Add a product attribute; codes and labels are unique."""
    _refuse_duplicate(ProductAttribute, ProductAttribute.label, label, "attribute", "label")
    attribute = ProductAttribute(code=code, label=label)
    _insert(attribute, f"An attribute with the code “{code}” already exists. Choose another code.")
    log.info("Attribute %s added", attribute.id)
    return attribute


def rename_attribute(attribute: ProductAttribute, label: str) -> bool:
    """Change an attribute's label; False when nothing changed."""
    if label == attribute.label:
        return False
    _refuse_duplicate(
        ProductAttribute, ProductAttribute.label, label, "attribute", "label", exclude=attribute.id
    )
    attribute.label = label
    db.session.flush()
    return True


def remove_attribute(attribute: ProductAttribute) -> None:
    """Remove an attribute no store maps."""
    _refuse_in_use(Store.attribute_id, attribute.id, f"The attribute “{attribute.label}”")
    _delete(attribute, f"The attribute “{attribute.label}”")


def _refuse_duplicate(model, column, value, noun, field="name", exclude=None) -> None:
    """Two websites (or attributes) with the same name would be indistinguishable on forms."""
    query = select(column).where(func.lower(column) == value.lower())
    if exclude is not None:
        query = query.where(model.id != exclude)
    clash = db.session.scalar(query.limit(1))
    if clash is not None:
        article = "An" if noun[0] in "aeiou" else "A"
        word = "labelled" if field == "label" else "named"
        raise CatalogError(
            f"{article} {noun} {word} “{clash}” already exists. Choose another {field}.", field
        )


def _insert(row, duplicate_message: str) -> None:
    """Insert ``row``; a code taken meanwhile (or before) becomes a ``CatalogError``."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise CatalogError(duplicate_message, "code") from None


def _refuse_in_use(column, row_id: int, what: str) -> None:
    """Refuse to remove what a store uses, naming the stores."""
    names = list(
        db.session.scalars(
            select(Store.name).where(column == row_id).order_by(Store.name).limit(NAMES_SHOWN + 1)
        )
    )
    if not names:
        return
    if len(names) == 1:
        raise CatalogError(
            f"{what} is used by the store “{names[0]}”. Delete that store first, then remove it."
        )
    shown = ", ".join(f"“{name}”" for name in names[:NAMES_SHOWN])
    more = " and others" if len(names) > NAMES_SHOWN else ""
    raise CatalogError(
        f"{what} is used by the stores {shown}{more}. Delete those stores first, then remove it."
    )


def _delete(row, what: str) -> None:
    """Delete ``row``; a store created meanwhile keeps it (the foreign key refuses)."""
    try:
        with db.session.begin_nested():
            db.session.delete(row)
            db.session.flush()
    except IntegrityError:
        raise CatalogError(f"{what} was just chosen for a new store, so it was kept.") from None
    except StaleDataError:
        log.info("%s was already removed", what)  # removed in another tab: the outcome stands
