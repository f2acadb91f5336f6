"""Drive one endpoint with wrk from a separate process and read its JSON summary."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass

from . import LUA
from .client import Endpoint, request_headers

INSTALL_HINT = "wrk is not installed: run `apt-get install -y wrk` (Debian/Ubuntu) and retry."


@dataclass(frozen=True)
class Load:
    """How hard to push: wrk's threads and connections, for how long."""

    duration_s: float
    connections: int
    threads: int


def wrk_path() -> str:
    """The wrk binary, or exit with how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit(INSTALL_HINT)
    return path


def run(base: str, endpoint: Endpoint, headers: dict[str, str], load: Load, args=()) -> dict:
    """Run wrk against ``endpoint``; return requests/s, latency percentiles (ms) and errors."""
    command = [
        wrk_path(),
        "--threads", str(load.threads),
        "--connections", str(max(load.connections, load.threads)),
        "--duration", f"{max(1, round(load.duration_s))}s",
        "--timeout", "10s",
        "--latency",
        "--script", str(LUA / endpoint.script),
        base + endpoint.path,
        "--", *args,
    ]  # fmt: skip
    env = dict(os.environ)
    # Secrets travel in the environment, not on a command line that `ps` shows.
    env["BENCH_HEADERS"] = "\n".join(
        f"{k}: {v}" for k, v in request_headers(endpoint, headers).items()
    )
    env["BENCH_LUA_DIR"] = str(LUA)
    # wrk from PATH with a fixed argument list; nothing goes through a shell.
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=load.duration_s + 60
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    socket_errors = sum(raw[k] for k in ("connect", "read", "write", "timeout"))
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 2),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx_3xx": raw["status"],
        "socket_errors": socket_errors,
    }
