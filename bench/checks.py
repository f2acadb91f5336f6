"""``connections check`` at scale (``--check-scale STORES:AUTHORIZATIONS``).

An install with STORES stores of which as many as fit share AUTHORIZATIONS authorizations
(a North America authorization serves at most the seller's US, CA and MX stores, a Europe
one its UK store; every tenth authorization is European), the rest not connected. The
Seller Central sandbox runs as its own gunicorn server, as Amazon would, with the Sellers
API's documented rate limit (0.016/s, burst 15 per seller and application) on, and knows
every refresh token. ``flask connections check`` then runs in one process, and in two at
once (as cron on two servers), each time on fresh state (no lease, no cached access token):
the report gives the time to check all, and the sandbox's counters say whether any seller
was called beyond its rate (a 429), and whether each authorization was checked exactly once.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import bindparam, insert, select, text, update

from . import ROOT, databases
from .server import Gunicorn
from .settings import Settings

NA_MARKETS = ("US", "CA", "MX")
CHECK_TIMEOUT_S = 3600


def parse_scale(value: str) -> tuple[int, int]:
    """``10000:3000`` as (stores, authorizations)."""
    stores, _, authorizations = value.partition(":")
    scale = int(stores), int(authorizations or 0)
    if scale[0] < 1 or scale[1] < 1:
        raise ValueError("--check-scale needs STORES:AUTHORIZATIONS, both at least 1")
    return scale


def layout(stores: int, authorizations: int) -> list[tuple[str, tuple[str, ...]]]:
    """(region, store countries) of each authorization, within the store count."""
    left, plan = stores, []
    for n in range(authorizations):
        if left <= 0:
            break
        countries = ("UK",) if n % 10 == 9 else NA_MARKETS[: min(3, left)]
        plan.append(("EU" if countries == ("UK",) else "NA", countries))
        left -= len(countries)
    return plan


def refresh_token(n: int) -> str:
    """Authorization ``n``'s refresh token (the sandbox stores only its hash)."""
    return f"Atzr|bench-check-{n:06d}"


def seller_id(n: int) -> str:
    return f"ACHECK{n:08d}"


def build(settings: Settings, sandbox_path: Path, stores: int, authorizations: int) -> dict:
    """Migrate and fill the install and the sandbox; return what was built."""
    from asc_web import clock, create_app
    from asc_web.amazon.marketplaces import MARKETPLACES
    from asc_web.auth import services
    from asc_web.crypto import TokenVault
    from asc_web.extensions import db
    from asc_web.models import Authorization, ProductAttribute, Store, Website

    databases.migrate(settings)
    plan = layout(stores, authorizations)
    app = create_app(settings.config())
    vault = TokenVault(settings.token_keys)
    now = clock.utcnow()
    with app.app_context():
        admin = services.create_first_admin(settings.admin_email, settings.admin_password)
        website = db.session.scalar(select(Website.id).order_by(Website.id))
        attribute = db.session.scalar(
            select(ProductAttribute.id).where(ProductAttribute.code == "asin")
        )
        auth_rows, store_rows, links = [], [], []
        for n, (region, countries) in enumerate(plan, start=1):
            auth_rows.append({
                "id": n, "selling_partner_id": seller_id(n), "region": region,
                "amazon_store_name": f"Check seller {n}",
                "refresh_token_encrypted": vault.encrypt(f"authorization-{n}", refresh_token(n)),
                "authorized_at": now - timedelta(days=n % 300), "created_at": now,
                "expires_at": now - timedelta(days=n % 300) + timedelta(days=365),
                "updated_at": now,
            })  # fmt: skip
            for country in countries:
                links.append((len(store_rows), n))
                store_rows.append(_store(len(store_rows), country, website, attribute, admin.id))
        while len(store_rows) < stores:
            store_rows.append(_store(len(store_rows), "US", website, attribute, admin.id))
        for start in range(0, len(auth_rows), 1000):
            db.session.execute(insert(Authorization), auth_rows[start : start + 1000])
        for start in range(0, len(store_rows), 2000):
            db.session.execute(insert(Store), store_rows[start : start + 2000])
        ids = dict(db.session.execute(select(Store.name_key, Store.id)).all())
        link = (
            update(Store.__table__)
            .where(Store.__table__.c.id == bindparam("sid"))
            .values(authorization_id=bindparam("aid"))
        )
        pairs = [{"sid": ids[store_rows[i]["name_key"]], "aid": a} for i, a in links]
        for start in range(0, len(pairs), 2000):
            db.session.connection().execute(link, pairs[start : start + 2000])
        if db.engine.dialect.name == "postgresql":  # ids were given: move the sequence on
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('authorizations', "
                                    "'id'), (SELECT max(id) FROM authorizations))"))  # fmt: skip
        db.session.commit()
        databases.analyze(db.engine)  # PostgreSQL only: see its docstring
        db.engine.dispose()
    _seed_sandbox(sandbox_path, plan, {c: m.marketplace_id for c, m in MARKETPLACES.items()})
    return {"stores": stores, "authorizations": len(plan), "connected": len(links)}


