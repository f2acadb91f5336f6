"""Configuration: layering, generated secrets and production checks."""

import stat

import pytest

from asc_web import create_app
from asc_web.config import ConfigError


def test_missing_secrets_are_generated_once_with_private_file_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("ASC_SECRET_KEY", raising=False)
    monkeypatch.delenv("ASC_TOKEN_KEYS", raising=False)
    instance = tmp_path / "inst"
    settings = {"INSTANCE_PATH": str(instance), "SANDBOX_DISABLED": True}
    first = create_app(dict(settings))
    second = create_app(dict(settings))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["TOKEN_KEYS"] == second.config["TOKEN_KEYS"]
    for name in ("secret_key", "token_keys"):
        mode = stat.S_IMODE((instance / name).stat().st_mode)
        assert mode == 0o600


def test_instance_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ASC_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"SANDBOX_DISABLED": True})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "secret_key").exists()
    assert "elsewhere" in app.config["SQLALCHEMY_DATABASE_URI"]


def test_environment_overrides_instance_config_file(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(
        'PUBLIC_URL = "http://127.0.0.1:7000"\nSPAPI_DRAFT = False\n'
    )
    monkeypatch.setenv("ASC_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("ASC_PUBLIC_URL", "http://127.0.0.1:8123")
    app = create_app({"SANDBOX_DISABLED": True})
    assert app.config["REDIRECT_URI"] == "http://127.0.0.1:8123/amazon/callback"
    assert app.config["SPAPI_DRAFT"] is False


def test_production_mode_names_every_missing_setting(tmp_path):
    with pytest.raises(ConfigError) as info:
        create_app({"INSTANCE_PATH": str(tmp_path), "AMAZON_MODE": "production"})
    message = str(info.value)
    for name in ("ASC_SPAPI_APP_ID", "ASC_LWA_CLIENT_SECRET", "ASC_REDIRECT_URI", "ASC_TOKEN_KEYS"):
        assert name in message
    assert not (tmp_path / "secret_key").exists()


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="ASC_AMAZON_MODE"):
        create_app({"INSTANCE_PATH": str(tmp_path), "AMAZON_MODE": "staging"})


def test_production_refuses_a_plain_http_redirect_uri(tmp_path):
    from tests.support.config import PRODUCTION

    settings = {**PRODUCTION, "INSTANCE_PATH": str(tmp_path),
                "REDIRECT_URI": "http://asc.example.com/amazon/callback"}  # fmt: skip
    with pytest.raises(ConfigError, match="ASC_REDIRECT_URI must be an https:// address"):
        create_app(settings)
