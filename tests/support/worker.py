"""``flask --app asc_web worker`` in its own process, on a live server's database and clock."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from tests.reliability.servers import FLASK, ROOT, _die_with_parent, environment
from tests.reliability.support import wait_until

# The line each finished tick logs (at DEBUG when nothing was due, at INFO otherwise).
TICK = "Scheduled work:"


def worker_settings(app, public_url: str, **settings) -> dict:
    """Settings for a worker beside the in-process live ``app``: same database, keys,
    instance folder (task queue file) and sandbox clock; no sandbox of its own."""
    config = app.config
    return {
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": config["SECRET_KEY"],
        "TOKEN_KEYS": config["TOKEN_KEYS"],
        "PUBLIC_URL": public_url,
        "INSTANCE_PATH": app.instance_path,
        "CLOCK_OFFSET_FILE": config["CLOCK_OFFSET_FILE"],
        "SANDBOX_DISABLED": "true",
        "HTTP_READ_TIMEOUT": config["HTTP_READ_TIMEOUT"],
        "CHECK_BACKOFF_SECONDS": config.get("CHECK_BACKOFF_SECONDS", 0.5),
        "CHECK_TICK_SECONDS": 1,
        # Syncing stores' Amazon data is off unless a test asks for it (it would call
        # Amazon beside the checks those tests count).
        "SYNC_INTERVAL": "off",
        "LOG_LEVEL": "DEBUG",
        **settings,
    }


class Worker:
    """A running worker; ``stop()`` ends it as Ctrl-C would."""

    def __init__(self, settings: dict, log: Path):
        self.log = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [FLASK, "--app", "asc_web", "worker"],
            cwd=ROOT,
            env=environment(settings),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        try:
            wait_until(self._started, timeout=60, what="the worker to start", every=0.1)
        except BaseException:
            self.stop()
            raise

    def _started(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited: {self.output()[-3000:]}")
        return "Huey consumer started" in self.output()

    def output(self) -> str:
        """What the worker logged so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log.read_text(errors="replace")

    def ticks(self) -> int:
        """How many ticks of scheduled work it finished."""
        return self.output().count(TICK)

    def stop(self) -> None:
        """SIGINT (a graceful stop), then SIGKILL if it hangs."""
        try:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        finally:
            self._log.close()
