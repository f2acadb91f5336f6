"""Typed SQLAlchemy 2.0 models. Each model carries its own queries."""

from .accounts import ROLES, Installation, User
from .catalog import DEFAULT_ATTRIBUTES, DEFAULT_WEBSITE, ProductAttribute, Website
from .connections import AuthorizationAttempt, CommunicationError, Connection
from .stores import PRODUCT_ID_TYPES, PreSetupTask, Store, StoreActivity

__all__ = [
    "DEFAULT_ATTRIBUTES",
    "DEFAULT_WEBSITE",
    "PRODUCT_ID_TYPES",
    "ROLES",
    "AuthorizationAttempt",
    "CommunicationError",
    "Connection",
    "Installation",
    "PreSetupTask",
    "ProductAttribute",
    "Store",
    "StoreActivity",
    "User",
    "Website",
]

from . import status  # noqa: E402, F401  (adds Store.awaiting_until once both models exist)
