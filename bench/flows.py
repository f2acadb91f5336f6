"""The callback path: complete connect flows against the sandbox, timing only the callback."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from .client import TIMEOUT, Browser
from .data import FLOW_SELLERS, Dataset
from .report import percentile


def connect(browser: Browser, store_id: int, seller: str) -> float:
    """Start connecting, pass the sandbox's screens as ``seller``, then time
    ``GET /amazon/callback``; return its seconds."""
    from tests.support import amazon  # the same sandbox driver the integration tests use

    base = browser.base
    started = browser.http.post(
        f"{base}/stores/{store_id}/connect",
        data={"csrf_token": browser.csrf()},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    consent = started.headers.get("Location", "")
    if started.status_code != 303 or not consent.startswith("http"):
        raise RuntimeError(f"connect start answered HTTP {started.status_code} to {consent!r}")
    location = amazon.authorize(browser.http, consent, seller)
    begin = time.perf_counter()
    callback = browser.http.get(location, allow_redirects=False, timeout=TIMEOUT)
    elapsed = time.perf_counter() - begin
    if callback.status_code != 303:
        raise RuntimeError(f"callback answered HTTP {callback.status_code}")
    result = browser.http.get(base + callback.headers["Location"], timeout=TIMEOUT)
    if "Store connected" not in result.text:
        raise RuntimeError("the callback did not connect the store")
    return elapsed


def _worker(base: str, dataset: Dataset, code: str, count: int) -> tuple[list[float], list[str]]:
    """One browser renewing one store ``count`` times, one flow after another."""
    browser = Browser(base)
    browser.sign_in(dataset.settings.admin_email, dataset.settings.admin_password)
    times, errors = [], []
    for _ in range(count):
        try:
            times.append(connect(browser, dataset.flow_stores[code], FLOW_SELLERS[code]))
        except Exception as exc:  # a failed flow is a result to report, not a crash
            errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
    return times, errors


def run(base: str, dataset: Dataset, flows: int, parallel: int) -> dict:
    """Run ``flows`` complete connect flows, ``parallel`` at a time (one store per browser)."""
    codes = list(dataset.flow_stores)[: max(1, min(parallel, len(dataset.flow_stores)))]
    # Many flows per seller within seconds: past Amazon's Sellers quota (burst 15). The
    # benchmark measures ASC Web, so the sandbox lets them through.
    import requests

    requests.post(
        f"{base}/sandbox/_hooks/settings",
        json={"sellers_rate": 1000, "sellers_burst": 100_000},
        timeout=TIMEOUT,
    ).raise_for_status()
    shares = [flows // len(codes) + (1 if n < flows % len(codes) else 0) for n in range(len(codes))]
    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(codes)) as pool:
        futures = [
            pool.submit(_worker, base, dataset, c, s) for c, s in zip(codes, shares, strict=True)
        ]
        outcomes = [f.result() for f in futures]
    wall = time.perf_counter() - begin
    times = sorted(t for done, _ in outcomes for t in done)
    errors = [e for _, failed in outcomes for e in failed]
    return {
        "requests": len(times),
        "seconds": round(wall, 2),
        # Flows per second of wall time: the sandbox screens run in between callbacks.
        "rps": round(len(times) / wall, 1) if wall else 0.0,
        "p50_ms": percentile(times, 50) * 1000,
        "p95_ms": percentile(times, 95) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
        "max_ms": (times[-1] * 1000) if times else 0.0,
        "non_2xx_3xx": len(errors),
        "socket_errors": 0,
        "errors": sorted(set(errors))[:5],
        "parallel": len(codes),
    }
