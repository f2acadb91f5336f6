"""Log forging: request data in a log line never starts a line of its own (text or JSON)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid

import pytest

from tests.conftest import csrf_from

from .conftest import plant_session

FORGED = "Sign-in: event=sign-in.ok user=1 email=admin@example.com ip=203.0.113.9"
# Every way a line could end or be reordered: LF, CR, NEL, line separator, ESC, bidi override.
BREAKS = ["%0a", "%0d%0a", "%0d", "%c2%85", "%e2%80%a8", "%1b[2K%0d", "%e2%80%ae"]


def _records_are_single_lines(caplog) -> None:
    for record in caplog.records:
        message = record.getMessage()
        for character in ("\n", "\r", "\x85", "\u2028", "\x1b", "\u202e"):
            assert character not in message, f"{record.name}: {message!r}"
        if record.name != "asc_web.auth.events":
            assert not message.startswith("Sign-in"), message


@pytest.mark.parametrize("newline", BREAKS)
def test_a_line_break_in_the_path_cannot_forge_a_security_event(
    app, client, accounts, caplog, newline
):
    caplog.set_level(logging.DEBUG)
    accounts.create()
    signed_in = app.test_client()
    plant_session(app, signed_in, "admin@example.com")
    path = "/x" + newline + FORGED.replace(" ", "%20")
    for who in (client, signed_in):
        assert who.get(path).status_code == 404
        assert who.get(path, headers={"HX-Request": "true"}).status_code == 404
    assert "Refused GET /x\\" in caplog.text, "the refused request was logged, escaped"
    _records_are_single_lines(caplog)


def test_form_values_counted_by_the_rate_limit_cannot_forge_a_line(make_app, caplog):
    caplog.set_level(logging.DEBUG)
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"asc-test-{uuid.uuid4().hex}",
        LOGIN_LIMIT_PER_ACCOUNT="1 per minute",
    )
    client = app.test_client()
    from tests.conftest import Accounts

    Accounts(app, client).create()
    for _ in range(3):
        page = client.get("/login")
        client.post(
            "/login",
            data={
                "email": f"x@example.com\n{FORGED}\r\n",
                "password": "wrong password!",
                "csrf_token": csrf_from(page.text),
            },
        )
    assert any(r.name == "flask-limiter" for r in caplog.records), "the limit was not hit"
    _records_are_single_lines(caplog)


def test_amazons_error_texts_cannot_forge_a_line(app, caplog):
    from asc_web.amazon.errors import AmazonError
    from asc_web.connect import services

    caplog.set_level(logging.DEBUG)
    with app.app_context():
        services.record_error(None, AmazonError("token_refresh", "invalid_client", f"x\n{FORGED}"))
    assert "invalid_client x\\nSign-in" in caplog.text
    _records_are_single_lines(caplog)


def test_values_of_every_kind_are_escaped_and_numbers_still_format(app, caplog):
    caplog.set_level(logging.INFO)
    log = logging.getLogger("asc_web.test")
    log.info("%s|%r|%d|%.1f|%s", "a\nb", "c\rd", 7, 1.25, ValueError("e\nf"))
    log.info("%(h)s %(n)d", {"h": "g\nh", "n": 3})  # gunicorn's access log passes a mapping
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["a\\nb|'c\\\\rd'|7|1.2|e\\nf", "g\\nh 3"]


SCRIPT = """
import sys
from asc_web import create_app
app = create_app({"INSTANCE_PATH": sys.argv[1], "SANDBOX_DISABLED": True,
                  "LOG_FORMAT": sys.argv[2]})
client = app.test_client()
client.get(sys.argv[3])
"""


@pytest.mark.parametrize("kind", ["text", "json"])
def test_the_printed_log_has_one_line_per_record_in_text_and_json(tmp_path, kind):
    path = "/x%0a" + FORGED.replace(" ", "%20")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), kind, path],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stderr.splitlines()
    assert any("Refused GET /x" in line for line in lines), result.stderr
    for line in lines:
        if kind == "json":
            entry = json.loads(line)
            assert {"time", "level", "logger", "message"} <= entry.keys()
            assert "\n" not in entry["message"]
        else:
            assert line[:2] == "20" or line.startswith("    "), line
        assert not line.startswith("Sign-in"), line


def test_an_unknown_log_format_is_refused_at_start(tmp_path):
    from asc_web import create_app
    from asc_web.config import ConfigError

    with pytest.raises(ConfigError, match="ASC_LOG_FORMAT"):
        create_app({"INSTANCE_PATH": str(tmp_path), "LOG_FORMAT": "xml"})
