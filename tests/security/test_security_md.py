"""SECURITY.md stays honest: every promise names a test, and every named test exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECURITY_MD = ROOT / "SECURITY.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _promises() -> list[str]:
    """The table rows under "What ASC Web promises" (headers and separators left out)."""
    text = SECURITY_MD.read_text()
    section = text.split("## What ASC Web promises", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [row for row in rows if row not in ("| promise | proven by |", "| --- | --- |")]


@cache
def _tests_in(path: str) -> frozenset[str]:
    """Names of the test functions defined at the top of ``path`` (or in its classes)."""
    tree = ast.parse((ROOT / path).read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.update(n.name for n in node.body if isinstance(n, ast.FunctionDef))
    return frozenset(name for name in names if name.startswith("test_"))


def test_every_promise_names_the_test_that_proves_it():
    promises = _promises()
    assert len(promises) >= 40, "the promises tables were not found"
    unproven = [row[:80] for row in promises if not REFERENCE.search(row.split(" | ")[-1])]
    assert not unproven, f"promises without a test: {unproven}"


def test_every_test_named_in_security_md_exists():
    references = REFERENCE.findall(SECURITY_MD.read_text())
    assert references
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).is_file() or name not in _tests_in(path)
    ]
    assert not missing, f"SECURITY.md names tests that do not exist: {missing}"
