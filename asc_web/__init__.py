"""ASC Web: connect Amazon stores to Seller Central and keep the connections healthy."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from flask import Flask

from . import config as config_module


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, ``instance/config.py``, ``ASC_*`` environment, then ``config``."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("ASC_INSTANCE_PATH")
    app = Flask(
        __name__,
        template_folder=_site_folder("templates"),
        static_folder=_site_folder("static"),
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        instance_relative_config=True,
    )
    app.config.from_mapping(config_module.defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix="ASC")
    if config:
        app.config.from_mapping(config)
    config_module.finish(app.config, Path(app.instance_path))

    from . import db as db_setup
    from . import logs

    logs.install(app.config.get("LOG_LEVEL"), app.config["LOG_FORMAT"])
    config_module.warn_if_risky(app.config)
    from .extensions import csrf, db, limiter, login_manager

    db.init_app(app)
    if app.config["DB_COMMANDS"]:
        # `flask db …`: Flask-Migrate brings Alembic (11 MB a process); wsgi.py leaves it out
        # of the servers' workers, which never migrate.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(__file__).parent / "migrations"),
                render_as_batch=True)  # fmt: skip
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        db_setup.configure_engine(db.engine)

    if not app.config["DB_COMMANDS"]:
        _import_huey_without_unused_clients(app.config)
    from . import auth, catalog, connect, health, maintenance, rendering, stores, sync, tasks, web

    app.jinja_env.add_extension("jinja2.ext.do")
    web.init_app(app)
    rendering.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(stores.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(connect.bp)
    auth.init_app(app)
    connect.init_app(app)
    maintenance.init_app(app)
    tasks.init_app(app)
    sync.init_app(app)
    _mount_sandbox(app)
    logging.getLogger(__name__).debug("ASC Web ready in %s mode", app.config["AMAZON_MODE"])
    return app


def _import_huey_without_unused_clients(config) -> None:
    """Import the task queue's library without the database clients this install leaves
    unused: ``huey.storage`` imports redis and psycopg whenever they are installed, for
    storages of its own (Redis, PostgreSQL), and a SQLite install's server workers carried
    both (17 MB each). Only for the servers' workers (wsgi.py, one app a process): the
    choice holds for the whole process, as huey is imported once.
    """
    import sys

    unused = []
    if not str(config.get("SQLALCHEMY_DATABASE_URI") or "").startswith("postgresql"):
        unused.append("psycopg")  # ASC Web's queue never uses huey's PostgreSQL storage
    if not str(config.get("TASK_QUEUE_URL") or "").startswith(("redis", "rediss", "unix")):
        unused.append("redis")
    blocked = [name for name in unused if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # `import name` fails
    try:
        import huey.storage  # noqa: F401
    finally:
        for name in blocked:
            del sys.modules[name]  # a later `import name` (the rate limiter's) finds it


def _site_folder(name: str) -> str:
    """``templates`` or ``static``: beside the package in a checkout, inside it once installed.

    The repository keeps them at its top level; the wheel carries them as ``asc_web/<name>``
    (pyproject.toml's ``package-dir``).
    """
    package = Path(__file__).resolve().parent
    checkout = package.parent / name
    if checkout.is_dir() and (package.parent / "pyproject.toml").is_file():
        return str(checkout)
    return str(package / name)


def _mount_sandbox(app: Flask) -> None:
    """In sandbox mode, serve the Seller Central sandbox under ``/sandbox``."""
    if app.config["AMAZON_MODE"] != "sandbox" or app.config.get("SANDBOX_DISABLED"):
        return
    try:
        # Imported by name only here: the app itself talks to the sandbox over HTTP.
        sandbox = importlib.import_module("asc_web.sandbox")
    except ImportError:  # pragma: no cover - the sandbox ships with the package
        return
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from .db import private_database_files

    path = app.config.get("SANDBOX_DB_PATH") or str(Path(app.instance_path) / "sandbox.sqlite3")
    private_database_files(Path(path))  # it holds the sandbox's OTP secret
    # The console's clock follows the sandbox clock (asc_web/clock.py).
    clock_file = app.config.get("CLOCK_OFFSET_FILE") or str(
        Path(app.instance_path) / "sandbox_clock_offset"
    )
    app.config["CLOCK_OFFSET_FILE"] = clock_file
    public = str(app.config["PUBLIC_URL"]).rstrip("/")
    sandbox_app = sandbox.create_app(
        {
            "SANDBOX_DB_PATH": path,
            "SANDBOX_HOOKS_ENABLED": True,
            # Loopback redirect URIs are registered already; a public one must be added.
            "SANDBOX_REDIRECT_URIS": (app.config["REDIRECT_URI"],),
            "SANDBOX_LOGIN_URI": f"{public}/amazon/login",
            "SANDBOX_CLOCK_FILE": clock_file,
            # Behind a proxy the hooks must see the client's address, not the proxy's.
            "SANDBOX_TRUSTED_PROXIES": int(app.config.get("TRUSTED_PROXIES") or 0),
            "SECRET_KEY": app.config["SECRET_KEY"] + ":sandbox",
        },
        url_prefix="",
    )
    app.extensions["asc_sandbox"] = sandbox_app
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/sandbox": sandbox_app})
