"""Where Amazon lives: the real hosts in production, the embedded sandbox otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from .marketplaces import LWA_TOKEN_URL, SPAPI_ENDPOINTS, Marketplace


@dataclass(frozen=True)
class Endpoints:
    """Base URLs for Seller Central, LWA and SP-API; only these differ between modes."""

    sandbox_base: str | None = None

    def seller_central(self, marketplace: Marketplace) -> str:
        """The Seller Central base URL for ``marketplace``."""
        if self.sandbox_base:
            return f"{self.sandbox_base}/sellercentral/{marketplace.sandbox_path}"
        return marketplace.seller_central

    @property
    def token_url(self) -> str:
        """The LWA token endpoint."""
        if self.sandbox_base:
            return f"{self.sandbox_base}/lwa/auth/o2/token"
        return LWA_TOKEN_URL

    def spapi(self, region: str) -> str:
        """The SP-API base URL of ``region`` (``NA`` or ``EU``)."""
        if self.sandbox_base:
            return f"{self.sandbox_base}/spapi/{region.lower()}"
        return SPAPI_ENDPOINTS[region]

    def consent_url(
        self, marketplace: Marketplace, *, app_id: str, state: str, redirect_uri: str, draft: bool
    ) -> str:
        """The website-authorization consent URL (``version=beta`` while the app is a draft)."""
        params = {"application_id": app_id, "state": state, "redirect_uri": redirect_uri}
        if draft:
            params["version"] = "beta"
        return f"{self.seller_central(marketplace)}/apps/authorize/consent?{urlencode(params)}"

    def manage_apps_url(self, marketplace: Marketplace) -> str:
        """Seller Central's *Manage Your Apps* page, where a seller removes an authorization."""
        return f"{self.seller_central(marketplace)}{marketplace.manage_apps_path}"
