"""Typed SQLAlchemy 2.0 models. Each model carries its own queries."""

from .accounts import ROLES, Installation, User
from .amazon_data import AmazonOrder, DailySales, Listing, RateBucket, StoreSync
from .authorizations import Authorization, AuthorizationAttempt, CommunicationError, Participation
from .background import CheckRun, MaintenanceLease, Reminder
from .catalog import DEFAULT_ATTRIBUTES, DEFAULT_WEBSITE, ProductAttribute, Website
from .stores import PRODUCT_ID_TYPES, PreSetupTask, Store, StoreActivity

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_WEBSITE",
    "PRODUCT_ID_TYPES",
    "Participation",
    "ROLES",
    "AmazonOrder",
    "Authorization",
    "AuthorizationAttempt",
    "CheckRun",
    "CommunicationError",
    "DailySales",
    "Installation",
    "Listing",
    "MaintenanceLease",
    "PreSetupTask",
    "ProductAttribute",
    "RateBucket",
    "Reminder",
    "Store",
    "StoreActivity",
    "StoreSync",
    "User",
    "Website",
]
