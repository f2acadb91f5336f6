"""Nothing secret reaches the logs, even at DEBUG."""

import logging

from tests.conftest import PASSWORD


def test_setup_login_and_logout_log_no_password_key_or_cookie(app, client, accounts, caplog):
    caplog.set_level(logging.DEBUG)
    accounts.create(email="first@example.com")
    accounts.login(email="first@example.com", password="wrong password!")
    accounts.login(email="first@example.com", remember=True)
    client.get("/")
    accounts.logout()
    secrets = [PASSWORD, "wrong password!", app.config["SECRET_KEY"], app.config["TOKEN_KEYS"]]
    for cookie_name in ("session", "remember_token"):
        cookie = client.get_cookie(cookie_name)
        if cookie is not None and cookie.value:
            secrets.append(cookie.value)
    logged = caplog.text
    assert "Sign-in" in logged  # the auth events were logged at all
    for secret in secrets:
        assert secret not in logged
