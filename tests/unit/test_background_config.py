"""Background work settings: the check interval, the task queue and the mail server."""

from __future__ import annotations

import pytest

from asc_web import create_app
from asc_web.config import ConfigError


def _app(tmp_path, **settings):
    return create_app({"INSTANCE_PATH": str(tmp_path), "SANDBOX_DISABLED": True, **settings})


def test_the_check_interval_is_a_duration_from_the_environment(tmp_path, monkeypatch):
    assert _app(tmp_path).config["CHECK_INTERVAL_SECONDS"] == 6 * 3600
    monkeypatch.setenv("ASC_CHECK_INTERVAL", "1h30m")
    assert _app(tmp_path).config["CHECK_INTERVAL_SECONDS"] == 5400
    monkeypatch.setenv("ASC_CHECK_INTERVAL", "900")
    assert _app(tmp_path).config["CHECK_INTERVAL_SECONDS"] == 900
    monkeypatch.setenv("ASC_CHECK_INTERVAL", "off")
    assert _app(tmp_path).config["CHECK_INTERVAL_SECONDS"] is None
    monkeypatch.setenv("ASC_CHECK_INTERVAL", "every six hours")
    with pytest.raises(ConfigError, match="ASC_CHECK_INTERVAL must be a duration such as 6h"):
        _app(tmp_path)


def test_a_task_queue_url_of_an_unknown_kind_is_refused_without_echoing_it(tmp_path):
    with pytest.raises(ConfigError) as refused:
        _app(tmp_path, TASK_QUEUE_URL="amqp://user:hunter2@broker/")
    assert "ASC_TASK_QUEUE_URL must start with redis://" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_mail_security_must_be_one_we_know(tmp_path):
    with pytest.raises(ConfigError, match="ASC_MAIL_SECURITY must be one of starttls, tls"):
        _app(tmp_path, MAIL_SECURITY="ssl3")


def test_the_default_queue_is_a_sqlite_file_in_the_instance_folder(tmp_path):
    from asc_web import tasks

    app = _app(tmp_path)
    with app.app_context():
        queue = tasks.queue()
    assert queue.where == str(tmp_path / "tasks.sqlite3")
    assert (tmp_path / "tasks.sqlite3").exists()
