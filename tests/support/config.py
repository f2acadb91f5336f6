"""Settings for an app in production mode (real Amazon URLs; nothing is called in tests)."""

from __future__ import annotations

from cryptography.fernet import Fernet

PRODUCTION = {
    "AMAZON_MODE": "production",
    "SPAPI_APP_ID": "amzn1.sp.solution.real",
    "LWA_CLIENT_ID": "amzn1.application-oa2-client.real",
    "LWA_CLIENT_SECRET": "real-secret",
    "REDIRECT_URI": "https://asc.example.com/amazon/callback",
    "SECRET_KEY": "s" * 48,
    "TOKEN_KEYS": Fernet.generate_key().decode(),
}
