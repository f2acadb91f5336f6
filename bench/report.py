"""The report: a Markdown table to read and a JSON file to compare runs with."""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import RESULTS
from .server import connection_cap

COLUMNS = ("stores", "endpoint", "req/s", "p50 ms", "p95 ms", "p99 ms", "× /healthz",
           "CPU ms/req", "SQL/req", "errors", "target", "result")  # fmt: skip


def percentile(sorted_values: list[float], pct: float) -> float:
    """The ``pct`` percentile (nearest rank) of already sorted values; 0 when empty."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def _num(value, digits: int = 1) -> str:
    """A number for the table, or a dash."""
    return "—" if value is None else f"{value:,.{digits}f}"


def _line(cells) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _endpoint_line(size: int, row: dict, queries: dict) -> str:
    """The table row of one endpoint at one size."""
    sql = queries.get(row["key"])
    sql_text = "—" if sql is None else str(sql)
    if row.get("skip"):
        return _line([size, row["label"], f"skipped: {row['skip']}", "", "", "", "", "",
                      sql_text, "", row.get("target", ""), "SKIP"])  # fmt: skip
    errors = row["non_2xx_3xx"] + row["socket_errors"]
    return _line([size, row["label"], _num(row["rps"]), _num(row["p50_ms"]), _num(row["p95_ms"]),
                  _num(row["p99_ms"]), _num(row.get("ratio"), 2), _num(row.get("cpu_ms"), 2),
                  sql_text, errors, row["target"], row["result"]])  # fmt: skip


def markdown(run: dict) -> str:
    """The whole report as Markdown."""
    opts, machine = run["options"], run["machine"]
    out = [
        f"## ASC Web benchmark, {run['started']}",
        "",
        f"Commit `{run['commit']}`{' with local changes' if run['dirty'] else ''}; "
        f"database {run['backend']}; gunicorn gthread 2 workers × 4 threads, at most "
        f"{connection_cap(opts['connections'])} connections each; wrk "
        f"{opts['connections']} connections × {opts['threads']} threads, "
        f"{opts['duration']} s per endpoint. Machine: {machine['cpus']} CPUs, load average "
        f"{machine['load_before']} before and {machine['load_after']} after.",
        "",
        _line(COLUMNS),
        _line(["---"] * len(COLUMNS)),
    ]
    extras = []
    if run.get("check_scale"):
        from .checks import markdown as check_markdown

        extras += check_markdown(run["check_scale"])
    if run.get("import_busiest"):
        from .importing import markdown as import_markdown

        extras += import_markdown(run["import_busiest"])
    if extras and not run["sizes"]:
        return "\n".join([*out[:3], "", *extras])
    if extras:
        out = [*out[:3], "", *extras, *out[3:]]
    for size, sized in run["sizes"].items():
        out += [_endpoint_line(size, row, sized["queries"]) for row in sized["endpoints"]]
    q = run["home_queries"]
    counts = ", ".join(f"{k} stores: {_num(v, 0)}" for k, v in q["counts"].items())
    out += ["", f"**SQL statements per home page**: {counts}. Target {q['target']}: "
            f"**{q['result']}**.", ""]  # fmt: skip
    out += ["| stores | worker | peak MB (VmHWM) | after run MB (VmRSS) | target | result |",
            "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for size, sized in run["sizes"].items():
        for n, w in enumerate(sized["memory"], 1):
            out.append(_line([size, n, w["peak_mb"], w["rss_mb"], w["target"], w["result"]]))
    out += ["", *_notes(run)]
    return "\n".join(out) + "\n"


def _notes(run: dict) -> list[str]:
    """Things a reader must know to trust the numbers: skips, log findings, flow errors."""
    notes = []
    for size, sized in run["sizes"].items():
        if sized.get("healthz_drift"):
            notes.append(f"- {size} stores: /healthz moved {sized['healthz_drift']:.0%} between "
                         "the first and last run: ratios are that noisy.")  # fmt: skip
        log = sized["log"]
        if any(log.values()):
            notes.append(f"- {size} stores: gunicorn log has {log}.")
        if sized.get("workers_restarted"):
            notes.append(f"- {size} stores: a worker was restarted during the run.")
        for row in sized["endpoints"]:
            for note in row.get("notes", []):
                notes.append(f"- {size} stores, {row['label']}: {note}.")
            for error in row.get("errors", []):
                notes.append(f"- {size} stores, {row['label']}: failed flow: {error}")
    return notes


def write(run: dict) -> tuple[Path, Path]:
    """Save the run as ``bench/results/<stamp>.json`` and ``.md``; return both paths."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = run["started"].replace(":", "").replace("-", "")
    json_path, md_path = RESULTS / f"{stamp}.json", RESULTS / f"{stamp}.md"
    json_path.write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(run))
    return json_path, md_path
