"""Where in Seller Central the merchant finishes setting up a marketplace."""

from __future__ import annotations

from dataclasses import dataclass

from ..amazon.marketplaces import Marketplace

# Seller Central pages, the same path on every marketplace's host.
PAGES = (
    ("Shipping settings", "/sbr/ref=xx_shipset_dnav_xx#shipping_templates"),
    ("Tax settings", "/tax/nexus/settings"),
    ("Payments", "/payments/dashboard/index.html"),
    ("Notification preferences", "/notifications/preferences"),
    ("Category approval", "/hz/approvalrequest"),
)


@dataclass(frozen=True)
class Link:
    """A labelled link into Seller Central."""

    label: str
    url: str


def seller_central(marketplace: Marketplace) -> list[Link]:
    """The Seller Central pages for ``marketplace``, on its own host."""
    return [Link(label, marketplace.seller_central + path) for label, path in PAGES]
