"""The README's shell commands work as written, in a fresh shell, after its own set-up step.

Every ``make …`` and ``.venv/bin/flask --app asc_web …`` line of the README's ```sh blocks
runs here against a temporary instance folder (``ASC_INSTANCE_PATH``), with the ``PATH`` of
a shell that never activated the virtual environment and no ``ASC_…`` settings of the
caller. Lines that need real Amazon, serve forever or run the whole suite are skipped with
the reason. Run with ``-rs -v`` to see which ran and which were skipped.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
VERSIONS = ROOT / "asc_web" / "migrations" / "versions"
FLASK = [".venv/bin/flask", "--app", "asc_web"]
SETUP_HEADING = "Before the other commands"
PASSWORD = "a long password for the readme test"
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
PLACEHOLDERS = {"...", "…"}
# Safe make targets run in the checkout; the others say why they are not run here.
MAKE_SKIPS = {
    "run": "serves the console until stopped (tests/integration/test_make_run.py starts it)",
    "test": "runs the whole suite, this test included",
    "bench": "a load benchmark of several minutes that needs wrk",
}
MAKE_RUNS = {"install"}
FLASK_SKIPS = {("worker",): "runs the background worker until stopped"}
FLASK_RUNS = {
    ("db", "upgrade"),
    ("users", "create"),
    ("connections", "check"),
    ("backup",),
    ("keys", "generate"),
    ("keys", "add"),
    ("keys", "rotate"),
    ("history", "prune"),
    ("sync", "run"),
}


@dataclass(frozen=True)
class Command:
    """One command line of a README shell block, under the heading it appears in."""

    text: str
    heading: str

    @property
    def words(self) -> list[str]:
        return shlex.split(self.text)

    @property
    def program(self) -> list[str]:
        """The words after the leading ``NAME=value`` settings and ``...`` placeholders."""
        words = self.words
        while words and (ASSIGNMENT.match(words[0]) or words[0] in PLACEHOLDERS):
            words = words[1:]
        return words

    @property
    def placeholder(self) -> bool:
        """The line stands for settings of your own (``...``)."""
        return any(word in PLACEHOLDERS or "…" in word for word in self.words)

    @property
    def kind(self) -> str:
        """``make``, ``flask`` (through .venv), ``bare-flask``, ``gunicorn`` or ``other``."""
        program = self.program
        if not program:
            return "other"
        if program[0] == "make":
            return "make"
        if program[:3] == FLASK:
            return "flask"
        if program[0] == "flask":
            return "bare-flask"
        if program[0].endswith("gunicorn"):
            return "gunicorn"
        return "other"

    @property
    def subcommand(self) -> tuple[str, ...]:
        """``("keys", "rotate")``, ``("backup",)``: the flask command it runs."""
        words = [w for w in self.program[3:] if not w.startswith("-")]
        if words and words[0] in ("db", "users", "connections", "keys", "history", "sync"):
            return tuple(words[:2])
        return tuple(words[:1])


def readme_commands(markdown: str) -> list[Command]:
    """The README's shell-block lines, continuations joined and comments dropped."""
    commands, heading, in_block, pending = [], "", False, ""
    for raw in markdown.splitlines():
        line = raw.strip()
        if not in_block and raw.startswith("#"):
            heading = raw.lstrip("#").strip()
        if line.startswith("```"):
            in_block = not in_block and line == "```sh"
            continue
        if not in_block:
            continue
        text = pending + line
        if text.endswith("\\"):
            pending = text[:-1].rstrip() + " "
            continue
        pending = ""
        words = shlex.split(text, comments=True)
        if words:
            commands.append(Command(shlex.join(words), heading))
    return commands


COMMANDS = readme_commands(README.read_text())
SETUP = [c for c in COMMANDS if c.heading == SETUP_HEADING]
CHECKED = [c for c in COMMANDS if c.kind != "other" and c not in SETUP]


def alembic_head() -> str:
    """The newest migration: the one revision no other revision follows."""
    revisions, parents = set(), set()
    for path in VERSIONS.glob("*.py"):
        source = path.read_text()
        revisions.update(re.findall(r'^revision\s*(?::\s*str\s*)?=\s*"([^"]+)"', source, re.M))
        parents.update(re.findall(r'^down_revision\s*(?::[^=]*)?=\s*"([^"]+)"', source, re.M))
    [head] = revisions - parents
    return head


def fresh_shell_env(instance: Path) -> dict[str, str]:
    """A shell that never activated .venv, with the instance folder in a temporary place."""
    venv_bin = str(ROOT / ".venv" / "bin")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ASC_", "FLASK_")) and k not in ("VIRTUAL_ENV", "PORT")
    }
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env["ASC_INSTANCE_PATH"] = str(instance)
    return env


