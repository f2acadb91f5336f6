"""Nothing secret reaches the logs, even at DEBUG."""

import logging

from tests.conftest import PASSWORD


def _cookies(client) -> list[str]:
    """The values of this browser's session and remember-me cookies, as they are now."""
    values = []
    for name in ("session", "remember_token"):
        cookie = client.get_cookie(name)
        if cookie is not None and cookie.value:
            values.append(cookie.value)
    return values


def test_setup_login_and_logout_log_no_password_key_or_cookie(app, client, accounts, caplog):
    caplog.set_level(logging.DEBUG)
    accounts.create(email="first@example.com")
    accounts.login(email="first@example.com", password="wrong password!")
    accounts.login(email="first@example.com", remember=True)
    client.get("/")
    # The signed-in cookies are the ones worth stealing: read them before signing out.
    signed_in = _cookies(client)
    assert len(signed_in) == 2, "signed in with a session and a remember-me cookie"
    accounts.logout()
    secrets = {
        "password": PASSWORD,
        "wrong password": "wrong password!",
        "secret key": app.config["SECRET_KEY"],
        "token keys": app.config["TOKEN_KEYS"],
        **{f"signed-in cookie {i}": value for i, value in enumerate(signed_in)},
        **{f"signed-out cookie {i}": value for i, value in enumerate(_cookies(client))},
    }
    logged = caplog.text
    assert "Sign-in" in logged  # the auth events were logged at all
    leaked = [name for name, secret in secrets.items() if secret in logged]
    assert not leaked, f"in the logs: {leaked}"  # names only: the test prints no secret
