"""The bench at scale (issue 15): every filter of the home page, the search and the last page
are rows with their targets, the cross-size targets, and the statements per page."""

from __future__ import annotations

from types import SimpleNamespace

from flask_login import login_user
from sqlalchemy import create_engine, text

from asc_web import clock, create_app
from asc_web.extensions import db
from asc_web.models import User
from asc_web.stores import listing
from asc_web.stores.cards import card_kit
from asc_web.stores.listing import PER_PAGE, STATUS_FILTERS
from bench import databases, queries, targets
from bench.data import build
from bench.history import url_of
from bench.run import home_views, last_page, plan
from bench.settings import Settings
from tests.conftest import PG_URL

VIEWS = ["home_country", *[f"home_{code}" for code in STATUS_FILTERS], "home_search", "home_last"]


def dataset(tmp_path, stores: int = 106):
    """What ``plan`` reads of a built install."""
    return SimpleNamespace(settings=Settings(tmp_path), sample_store_id=7, stores=stores,
                           importing=(9, 5))  # fmt: skip


def test_every_filter_the_search_and_the_last_page_are_rows_judged_against_home(tmp_path):
    keys = [e.key for e in plan(dataset(tmp_path))]
    assert keys[keys.index("home") + 1 : keys.index("home_end")] == VIEWS
    assert keys[keys.index("home_end") + 1] == "card_poll"
    # What a page of importing cards asks every 5 seconds, the stores the build chose.
    figures = next(e for e in plan(dataset(tmp_path)) if e.key == "figures_poll")
    assert figures.path == "/stores/figures?id=9&id=5" and figures.htmx
    assert {"home_attention", "home_renewal_due", "home_reconnect_required"} <= set(keys)
    assert all(targets.is_home_view(k) for k in VIEWS)
    assert not any(targets.is_home_view(k) for k in keys if k not in VIEWS)
    views = {e.key: e for e in home_views(dataset(tmp_path))}
    assert views["home_attention"].label == "home /?status=attention (Needs attention)"
    # 106 stores, 24 a page: the fifth page holds the last ten.
    assert PER_PAGE == 24 and views["home_last"].path == "/?page=5"
    assert home_views(dataset(tmp_path, 96))[-1].path == "/?page=4"
    assert [last_page(n, 24) for n in (0, 1, 24, 25, 100_004)] == [1, 1, 1, 2, 4_167]


def rows(home: float, **others: float) -> list[dict]:
    """Measured rows of one server: /healthz at 1,000 req/s, home, and ``others``."""
    measured = {"healthz": 1000.0, "home": home, **others, "healthz_end": 1000.0}
    return [{"key": key, "rps": rps, "non_2xx_3xx": 0, "socket_errors": 0}
            for key, rps in measured.items()]  # fmt: skip


def row(sizes: dict, size: int, key: str) -> dict:
    return next(r for r in sizes[size]["endpoints"] if r["key"] == key)


def test_a_view_below_0_8_of_home_misses_and_above_passes_with_at_most_five_statements():
    measured = rows(500.0, home_active=390.0, home_attention=410.0, home_last=450.0,
                    home_search=600.0)  # fmt: skip
    sizes = {100: {"endpoints": measured, "queries": {
        "home": 4, "home_active": 4, "home_attention": 4, "home_last": 6}}}  # fmt: skip

    targets.judge_rows(sizes)

    active, attention = row(sizes, 100, "home_active"), row(sizes, 100, "home_attention")
    assert (active["result"], active["share_of_home"]) == ("MISS", 0.78)
    assert active["target"] == "≥ 0.8 × home (is 0.78); SQL ≤ 5"
    assert (attention["result"], attention["target"]) == ("PASS", "≥ 0.8 × home (is 0.82); SQL ≤ 5")
    assert row(sizes, 100, "home_last")["result"] == "MISS"  # fast enough, but 6 statements
    assert row(sizes, 100, "home_search")["result"] == "MISS"  # statements not counted
    home = row(sizes, 100, "home")
    assert (home["target"], home["result"]) == ("≥ 0.25 × /healthz; SQL ≤ 5", "PASS")