class Install:
    """A temporary install: its own instance folder, commands run as a person would."""

    def __init__(self, base: Path):
        self.home = base / "work"
        self.home.mkdir()
        # Relative paths in the commands (``backup FILE``) land here, not in the checkout.
        (self.home / ".venv").symlink_to(ROOT / ".venv")
        self.instance = base / "instance"
        self.env = fresh_shell_env(self.instance)

    def run(self, command: Command, stdin: str = "") -> subprocess.CompletedProcess:
        """Run the line with bash, as typed: make in the checkout, flask from the install."""
        cwd = ROOT if command.kind == "make" else self.home
        return subprocess.run(
            ["bash", "-c", command.text],
            cwd=cwd,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def token_keys(self) -> list[str]:
        return (self.instance / "token_keys").read_text().strip().split(",")


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> Install:
    """A temporary install after the README's own set-up step."""
    place = Install(tmp_path_factory.mktemp("readme"))
    for command in SETUP:
        done = place.run(command)
        assert done.returncode == 0, f"{command.text}\n{done.stdout}\n{done.stderr}"
    return place


def test_the_readme_has_a_set_up_step_that_installs_and_migrates():
    assert [c.text for c in SETUP] == [
        "make install",
        ".venv/bin/flask --app asc_web db upgrade",
    ]


def test_every_flask_line_in_the_readme_works_in_a_fresh_shell():
    bare = [c.text for c in COMMANDS if c.kind == "bare-flask"]
    assert bare == [], "`flask` is not on a fresh shell's PATH: write .venv/bin/flask"


def test_the_setup_step_migrates_a_fresh_database_to_the_newest_revision(install):
    with sqlite3.connect(install.instance / "asc_web.sqlite3") as database:
        [(revision,)] = database.execute("SELECT version_num FROM alembic_version").fetchall()
    assert revision == alembic_head()


@pytest.mark.parametrize("command", CHECKED, ids=[f"{c.heading} | {c.text}" for c in CHECKED])
def test_readme_command(command: Command, install: Install):
    assert command.kind != "bare-flask", "not on a fresh shell's PATH: write .venv/bin/flask"
    reason = skip_reason(command)
    if reason:
        pytest.skip(reason)
    if command.kind == "make":
        done = install.run(command)
        assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
        return
    check = CHECKS[command.subcommand]
    check(install, command)


def skip_reason(command: Command) -> str | None:
    """Why a line is not run here, or None; an unknown command fails (decide first)."""
    if command.kind == "gunicorn":
        return "serves until stopped, with production settings of your own"
    if command.placeholder:
        return "`...` stands for production settings of your own (real Amazon credentials)"
    if command.kind == "make":
        target = (command.program + ["run"])[1]
        if target in MAKE_SKIPS:
            return MAKE_SKIPS[target]
        assert target in MAKE_RUNS, f"new make target in the README: is `{command.text}` safe?"
        return None
    if command.subcommand in FLASK_SKIPS:
        return FLASK_SKIPS[command.subcommand]
    assert command.subcommand in FLASK_RUNS, (
        f"new flask command in the README: is `{command.text}` safe to run here?"
    )
    return None


def _ok(done: subprocess.CompletedProcess, command: Command) -> str:
    assert done.returncode == 0, f"{command.text}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _db_upgrade(install: Install, command: Command) -> None:
    _ok(install.run(command), command)
    with sqlite3.connect(install.instance / "asc_web.sqlite3") as database:
        [(revision,)] = database.execute("SELECT version_num FROM alembic_version").fetchall()
    assert revision == alembic_head()


def _users_create(install: Install, command: Command) -> None:
    # The README: "asks for the password (or reads one line piped on stdin …)".
    out = _ok(install.run(command, stdin=PASSWORD + "\n"), command)
    email = command.words[command.words.index("--email") + 1]
    role = command.words[command.words.index("--role") + 1]
    assert f"Created {role} {email}." in out


def _connections_check(install: Install, command: Command) -> None:
    out = _ok(install.run(command), command)
    assert "Checked 0 store(s): nothing to check" in out


def _backup(install: Install, command: Command) -> None:
    target = install.home / command.program[-1]
    out = _ok(install.run(command), command)
    assert "integrity ok" in out and target.is_file()
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def _keys_generate(install: Install, command: Command) -> None:
    key = _ok(install.run(command), command).strip()
    assert Fernet(key)
    assert key not in install.token_keys()


def _keys_add(install: Install, command: Command) -> None:
    before = install.token_keys()
    out = _ok(install.run(command), command)
    assert "Added a new key first in" in out
    after = install.token_keys()
    assert after[1:] == before and len(after) == len(before) + 1


def _keys_rotate(install: Install, command: Command) -> None:
    before = install.token_keys()
    out = _ok(install.run(command), command)
    assert "Re-encrypted the tokens of 0 authorization(s)" in out
    assert install.token_keys()[1:] == before


def _history_prune(install: Install, command: Command) -> None:
    out = _ok(install.run(command), command)
    assert "Removed 0" in out, out


def _sync_run(install: Install, command: Command) -> None:
    out = _ok(install.run(command), command)
    assert "Synced 0 store(s): nothing due." in out, out


CHECKS = {
    ("db", "upgrade"): _db_upgrade,
    ("users", "create"): _users_create,
    ("connections", "check"): _connections_check,
    ("backup",): _backup,
    ("keys", "generate"): _keys_generate,
    ("keys", "add"): _keys_add,
    ("keys", "rotate"): _keys_rotate,
    ("history", "prune"): _history_prune,
    ("sync", "run"): _sync_run,
}