def _store(i: int, country: str, website: int, attribute: int, admin: int) -> dict:
    name = f"Check Store {i:06d} {country}"
    return {"name": name, "name_key": name.casefold(), "email": f"check{i}@example.com",
            "marketplace_code": country, "website_id": website, "attribute_id": attribute,
            "product_id_type": "ASIN", "active": True, "created_by_id": admin}  # fmt: skip


def _seed_sandbox(path: Path, plan, marketplace_ids: dict[str, str]) -> None:
    """The sellers, their marketplaces and their live refresh tokens, in the sandbox."""
    from asc_web.sandbox import store, world

    store.init_db(str(path))
    conn = store.connect(str(path))
    try:
        with store.transaction(conn):
            now = store.now(conn)
            for n, (region, countries) in enumerate(plan, start=1):
                seller = seller_id(n)
                conn.execute("INSERT OR REPLACE INTO sellers VALUES (?, ?, ?)",
                             (seller, region, f"Check seller {n}"))  # fmt: skip
                for country in countries:
                    conn.execute("INSERT OR REPLACE INTO participations VALUES (?, ?, 1, 0)",
                                 (seller, marketplace_ids[country]))  # fmt: skip
                digest = hashlib.sha256(refresh_token(n).encode()).hexdigest()
                conn.execute(
                    "INSERT INTO authorizations (seller_id, client_id, region, refresh_hash,"
                    " authorized_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (seller, world.CLIENT_ID, region, digest, now, now + world.REFRESH_TTL_S),
                )
    finally:
        conn.close()


def fresh_state(settings: Settings) -> None:
    """Forget every lease, cached access token and last check: everything is due."""
    from sqlalchemy import create_engine

    engine = create_engine(
        settings.database_url or f"sqlite:///{settings.instance / 'asc_web.sqlite3'}"
    )
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "UPDATE authorizations SET check_claimed_until = NULL, last_checked_at = NULL,"
                " access_token_encrypted = NULL, access_token_expires_at = NULL,"
                " last_check_ok = NULL, last_check_message = NULL"
            ))  # fmt: skip
    finally:
        engine.dispose()


def run_checks(settings: Settings, sandbox_url: str, processes: int, logs: Path) -> dict:
    """``flask connections check`` in ``processes`` processes at once; time until all end."""
    env = settings.env()
    env.update(ASC_SANDBOX_URL=sandbox_url, ASC_SANDBOX_DISABLED="true", ASC_LOG_LEVEL="WARNING")
    command = [sys.executable, "-m", "flask", "--app", "asc_web", "connections", "check"]
    started = time.perf_counter()
    running = []
    for n in range(processes):
        out = (logs / f"check-{processes}-{n}.log").open("wb")
        # Our own interpreter and fixed arguments: no shell, no user input.
        running.append((subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,  # noqa: S603
                                         stderr=subprocess.STDOUT), out))  # fmt: skip
    codes = []
    for proc, out in running:
        codes.append(proc.wait(timeout=CHECK_TIMEOUT_S))
        out.close()
    seconds = time.perf_counter() - started
    checked = 0
    for n in range(processes):
        for line in (logs / f"check-{processes}-{n}.log").read_text(errors="replace").splitlines():
            if line.startswith("Checked "):
                checked += int(line.split()[1])
    return {"seconds": round(seconds, 1), "exit_codes": codes, "stores_checked": checked}