def test_a_views_target_shows_what_it_costs_the_workers_cpu_beside_its_req_s():
    # The machine slowed down while the view ran (req/s 0.70 × home), but the workers spent
    # about what home costs on each request: the share by CPU tells the drift from the cost.
    measured = rows(500.0, home_renewal_due=350.0, home_end=500.0)
    for key, cpu in (("home", 4.0), ("home_renewal_due", 4.4), ("home_end", 4.4)):
        next(r for r in measured if r["key"] == key)["cpu_ms"] = cpu
    sizes = {100: {"endpoints": measured, "queries": {"home": 3, "home_renewal_due": 3}}}

    targets.judge_rows(sizes)

    due = row(sizes, 100, "home_renewal_due")
    assert due["cpu_share_of_home"] == 0.955  # (4.0 + 4.4) / 2 / 4.4
    assert due["target"] == "≥ 0.8 × home (is 0.70); by CPU per request 0.95; SQL ≤ 5"
    assert due["result"] == "MISS"  # judged by req/s only
    # Without a CPU reading on every home load beside it: no share, nothing added.
    del measured[-2]["cpu_ms"]
    targets.judge_rows(sizes)
    assert row(sizes, 100, "home_renewal_due")["cpu_share_of_home"] is None


def test_the_workers_cpu_per_request_is_their_ticks_over_the_requests(monkeypatch):
    from bench import run

    monkeypatch.setattr(run.os, "sysconf", lambda name: 100)  # ticks per second
    # Two workers: 150 and 250 ticks (4 s of CPU) over 1,000 requests; a worker that
    # started during the run counts from zero.
    before, after = {1: 1_000, 2: 2_000}, {1: 1_150, 2: 2_200, 3: 50}
    assert run._cpu_ms_per_request(before, after, 1_000) == 4.0
    assert run._cpu_ms_per_request(before, after, 0) is None


def test_each_view_is_judged_against_the_home_page_loaded_just_before_and_after_it():
    # The machine slowed down during the views: home 500 req/s, 400 after the first view,
    # 300 after the last. Against the mean of the first and last loads (400) the first view
    # would pass at 0.83 and the second miss at 0.73.
    measured = rows(500.0, home_active=330.0, home_last=290.0, home_end=300.0)
    row_of = {r["key"]: r for r in measured}
    row_of["home_active"]["home_after"] = {"key": "home", "rps": 400.0}
    sizes = {100: {"endpoints": measured, "queries": {"home": 3, "home_active": 3,
                                                     "home_last": 3}}}  # fmt: skip

    targets.judge_rows(sizes)

    active, last = row(sizes, 100, "home_active"), row(sizes, 100, "home_last")
    assert (active["result"], active["share_of_home"]) == ("MISS", 0.733)  # of 450
    assert (last["result"], last["target"]) == ("PASS", "≥ 0.8 × home (is 0.83); SQL ≤ 5")
    again = row(sizes, 100, "home_end")
    assert (again["target"], again["result"]) == ("home again, after the last view", "")
    # Across sizes: each size's reference is the mean of all its home loads.
    row_of["home_active"]["home_after"] = {"key": "home", "rps": 100.0}  # (500 + 100 + 300) / 3
    sizes = {
        100: {"endpoints": rows(500.0, home_end=250.0), "queries": {"home": 3}},
        10_000: {"endpoints": measured, "queries": {"home": 3}},
    }
    targets.judge_rows(sizes)
    assert row(sizes, 10_000, "home")["target"] == (
        "≥ 0.8 × home@100 (is 0.80 as shares of /healthz; req/s 0.80); SQL ≤ 5"
    )
    # A view measured first (--only home_search,home_end): only the load after it counts.
    first = [r for r in rows(500.0, home_search=390.0, home_end=300.0) if r["key"] != "home"]
    first[1]["home_after"] = {"key": "home", "rps": 200.0}
    sizes = {100: {"endpoints": first, "queries": {"home_search": 3}}}
    targets.judge_rows(sizes)
    assert row(sizes, 100, "home_search")["share_of_home"] == 1.95


def test_the_home_page_loads_again_after_each_view_but_the_last(tmp_path):
    from bench.run import home_again_after

    endpoints = plan(dataset(tmp_path))
    again = [e.key for n, e in enumerate(endpoints) if home_again_after(endpoints, n)]
    assert again == VIEWS[:-1]  # the last view has home_end after it
    chosen = [e for e in endpoints if e.key in ("home", "home_active", "home_search")]
    assert [home_again_after(chosen, n) for n in range(3)] == [False, True, True]


