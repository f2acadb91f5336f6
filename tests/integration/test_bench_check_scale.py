"""The check bench at smoke size: `connections check` in one and in two processes against
the sandbox with the Sellers API's documented rate limit on (issue 15, item 7)."""

from __future__ import annotations

from types import SimpleNamespace

from bench import checks
from tests.conftest import PG_URL


def test_each_authorization_is_checked_once_and_no_seller_beyond_its_rate(database_url, tmp_path):
    server = None if database_url.startswith("sqlite") else PG_URL
    opts = SimpleNamespace(check_scale=(14, 5), check_processes=[1, 2], database_url=server)

    result = checks.measure(opts, tmp_path, lambda _message: None)

    # Five North America authorizations (US, CA, MX; the last gets what is left) and no
    # European one among five: 14 stores, all connected.
    assert result["authorizations"] == 5 and result["connected"] == 14
    assert result["limits"] == {**result["limits"], "sellers_rate": 0.016, "sellers_burst": 15}
    for run in result["runs"]:
        assert run["exit_codes"] == [0] * run["processes"]
        assert run["stores_checked"] == 14
        assert run["sellers_calls"] == 5 and run["refresh_calls"] == 5
        assert run["throttled"] == 0
        assert run["result"] == "PASS"
    assert result["sandbox_log"]["tracebacks"] == 0


def test_the_layout_fits_a_region_s_marketplaces():
    plan = checks.layout(10_000, 3_000)
    assert len(plan) == 3_000
    assert sum(len(countries) for _region, countries in plan) == 8_400
    assert {countries for region, countries in plan if region == "EU"} == {("UK",)}
    assert checks.layout(4, 3) == [("NA", ("US", "CA", "MX")), ("NA", ("US",))]