def sandbox_stats(url: str) -> dict:
    """The sandbox's counters (loopback test hook)."""
    return requests.get(f"{url}/_hooks/stats", timeout=30).json()


def measure(opts, workdir: Path, say) -> dict:
    """Build the install and the sandbox, then time the checks for each process count."""
    stores, authorizations = opts.check_scale
    with databases.temporary("check", opts.database_url) as url:
        settings = Settings(workdir / "instance-check", url)
        sandbox_path = settings.instance / "amazon-sandbox.sqlite3"
        say(f"[check] building {stores:,} stores in {authorizations:,} authorizations")
        started = time.perf_counter()
        built = build(settings, sandbox_path, stores, authorizations)
        built["build_seconds"] = round(time.perf_counter() - started, 1)
        spec = f"asc_web.sandbox:create_app({{'SANDBOX_DB_PATH': {str(sandbox_path)!r}}})"
        amazon = Gunicorn(settings, workdir / "sandbox.log", workers=2, threads=8, app=spec,
                          ready_path="/sandbox/_hooks/stats")  # fmt: skip
        runs = []
        with amazon:
            base = amazon.url + "/sandbox"
            limits = sandbox_stats(base)["settings"]
            for processes in opts.check_processes:
                fresh_state(settings)
                before = sandbox_stats(base)
                say(f"[check] connections check in {processes} process(es)")
                result = run_checks(settings, base, processes, workdir)
                after = sandbox_stats(base)
                result.update(
                    processes=processes,
                    sellers_calls=after["sellers_calls"] - before["sellers_calls"],
                    refresh_calls=after["token_calls"]["refresh_token"]
                    - before["token_calls"]["refresh_token"],
                    throttled=after["sellers_throttled"] - before["sellers_throttled"],
                )
                runs.append(judge(result, built))
                say(f"[check] {processes} process(es): {result['seconds']} s, "
                    f"{result['throttled']} throttled")  # fmt: skip
            log = amazon.log_counts()
    return {**built, "limits": limits, "runs": runs, "sandbox_log": log}


def judge(result: dict, built: dict) -> dict:
    """PASS: every process ended well, every authorization checked once, no 429."""
    once = result["sellers_calls"] == built["authorizations"]
    everything = result["stores_checked"] == built["connected"]
    ok = once and everything and not result["throttled"] and not any(result["exit_codes"])
    result["result"] = "PASS" if ok else "MISS"
    seconds = result["seconds"] or 1
    result["authorizations_per_s"] = round(built["authorizations"] / seconds, 1)
    return result


def markdown(check: dict) -> list[str]:
    """The report's section on the connection check at scale."""
    limits = check["limits"]
    out = [
        f"**connections check at scale**: {check['stores']:,} stores, {check['connected']:,} of "
        f"them in {check['authorizations']:,} authorizations (built in "
        f"{check['build_seconds']:,} s); Sellers API limit {limits['sellers_rate']}/s, burst "
        f"{limits['sellers_burst']}, per seller and application.",
        "",
        "| processes | seconds to check all | authorizations/s | stores checked | token "
        "refreshes | Sellers calls | 429 (rate exceeded) | exit codes | result |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in check["runs"]:
        out.append(
            f"| {r['processes']} | {r['seconds']:,} | {r['authorizations_per_s']:,} | "
            f"{r['stores_checked']:,} | {r['refresh_calls']:,} | {r['sellers_calls']:,} | "
            f"{r['throttled']} | {' '.join(map(str, r['exit_codes']))} | {r['result']} |"
        )
    out += [
        "",
        "Target: every authorization checked exactly once (Sellers calls = "
        "authorizations), every connected store reported, no 429 from the sandbox.",
        "",
    ]
    return out
