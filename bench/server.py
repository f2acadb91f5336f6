"""Gunicorn as the README serves it, on a free loopback port, always stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from . import ROOT
from .settings import Settings

READY_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connection_cap(connections: int, workers: int = 2, threads: int = 4) -> int:
    """The most of wrk's ``connections`` one worker may hold: its even share plus a thread's
    worth (12 of 16 for two workers of four threads).

    wrk opens its connections at once and each stays with the worker that accepted it;
    without a cap one worker sometimes took all 16 and the row ran on one CPU (read as half
    the page's throughput; the balance check then ran the row again, up to three times, and
    some rows stayed on one worker every time). A gthread worker stops accepting at its cap,
    so the other takes the rest: at worst 12 against 4. The threads' worth keeps each of a
    worker's connections alive (gthread keeps at most ``cap - threads`` idle) and leaves
    room for the bench's own signed-in session and the connect flows.
    """
    return -(-connections // workers) + threads


class Gunicorn:
    """``gunicorn -k gthread --workers 2 --threads 4 wsgi:app`` in its own process group."""

    def __init__(
        self, settings: Settings, log_path: Path, workers: int = 2, threads: int = 4,
        app: str = "wsgi:app", ready_path: str = "/healthz", worker_connections: int = 0,
    ):  # fmt: skip
        """``app``: what gunicorn serves (the console; the sandbox alone for the check bench),
        ready once ``ready_path`` answers 200; ``worker_connections``: the most connections
        a worker holds at once (gunicorn's own default when 0; see ``connection_cap``)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._env = settings.env(public_url=self.url)
        self.worker_count = workers
        self._args = ["--workers", str(workers), "--threads", str(threads)]
        if worker_connections:
            self._args += ["--worker-connections", str(worker_connections)]
        self._app, self._ready_path = app, ready_path
        self._proc: subprocess.Popen | None = None
        self.first_workers: list[int] = []

    def __enter__(self) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-k", "gthread", *self._args,
                   "--bind", f"127.0.0.1:{self.port}", "--error-logfile", "-",
                   "--log-level", "warning", self._app]  # fmt: skip
        with open(self.log_path, "ab") as log:
            # Our own interpreter and fixed arguments; a new session gives a process group.
            self._proc = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=self._env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.first_workers = self.workers()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _wait_ready(self) -> None:
        """Poll ``/healthz`` until it answers 200 (bounded), or fail with the log's tail."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                ok = requests.get(self.url + self._ready_path, timeout=2).status_code == 200
            except requests.RequestException:
                ok = False
            # Both workers must be up before load starts.
            if ok and len(self.workers()) >= self.worker_count:
                return
            time.sleep(0.2)
        tail = self.log_path.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"gunicorn did not become ready; its log ends with:\n{tail}")

    def stop(self) -> None:
        """TERM the whole process group, then KILL it if it lingers."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        if self._proc is None:
            return []
        master = str(self._proc.pid)
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if _field(status, "PPid") == master:
                pids.append(int(entry.name))
        return sorted(pids)

    def cpu_ticks(self) -> dict[int, int]:
        """CPU time (user + system, clock ticks) each worker has used so far."""
        ticks = {}
        for pid in self.workers():
            try:
                # Fields after the command's closing parenthesis; utime and stime are 12, 13.
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            ticks[pid] = int(fields[11]) + int(fields[12])
        return ticks

    def memory(self) -> list[dict]:
        """Peak (VmHWM) and current (VmRSS) resident memory of each worker, in MB."""
        out = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            if not _field(status, "VmRSS"):
                continue  # a worker that is exiting has no memory left to report
            peak, rss = (int(_field(status, k).split()[0]) / 1024 for k in ("VmHWM", "VmRSS"))
            out.append({"pid": pid, "peak_mb": round(peak, 1), "rss_mb": round(rss, 1)})
        return out

    def log_counts(self) -> dict[str, int]:
        """Lines in the server log that a clean run must not have."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return {
            "database_is_locked": text.count("database is locked"),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
        }

    def last_exception(self) -> str:
        """The exception line of the last traceback in the log ('' when there is none)."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        starts = [n for n, line in enumerate(lines) if line.startswith("Traceback")]
        if not starts:
            return ""
        following = lines[starts[-1] + 1 :]
        return next((x for x in following if x and not x[0].isspace()), "")[:200]


def _field(status: str, name: str) -> str:
    """One ``Name: value`` field of a /proc status file ('' when missing)."""
    for line in status.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].strip()
    return ""
