"""The system Chromium for every browser test: one Playwright per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def launch() -> Iterator:
    """Yield headless Chromium; skip without it unless ``ASC_REQUIRE_BROWSER=1``.

    Playwright's sync API allows one instance per thread at a time, so every tier shares
    this one (the ``browser`` fixture in tests/conftest.py) instead of starting its own.
    """
    if not Path(CHROMIUM).exists():
        reason = f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
        if os.environ.get("ASC_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " (ASC_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under ``test-artifacts/`` for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
