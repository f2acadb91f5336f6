"""Real servers for the several-servers and load tests: gunicorn in its own process group."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from asc_web import create_app
from asc_web.extensions import db
from tests.conftest import PASSWORD
from tests.support import amazon

from .support import wait_until

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
FLASK = str(Path(sys.executable).with_name("flask"))
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PR_SET_PDEATHSIG = 1


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the test process dies, so no server outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def environment(settings: dict) -> dict:
    """The process environment: ours, without inherited ``ASC_*``, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASC_")}
    env.update({f"ASC_{k}": str(v) for k, v in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    return env


class Gunicorn:
    """``gunicorn -k gthread wsgi:app`` on a loopback port; ``stop()`` ends its process group."""

    def __init__(
        self,
        settings: dict,
        port: int,
        log: Path,
        workers: int = 2,
        threads: int = 4,
        app: str = "wsgi:app",
        ready_path: str = "/healthz",
        config_file: Path | None = None,
    ):
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._ready_path = ready_path
        self._log = log.open("wb")
        if config_file is not None:
            # The shipped settings file, as the README runs it: only the port is ours.
            command = [GUNICORN, "-c", str(config_file), "--bind", f"127.0.0.1:{port}"]
        else:
            command = [
                GUNICORN, "-k", "gthread", "--workers", str(workers), "--threads", str(threads),
                "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--timeout", "60",
                # Clients here reuse connections at once; a 2 s idle close (the default) races
                # a client's next request on a loaded machine and reads as "connection aborted".
                "--keep-alive", "30",
                "--access-logfile", "-", "--error-logfile", "-", app,
            ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment(settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        try:
            wait_until(self._ready, timeout=60, what=f"gunicorn on {self.url}", every=0.2)
        except BaseException:
            self.stop()
            raise

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
        # Ours, not another process that took the free port first (gunicorn then keeps
        # retrying "Connection in use" while the other one answers).
        if f"Listening at: {self.url}" not in self.output():
            return False
        try:
            return requests.get(self.url + self._ready_path, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        """Stop the whole process group (master and workers), then release the log file."""
        try:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        finally:
            self._log.close()

    def output(self) -> str:
        """What the server logged so far."""
        self._log.flush()
        return self.log.read_text(errors="replace")

    def problems(self) -> list[str]:
        """Log lines that are not a 2xx/3xx access line (errors, worker restarts)."""
        ok = re.compile(r'" [23]\d\d ')
        return [line for line in self.output().splitlines() if not ok.search(line)]


def run_flask(settings: dict, *args: str, timeout: float = 120) -> subprocess.Popen:
    """Start ``flask --app asc_web ARGS`` with ``settings``; the caller waits."""
    return subprocess.Popen(
        [FLASK, "--app", "asc_web", *args],
        cwd=ROOT,
        env=environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def local_app(settings: dict):
    """An in-process app on the servers' database, to seed and inspect it."""
    config = {k: v for k, v in settings.items() if k not in ("PUBLIC_URL",)}
    config["SQLALCHEMY_DATABASE_URI"] = config.pop("DATABASE_URL")
    config["SANDBOX_DISABLED"] = True
    config["RATELIMIT_ENABLED"] = False
    return create_app(config)


def dispose(app) -> None:
    """Release an in-process app's database connections."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


class Person:
    """Someone using ASC Web in a browser without JavaScript, on one server or another."""

    def __init__(self, base: str, email: str, password: str = PASSWORD):
        self.base = base
        self.http = requests.Session()
        self.email = email
        self.password = password

    def close(self) -> None:
        self.http.close()

    def csrf(self, path: str = "/login") -> str:
        page = self.http.get(self.base + path, timeout=30)
        return CSRF_META.search(page.text).group(1)

    def sign_in(self, base: str | None = None) -> requests.Response:
        base = base or self.base
        page = self.http.get(base + "/login", timeout=30)
        token = CSRF_META.search(page.text).group(1)
        return self.http.post(
            base + "/login",
            data={"email": self.email, "password": self.password, "csrf_token": token},
            allow_redirects=False,
            timeout=30,
        )

    def post(self, path: str, data: dict | None = None, base: str | None = None):
        token = self.csrf("/account")
        return self.http.post(
            (base or self.base) + path,
            data={"csrf_token": token, **(data or {})},
            allow_redirects=False,
            timeout=60,
        )

    def add_store(self, name: str, country: str, website: int, attribute: int):
        return self.post(
            "/stores/new",
            {
                "website": website,
                "email": "shop@example.com",
                "name": name,
                "country": country,
                "product_id_type": "ASIN",
                "attribute": attribute,
            },
        )

    def consent_url(self, store_id: int) -> str:
        response = self.post(f"/stores/{store_id}/connect")
        location = response.headers.get("Location", "")
        assert response.status_code == 303 and location.startswith("http"), (
            f"connect refused: {response.status_code} {location}"
        )
        return location

    def authorize(self, store_id: int, seller: str) -> str:
        """Connect at Seller Central; return the callback address Amazon sends back."""
        return amazon.authorize(self.http, self.consent_url(store_id), seller)
