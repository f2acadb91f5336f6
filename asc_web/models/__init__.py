"""Typed SQLAlchemy 2.0 models. Each model carries its own queries."""

from .accounts import ROLES, Installation, User
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
    "Authorization",
    "AuthorizationAttempt",
    "CheckRun",
    "CommunicationError",
    "Installation",
    "MaintenanceLease",
    "PreSetupTask",
    "ProductAttribute",
    "Reminder",
    "Store",
    "StoreActivity",
    "User",
    "Website",
]
