"""The Amazon client library: real hosts in production, sandbox paths otherwise, errors."""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet, InvalidToken

from asc_web import create_app
from asc_web.amazon import lwa, sellers
from asc_web.amazon.endpoints import Endpoints
from asc_web.amazon.errors import AmazonError, merchant_message
from asc_web.amazon.lwa import LwaClient
from asc_web.amazon.marketplaces import MARKETPLACES
from asc_web.crypto import TokenVault
from tests.support.config import PRODUCTION


@pytest.mark.parametrize(
    ("code", "host"),
    [
        ("US", "https://sellercentral.amazon.com"),
        ("CA", "https://sellercentral.amazon.ca"),
        ("MX", "https://sellercentral.amazon.com.mx"),
        ("UK", "https://sellercentral-europe.amazon.com"),
    ],
)
def test_production_consent_urls_point_at_amazon(code, host):
    url = Endpoints().consent_url(
        MARKETPLACES[code], app_id="app", state="s", redirect_uri="https://x/cb", draft=False
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{host}/apps/authorize/consent"
    assert parse_qs(parts.query) == {
        "application_id": ["app"],
        "state": ["s"],
        "redirect_uri": ["https://x/cb"],
    }


def test_production_token_and_sellers_endpoints_are_amazons():
    endpoints = Endpoints()
    assert endpoints.token_url == "https://api.amazon.com/auth/o2/token"
    assert endpoints.spapi("NA") == "https://sellingpartnerapi-na.amazon.com"
    assert endpoints.spapi("EU") == "https://sellingpartnerapi-eu.amazon.com"


def test_draft_apps_get_version_beta():
    url = Endpoints().consent_url(
        MARKETPLACES["US"], app_id="a", state="s", redirect_uri="https://x/cb", draft=True
    )
    assert parse_qs(urlsplit(url).query)["version"] == ["beta"]


def test_production_app_uses_amazon_hosts_and_mounts_no_sandbox(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), **PRODUCTION})
    with app.test_request_context():
        from asc_web.connect import settings

        assert settings.endpoints().token_url == "https://api.amazon.com/auth/o2/token"
        assert settings.redirect_uri() == "https://asc.example.com/amazon/callback"
    assert "asc_sandbox" not in app.extensions
    assert app.test_client().get("/sandbox/_hooks/stats").status_code == 404
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-asc_session"
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_tokens_decrypt_only_for_the_store_they_belong_to():
    vault = TokenVault(Fernet.generate_key().decode())
    ciphertext = vault.encrypt(7, "Atzr|secret")
    assert "Atzr" not in ciphertext
    assert vault.decrypt(7, ciphertext) == "Atzr|secret"
    with pytest.raises(InvalidToken):
        vault.decrypt(8, ciphertext)


def test_old_keys_still_decrypt_and_new_writes_use_the_first_key():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    written_before = TokenVault(old).encrypt(1, "Atzr|a")
    rotated = TokenVault(f"{new},{old}")
    assert rotated.decrypt(1, written_before) == "Atzr|a"
    assert TokenVault(new).decrypt(1, rotated.encrypt(1, "Atzr|b")) == "Atzr|b"


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (AmazonError("token_exchange", "invalid_grant"), "Start again from the store card"),
        (AmazonError("token_refresh", "invalid_grant"), "reconnect the store"),
        (AmazonError("token_exchange", "invalid_client", status=401), "Contact your administrator"),
        (AmazonError("token_exchange", "unauthorized_client"), "Contact your administrator"),
        (AmazonError("token_exchange", "timeout"), "did not answer in time"),
        (AmazonError("sellers", "QuotaExceeded", status=429), "Amazon asked ASC Web to slow down"),
        (AmazonError("token_exchange", "server_error", status=500), "not available right now"),
    ],
)
def test_amazon_errors_become_plain_sentences(error, words):
    assert words in merchant_message(error)


def test_authorization_ciphertexts_do_not_decrypt_for_a_store_with_the_same_number():
    vault = TokenVault(Fernet.generate_key().decode())
    ciphertext = vault.encrypt("authorization-7", "Atzr|secret")
    assert vault.decrypt("authorization-7", ciphertext) == "Atzr|secret"
    for other in (7, "authorization-70", "authorization-"):
        with pytest.raises(InvalidToken):
            vault.decrypt(other, ciphertext)


class _Recorder(BaseHTTPRequestHandler):
    """Answers like LWA (POST) and the Sellers API (GET); keeps each request's User-Agent."""

    seen: list = []

    def do_POST(self):  # noqa: N802 - the http.server method name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._answer({"access_token": "Atza|x", "token_type": "bearer", "expires_in": 3600,
                      "refresh_token": "Atzr|x"})  # fmt: skip

    def do_GET(self):  # noqa: N802
        self._answer({"payload": []})

    def _answer(self, body: dict) -> None:
        type(self).seen.append(self.headers.get("User-Agent"))  # any case
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_every_amazon_call_says_who_is_calling():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        client = LwaClient("client-id", "client-secret", base + "/auth/o2/token")
        lwa.exchange_code(client, "ANcode", None)
        lwa.refresh(client, "Atzr|x")
        sellers.marketplace_participations(base, "Atza|x")
    finally:
        server.shutdown()
        server.server_close()
    version = metadata.version("asc-web")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    expected = f"ASC-Web/{version} (Language=Python/{python})"
    assert _Recorder.seen == [expected] * 3
