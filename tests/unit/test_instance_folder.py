"""The instance folder is where the README says it is, whatever the current directory."""

from __future__ import annotations

from pathlib import Path

import pytest

import asc_web
from asc_web import config as config_module

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


class Chosen(Exception):
    """Raised in place of finishing the configuration: carries the instance folder."""


@pytest.fixture
def instance_of(monkeypatch):
    """The instance folder ``create_app`` picks (nothing is created or written there)."""

    def finish(_config, instance: Path) -> None:
        raise Chosen(instance)

    monkeypatch.setattr(config_module, "finish", finish)

    def chosen(config: dict | None = None) -> Path:
        with pytest.raises(Chosen) as picked:
            asc_web.create_app(config)
        return Path(picked.value.args[0])

    return chosen


def test_readme_names_the_default_instance_folder_next_to_the_package():
    row = next(line for line in README.splitlines() if line.startswith("| `ASC_INSTANCE_PATH`"))
    assert "`instance/` next to the `asc_web` package" in row
    assert "the repository's `instance/`, whatever the current directory" in row
    assert "`./instance`" not in README


def test_the_default_instance_folder_is_the_checkouts_whatever_the_current_directory(
    instance_of, monkeypatch, tmp_path
):
    monkeypatch.delenv("ASC_INSTANCE_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    assert instance_of() == Path(asc_web.__file__).resolve().parent.parent / "instance"
    assert instance_of() == ROOT / "instance"


def test_asc_instance_path_chooses_it_relative_to_the_current_directory(
    instance_of, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ASC_INSTANCE_PATH", "elsewhere/instance")
    assert instance_of() == tmp_path / "elsewhere" / "instance"
    assert "A relative path counts from the current directory" in README
