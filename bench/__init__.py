"""ASC Web's benchmark: seeded databases, gunicorn on loopback, wrk load, a comparable report."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
RESULTS = Path(__file__).resolve().parent / "results"
# Sent by every client of the bench: Flask-Login's "basic" session protection hashes the
# address and the user agent, so the signed-in cookie stays fresh only with the same agent.
USER_AGENT = "asc-web-bench/1"
