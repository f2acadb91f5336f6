"""The Magento side: websites and product attributes that stores map to Amazon."""

from __future__ import annotations

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# Seeded on first run: the usual identifier attributes of a Magento catalog.
DEFAULT_WEBSITE = ("base", "Main Website", "Default Store View")
DEFAULT_ATTRIBUTES = (
    ("sku", "SKU"),
    ("upc", "UPC"),
    ("ean", "EAN"),
    ("isbn", "ISBN"),
    ("gtin", "GTIN"),
    ("asin", "ASIN"),
    ("name", "Product Name"),
)


class Website(db.Model):
    """A Magento website whose catalog a store lists; its default store view imports orders."""

    __tablename__ = "websites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    default_store_view: Mapped[str] = mapped_column(String(128))

    @classmethod
    def ordered(cls) -> list[Website]:
        """All websites by name."""
        return list(db.session.scalars(select(cls).order_by(cls.name, cls.id)))


class ProductAttribute(db.Model):
    """A catalog attribute that can hold an Amazon product identifier."""

    __tablename__ = "product_attributes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(128))

    @classmethod
    def ordered(cls) -> list[ProductAttribute]:
        """All attributes by label."""
        return list(db.session.scalars(select(cls).order_by(cls.label, cls.id)))