def test_home_at_every_larger_size_and_the_card_poll_and_dashboard_at_100_000_against_100():
    count = {"home": 4}
    sizes = {
        100: {"endpoints": rows(400.0, card_poll=800.0, dashboard=500.0), "queries": count},
        10_000: {"endpoints": rows(330.0, card_poll=600.0, dashboard=300.0), "queries": count},
        100_000: {"endpoints": rows(310.0, card_poll=700.0, dashboard=460.0), "queries": count},
    }

    targets.judge_rows(sizes)

    assert row(sizes, 10_000, "home")["target"] == (
        "≥ 0.8 × home@100 (is 0.82 as shares of /healthz; req/s 0.82); SQL ≤ 5"
    )
    assert row(sizes, 10_000, "home")["result"] == "PASS"
    assert row(sizes, 100_000, "home")["result"] == "MISS"  # 0.78 of home at 100
    # Below 100,000 only the /healthz share: the issue asks the cross-size one at 100,000.
    assert row(sizes, 10_000, "card_poll")["target"] == "≥ 0.6 × /healthz"
    assert row(sizes, 10_000, "dashboard")["result"] == "PASS"
    poll, dashboard = row(sizes, 100_000, "card_poll"), row(sizes, 100_000, "dashboard")
    assert poll["target"] == (
        "≥ 0.6 × /healthz; ≥ 0.9 × card_poll@100 (is 0.87 as shares of /healthz; req/s 0.88)"
    )
    assert (poll["result"], poll["share_of_smallest"]) == ("MISS", 0.875)
    assert dashboard["target"] == (
        "≥ 0.3 × /healthz; ≥ 0.9 × dashboard@100 (is 0.92 as shares of /healthz; req/s 0.92)"
    )
    assert dashboard["result"] == "PASS"
    # Each target must hold: a row fast enough against 100 but not against /healthz misses.
    sizes[100_000]["endpoints"] = rows(310.0, dashboard=290.0)
    sizes[100]["endpoints"] = rows(400.0, dashboard=300.0)
    targets.judge_rows(sizes)
    assert row(sizes, 100_000, "dashboard")["result"] == "MISS"


def test_sizes_are_compared_as_shares_of_their_own_servers_healthz():
    """Each size has its own server, minutes apart: the machine's speed between them is
    cancelled by each one's /healthz; a page that slowed by itself still misses."""

    def measured(healthz: float, home: float, poll: float, dashboard: float) -> list[dict]:
        loads = rows(home, card_poll=poll, dashboard=dashboard)
        for r in loads:
            if r["key"] in ("healthz", "healthz_end"):
                r["rps"] = healthz
        return loads

    count = {"home": 3}
    sizes = {  # the machine at 60 % of its speed for the larger size
        100: {"endpoints": measured(1000.0, 400.0, 800.0, 500.0), "queries": count},
        100_000: {"endpoints": measured(600.0, 250.0, 450.0, 260.0), "queries": count},
    }
    targets.judge_rows(sizes)
    home = row(sizes, 100_000, "home")
    assert home["target"] == (
        "≥ 0.8 × home@100 (is 1.04 as shares of /healthz; req/s 0.62); SQL ≤ 5"
    )
    assert (home["result"], home["share_of_smallest"], home["rps_of_smallest"]) == (
        "PASS", 1.042, 0.625,
    )  # fmt: skip
    poll = row(sizes, 100_000, "card_poll")  # 0.75 of /healthz, 0.94 of its share at 100
    assert (poll["result"], poll["share_of_smallest"]) == ("PASS", 0.938)
    dashboard = row(sizes, 100_000, "dashboard")
    assert (dashboard["result"], dashboard["share_of_smallest"]) == ("MISS", 0.867)
    # The same machine speed for both: the page itself slowed.
    sizes[100_000]["endpoints"] = measured(1000.0, 250.0, 900.0, 500.0)
    targets.judge_rows(sizes)
    assert row(sizes, 100_000, "home")["result"] == "MISS"  # 0.62
    # Without /healthz (--only): req/s alone, said so; a reference that read 0: not judged.
    for run in sizes.values():
        run["endpoints"] = [r for r in run["endpoints"] if "healthz" not in r["key"]]
    targets.judge_rows(sizes)
    assert row(sizes, 100_000, "home")["target"] == (
        "≥ 0.8 × home@100 (is 0.62 in req/s, no /healthz); SQL ≤ 5"
    )
    row(sizes, 100, "home")["rps"] = 0.0
    targets.judge_rows(sizes)
    assert row(sizes, 100_000, "home")["target"] == "≥ 0.8 × home@100 (is n/a); SQL ≤ 5"


