"""The app gunicorn serves (wsgi.py): the migration tools and unused database clients stay
out of its workers, and the shipped config keeps the loaded app out of garbage collections."""

from __future__ import annotations

import subprocess
import sys

from tests.reliability.servers import ROOT, environment

PROBE = (
    "import sys, wsgi; "
    "print(sorted(m for m in ('flask_migrate', 'alembic', 'mako') if m in sys.modules)); "
    "print('db' in wsgi.app.cli.commands, 'health.healthz' in wsgi.app.view_functions)"
)


def probe(code: str, settings: dict) -> list[str]:
    """The lines ``code`` prints in a fresh interpreter with ``settings`` (ASC_* variables)."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment(settings),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def sqlite_settings(tmp_path, **more) -> dict:
    return {"INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'asc.sqlite3'}", **more}  # fmt: skip


def test_the_served_app_loads_no_migration_tools_and_the_cli_keeps_them(tmp_path):
    settings = sqlite_settings(tmp_path)
    assert probe(PROBE, settings) == ["[]", "False True"]
    cli = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "asc_web", "db", "--help"], cwd=ROOT,
        env=environment(settings), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert cli.returncode == 0 and "upgrade" in cli.stdout, cli.stderr


CLIENTS = (
    "import sys, wsgi, huey.storage; "
    "from asc_web.tasks.queue import build; "
    "print(sorted(m for m in ('redis', 'psycopg') if m in sys.modules)); "
    "print(type(build(wsgi.app).huey).__name__, huey.storage.Redis is not None)"
)


def test_a_sqlite_install_serves_without_the_redis_and_postgresql_clients(tmp_path):
    # huey imports both for storages of its own whenever they are installed: 17 MB a worker.
    assert probe(CLIENTS, sqlite_settings(tmp_path)) == ["[]", "SqliteHuey False"]


def test_a_redis_queue_keeps_the_redis_client(tmp_path):
    settings = sqlite_settings(tmp_path, TASK_QUEUE_URL="redis://127.0.0.1:6379/15")
    assert probe(CLIENTS, settings) == ["['redis']", "RedisHuey True"]


# The shipped gunicorn.conf.py's worker hook, run where gunicorn runs it: after the worker
# has loaded the app.
COLLECTOR = (
    "import gc, runpy, wsgi; "
    "config = runpy.run_path('gunicorn.conf.py'); "
    "print(gc.get_freeze_count() == 0, len(gc.get_objects()) > 50_000); "
    "config['post_worker_init'](None); "
    "print(gc.get_freeze_count() > 50_000, len(gc.get_objects()) < 5_000, gc.get_threshold()[0])"
)


def test_a_gunicorn_worker_keeps_the_loaded_app_out_of_garbage_collections(tmp_path):
    # Before: every object of the app in the collector's generations; after: frozen (full
    # collections skip them) and a young generation a page fits in.
    assert probe(COLLECTOR, sqlite_settings(tmp_path)) == ["True True", "True True 5000"]
