"""``make run`` as a person runs it: the console, its sandbox and the background worker."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from asc_web import create_app
from asc_web.extensions import db
from tests.conftest import PASSWORD
from tests.reliability.servers import ROOT, Person, _die_with_parent, free_port
from tests.reliability.support import wait_until
from tests.support.data import insert_store

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")
VENV = Path(sys.executable).parent.parent


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _processes(pgid: int) -> str:
    return subprocess.run(
        ["ps", "-ww", "-o", "pid=,stat=,args=", "-g", str(pgid)], capture_output=True, text=True
    ).stdout


def test_make_run_checks_connections_on_schedule_and_ctrl_c_stops_everything(tmp_path):
    instance, port = tmp_path / "instance", free_port()
    # Not our ASC_* settings, nor the flags of the `make test` that may be running us.
    inherited = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASC_") and k not in inherited}
    env.update(ASC_INSTANCE_PATH=str(instance), ASC_CHECK_INTERVAL="2s",
               ASC_CHECK_TICK_SECONDS="1")  # fmt: skip
    log = (tmp_path / "make-run.log").open("wb")
    # -o install: the test's own virtualenv is installed already (VENV points at it).
    make = subprocess.Popen(
        ["make", "-o", "install", "run", f"VENV={VENV}", f"PORT={port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True, preexec_fn=_die_with_parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    app = None
    owner = Person(url, "owner@example.com")
    try:
        wait_until(lambda: _healthy(url, make), timeout=90, what="make run to serve")
        assert "worker --stop-with-parent" in _processes(make.pid)
        app = create_app({"INSTANCE_PATH": str(instance), "SANDBOX_DISABLED": True})
        with app.app_context():
            from asc_web.auth import services

            services.create_user("owner@example.com", PASSWORD, "admin")
            db.session.commit()
        store_id = insert_store(app, "Amazon Store USA", "US")
        assert owner.sign_in().status_code == 303
        callback = owner.authorize(store_id, "na.primary@example.com")
        assert "Store connected" in owner.http.get(callback, timeout=30).text
        requests.post(
            url + "/sandbox/_hooks/revoke", json={"email": "na.primary@example.com"}, timeout=10
        ).raise_for_status()
        wait_until(
            lambda: "Reconnect required" in owner.http.get(f"{url}/stores/{store_id}/card").text,
            timeout=45,
            what="the worker's scheduled check to notice the revocation",
            every=0.25,
        )
    finally:
        owner.close()
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal
        try:
            wait_until(lambda: make.poll() is not None and not _group_alive(make.pid),
                       timeout=30, what="make run, the server and the worker to stop")  # fmt: skip
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(make.pid, signal.SIGKILL)
            log.close()
    output = (tmp_path / "make-run.log").read_text(errors="replace")
    assert "Consumer exiting." in output
    assert "Traceback" not in output, output[-3000:]


def _healthy(url: str, make: subprocess.Popen) -> bool:
    if make.poll() is not None:
        raise AssertionError("make run exited before serving")
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False
