"""Reminder emails: each occasion once per store, at the store's address, from the schedule."""

from __future__ import annotations

import pytest

from asc_web.extensions import db
from asc_web.models import Authorization, Reminder, Store
from asc_web.tasks import jobs
from tests.conftest import _base_config
from tests.reliability.support import wait_until
from tests.support.data import insert_store
from tests.support.live import LiveServer
from tests.support.smtp import SmtpServer
from tests.support.worker import Worker, worker_settings


@pytest.fixture
def smtp():
    """A real SMTP server on loopback that keeps every mail."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def live(database_url, tmp_path, smtp):
    """ASC Web and its sandbox on a free port, sending mail to ``smtp``."""
    config = _base_config(database_url, tmp_path / "instance")
    config.update(SANDBOX_DISABLED=False, HTTP_READ_TIMEOUT=3.0, CHECK_BACKOFF_SECONDS=0.01)
    config.update(smtp.settings(), CHECK_INTERVAL="1h")
    server = LiveServer(config)
    yield server
    server.stop()


@pytest.fixture
def add_store(live):
    """Stores with their own contact address."""

    def add(name="Amazon Store USA", country="US") -> int:
        email = f"{country.lower()}@example.com"
        return insert_store(live.app, name, country, attribute="asin", email=email)

    return add


def _scheduled_job(live) -> None:
    """What each tick of the worker runs: due checks, then reminders."""
    with live.app.app_context():
        jobs.run_scheduled_work()


def _subjects(smtp, start: int = 0) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages[start:]]


def test_reminders_go_once_at_30_7_and_1_days_before_expiry_and_at_expiry(
    live, connected_store, hooks, smtp
):
    store_id = connected_store()
    _scheduled_job(live)
    assert smtp.messages == []  # 365 days left: nothing to say
    steps = [
        (335, "Renew the Amazon authorization of “Amazon Store USA” by", "(30 days left)"),
        (23, "Renew the Amazon authorization of “Amazon Store USA” by", "(7 days left)"),
        (6, "Renew the Amazon authorization of “Amazon Store USA” by", "(1 day left)"),
        (1, "Reconnect “Amazon Store USA”: its Amazon authorization has expired", "ended on"),
    ]
    for count, (days, subject, words) in enumerate(steps, start=1):
        hooks.post("clock", advance_days=days)
        for _ in range(3):  # repeated ticks and checks: still one mail per occasion
            _scheduled_job(live)
        assert len(smtp.messages) == count, _subjects(smtp)
        mail = smtp.messages[-1]
        assert str(mail["To"]) == "us@example.com"
        assert str(mail["Subject"]).startswith(subject)
        body = mail.get_payload(decode=True).decode()
        assert words in body
        assert f"{live.url}/stores/{store_id}" in body
        assert "Atz" not in body and "refresh" not in body.lower()
    with live.app.app_context():
        kinds = db.session.scalars(db.select(Reminder.kind).order_by(Reminder.id)).all()
    assert kinds == ["due_30", "due_7", "due_1", "expired"]


def test_a_revocation_sends_one_reconnect_reminder(live, connected_store, hooks, smtp):
    connected_store()
    hooks.post("revoke", email="na.primary@example.com")
    hooks.post("clock", advance_days=1)  # the next scheduled check is due
    for _ in range(3):
        _scheduled_job(live)
    assert _subjects(smtp) == [
        "Reconnect “Amazon Store USA”: Amazon no longer accepts its authorization"
    ]
    body = smtp.messages[0].get_payload(decode=True).decode()
    assert "was revoked" in body and "Reconnect store" in body


def test_stores_sharing_an_address_get_one_mail_naming_them_all(live, connected_store, hooks, smtp):
    connected_store("Amazon Store USA", "US")
    mexico = insert_store(live.app, "Amazon Store Mexico", "MX", attribute="asin",
                          email="us@example.com")  # fmt: skip
    canada = insert_store(live.app, "Amazon Store Canada", "CA", attribute="asin",
                          email="us@example.com")  # fmt: skip
    with live.app.app_context():
        authorization_id = db.session.scalar(db.select(Authorization.id))
        db.session.execute(
            db.update(Store)
            .where(Store.id.in_([mexico, canada]))
            .values(authorization_id=authorization_id)
        )
        db.session.commit()
    hooks.post("clock", advance_days=340)
    _scheduled_job(live)
    assert len(smtp.messages) == 1
    subject = str(smtp.messages[0]["Subject"])
    assert "“Amazon Store USA”, “Amazon Store Canada” and “Amazon Store Mexico”" in subject


def test_a_store_that_opted_out_gets_no_reminder(live, merchant, connected_store, hooks, smtp):
    kept = connected_store("Amazon Store USA", "US")
    quiet = connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    settings = merchant.http.get(f"{live.url}/stores/{quiet}/settings", timeout=10).text
    assert "Reminders go to the Email Address 30, 7 and 1 days before" in settings
    saved = merchant.http.post(
        f"{live.url}/stores/{quiet}/settings",
        data={"csrf_token": merchant.csrf(), "email": "us@example.com",
              "name": "Amazon Store UK"},  # the box left unticked
        allow_redirects=False,
        timeout=10,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    with live.app.app_context():
        assert db.session.get(Store, quiet).email_reminders is False
        assert db.session.get(Store, kept).email_reminders is True
    hooks.post("clock", advance_days=340)
    _scheduled_job(live)
    assert _subjects(smtp) == [s for s in _subjects(smtp) if "Amazon Store USA" in s]
    assert len(smtp.messages) == 1


def test_without_a_mail_server_reminders_are_off_and_nothing_fails(
    live, merchant, connected_store, hooks, smtp
):
    store_id = connected_store()
    for key in ("MAIL_SERVER", "MAIL_SENDER"):
        live.app.config[key] = None
    page = merchant.http.get(f"{live.url}/stores/{store_id}/settings", timeout=10).text
    assert "Email reminders are off on this ASC Web because no mail server is set up" in page
    hooks.post("clock", advance_days=340)
    _scheduled_job(live)
    assert smtp.messages == []
    with live.app.app_context():
        assert db.session.scalar(db.select(db.func.count(Reminder.id))) == 0
    result = live.app.test_cli_runner().invoke(args=["connections", "check"])
    assert result.exit_code == 0, result.output
    assert "Email reminders are off" in result.output


def test_a_refused_mail_is_sent_at_the_next_run(live, connected_store, hooks, smtp):
    connected_store()
    hooks.post("clock", advance_days=340)
    live.app.config["MAIL_PORT"] = 1  # nothing listens there: the mail cannot go
    _scheduled_job(live)
    assert smtp.messages == []
    live.app.config["MAIL_PORT"] = smtp.port
    _scheduled_job(live)
    assert len(smtp.messages) == 1


def test_two_workers_at_once_send_each_reminder_once(live, connected_store, hooks, smtp, tmp_path):
    connected_store("Amazon Store USA", "US")
    connected_store("Amazon Store UK", "UK", "uk.primary@example.com")
    settings = worker_settings(live.app, live.url, CHECK_INTERVAL="1h", **smtp.settings())
    workers = [Worker(settings, tmp_path / f"worker-{n}.log") for n in (1, 2)]
    try:
        for count, days in ((2, 335), (4, 23)):
            # Amazon answers slowly, so that the workers' checks and reminders overlap.
            hooks.post("fail", endpoint="sellers", delay_s=0.3, count=4)
            hooks.post("clock", advance_days=days)
            smtp.wait_for(count, timeout=45)
            ticks = sum(w.ticks() for w in workers)
            wait_until(
                lambda ticks=ticks: sum(w.ticks() for w in workers) >= ticks + 4,
                timeout=30,
                what="more ticks",
            )
            assert len(smtp.messages) == count, _subjects(smtp)
    finally:
        for worker in workers:
            worker.stop()
    assert sorted(str(m["To"]) for m in smtp.messages) == [
        "uk@example.com",
        "uk@example.com",
        "us@example.com",
        "us@example.com",
    ]
