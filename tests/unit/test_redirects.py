"""Only local paths are accepted as a place to return to after sign-in."""

import pytest

from asc_web.auth.wall import safe_next


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=1",
        "",
        None,
    ],
)
def test_foreign_or_malformed_targets_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/stores/3?tab=activity", "/attributes"])
def test_local_paths_are_kept(target):
    assert safe_next(target) == target