def test_every_home_view_takes_at_most_five_statements_and_postgresql_is_analyzed(
    database_url, tmp_path
):
    size = 30
    server = None if database_url.startswith("sqlite") else PG_URL
    with databases.temporary("scale", server) as url:
        ds = build(size, Settings(tmp_path / "bench", url))
        assert ds.stores == size + 4  # and the four flow stores

        chosen = [e for e in plan(ds) if e.key.startswith("home") or e.key == "figures_poll"]
        counted = queries.count(ds, chosen, ds.form)

        assert set(counted) == {"home", *VIEWS, "home_end", "figures_poll"}
        assert all(n is not None and n <= targets.HOME_QUERY_LIMIT for n in counted.values())
        # The figures poll asks for the Active and Renewal-due stores, none of which synced.
        assert ds.importing and set(ds.importing) <= polled_ids(ds)
        engine = create_engine(url_of(ds.settings))
        try:
            with engine.connect() as conn:
                if server:  # ANALYZE ran: the planner knows how many stores there are
                    tuples = "SELECT reltuples FROM pg_class WHERE relname = 'stores'"
                    assert conn.execute(text(tuples)).scalar_one() == size + 4
                else:  # as a merchant's SQLite database: no statistics
                    stat = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
                    assert conn.execute(text(stat)).scalar_one() == 0
        finally:
            engine.dispose()


def polled_ids(ds) -> set[int]:
    """The store ids of the importing cards on the Active and Renewal-due home pages."""
    app = create_app(ds.settings.config())
    ids: set[int] = set()
    with app.test_request_context("/"):
        login_user(db.session.scalar(db.select(User).order_by(User.id)))
        for code in ("active", "renewal_due"):
            page = listing.load(listing.Filters(status=code), clock.utcnow())
            ids.update(card_kit().polled(page.cards))
        db.session.remove()
        db.engine.dispose()
    return ids


def test_a_row_whose_load_landed_on_one_worker_runs_again_and_keeps_the_most_even(
    monkeypatch, tmp_path
):
    from bench import run
    from bench.client import Endpoint

    # Worker 1 did 90 % of the first run's work, then both shared the second run.
    readings = iter([{1: 0, 2: 0}, {1: 90, 2: 10}, {1: 90, 2: 10}, {1: 140, 2: 60}])
    server = SimpleNamespace(url="http://x", cpu_ticks=lambda: next(readings))
    results = iter([{"rps": 50.0, "requests": 400}, {"rps": 100.0, "requests": 800}])
    monkeypatch.setattr(run.load, "run", lambda *_args, **_kw: next(results))
    ep = Endpoint("home", "home /", "/")

    kept = run._balanced_run(server, ep, {}, None, 100)

    assert kept["rps"] == 100.0 and kept["busiest_worker_share"] == 0.5
    # 100 ticks over 800 requests (at Linux's usual 100 ticks a second): 1.25 ms each.
    assert kept["cpu_ms"] == 100 * 1000 / run.os.sysconf("SC_CLK_TCK") / 800
    assert "run 2 times" in ep.notes[0]
    assert run._busiest_share({1: 5}, {1: 5, 2: 0}) == 0.0  # no work: nothing to judge


def test_each_worker_holds_at_most_its_share_of_wrks_connections_and_a_threads_worth(tmp_path):
    from bench.server import Gunicorn, connection_cap
    from bench.settings import Settings

    assert connection_cap(16) == 12  # two workers of four threads: at worst 12 against 4
    assert connection_cap(15, workers=2, threads=4) == 12
    served = Gunicorn(Settings(instance=tmp_path), tmp_path / "g.log", worker_connections=12)
    assert served._args[-2:] == ["--worker-connections", "12"]
    assert "--worker-connections" not in Gunicorn(Settings(instance=tmp_path), tmp_path)._args
