"""The settings one bench install shares between the builder, the test client and gunicorn."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet


def clean_environ() -> dict[str, str]:
    """This process's environment without any ``ASC_*`` setting (the bench sets its own)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ASC_")}


@dataclass(frozen=True)
class Settings:
    """Where an install lives and the secrets every worker must share."""

    instance: Path
    database_url: str | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    token_keys: str = field(default_factory=lambda: Fernet.generate_key().decode(), repr=False)
    admin_email: str = "bench.admin@example.com"
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)

    def env(self, public_url: str | None = None) -> dict[str, str]:
        """Environment for ``flask`` and ``gunicorn`` subprocesses (sandbox mode)."""
        env = clean_environ()
        env.update(
            ASC_INSTANCE_PATH=str(self.instance),
            ASC_SECRET_KEY=self.secret_key,
            ASC_TOKEN_KEYS=self.token_keys,
            ASC_AMAZON_MODE="sandbox",
        )
        if self.database_url:
            env["ASC_DATABASE_URL"] = self.database_url
        if public_url:
            env["ASC_PUBLIC_URL"] = public_url
        return env

    def config(self) -> dict:
        """``create_app`` settings for in-process work: the same database and secrets."""
        config = {
            "INSTANCE_PATH": str(self.instance),
            "SECRET_KEY": self.secret_key,
            "TOKEN_KEYS": self.token_keys,
            "AMAZON_MODE": "sandbox",
            "SANDBOX_DISABLED": True,
            "RATELIMIT_ENABLED": False,
        }
        if self.database_url:
            config["DATABASE_URL"] = self.database_url
        return config
