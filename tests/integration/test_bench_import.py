"""The import bench (``--import-busiest``) at test size: the same loop on the MX store of the
busiest seller (about 2,300 orders, two runs) instead of its US store (86 pages, five runs)."""

from __future__ import annotations

import math
from types import SimpleNamespace

from bench import importing
from tests.conftest import PG_URL


def test_the_import_loop_keeps_the_sandbox_s_orders_within_amazon_s_rate(database_url, tmp_path):
    server = None if database_url.startswith("sqlite") else PG_URL
    opts = SimpleNamespace(database_url=server)

    result = importing.measure(opts, tmp_path, lambda _message: None, country="MX")

    assert result["result"] == "PASS"
    assert result["orders"] == result["sandbox_orders"] > 2000 and result["orders_match"]
    assert result["missing"] == result["extra"] == 0 and result["phase"] == "ready"
    # The burst of 20 pages, a pause, the clock moved once by the refill, then the rest.
    assert result["outcomes"][0] == "paused" and result["outcomes"][-1] == "done"
    assert set(result["outcomes"][1:-1]) <= {"paused"}
    assert result["clock_moved_s"] == (result["runs"] - 1) * result["rate"]["refill_s"]
    assert math.ceil(result["orders"] / 100) <= result["pages"] <= result["orders"] / 100 + 3
    assert result["within_rate"]
    for operation in ("getOrderMetrics", "getOrders", "searchListingsItems"):
        assert result["operations"][operation]["calls"] > 0
        assert result["operations"][operation]["rate_exceeded"] is False
        assert result["operations"][operation]["throttled"] == 0
    assert result["log"]["tracebacks"] == 0
    text = "\n".join(importing.markdown(result))
    assert f"{result['orders']:,} orders in {result['pages']} pages" in text
    assert "**PASS**" in text


def test_the_time_at_amazon_s_rate_is_the_burst_then_one_page_per_paced_interval():
    figures = importing.rate_figures()
    assert figures == {"rate": 0.0167, "burst": 20, "pace": 0.9, "refill_s": 1331}
    assert importing.at_amazons_rate(20, figures) == 0
    # The busiest store's 86 pages: 66 after the burst, one every 66.5 s.
    assert round(importing.at_amazons_rate(86, figures)) == 4391


def test_a_full_run_imports_after_the_sizes_and_the_option_alone_only_imports():
    from bench.run import parse

    full = parse([])
    assert full.import_busiest and full.sizes == [100, 10000, 100000]
    assert not parse(["--quick"]).import_busiest
    assert not parse(["--no-import-busiest"]).import_busiest
    assert not parse(["--check-scale", "10:3"]).import_busiest
    alone = parse(["--import-busiest"])
    assert alone.import_busiest and alone.sizes == []
    assert parse(["--import-busiest", "--sizes", "100"]).sizes == [100]
