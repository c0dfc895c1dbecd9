"""Settings: prefixed env vars, secrets from files, and startup errors that name the variable."""

from pathlib import Path

import pytest

from service_kit.settings import load_settings
from service_kit.tests.demo_app import SECRET, DemoSettings


def test_settings_come_from_prefixed_variables_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_SECRET", SECRET)
    monkeypatch.setenv("DEMO_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9123")

    settings = load_settings(DemoSettings)

    assert (settings.log_level, settings.host, settings.port) == ("DEBUG", "0.0.0.0", 9123)


def test_prefixed_host_and_port_win_over_the_platform_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_AUTH_SECRET", SECRET)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("DEMO_HOST", "127.0.0.2")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("DEMO_PORT", "9124")

    settings = load_settings(DemoSettings)

    assert (settings.host, settings.port) == ("127.0.0.2", 9124)
    assert settings.database_url == "sqlite+aiosqlite:///.data/demo.db"


def test_the_secret_can_come_from_a_file_in_secrets_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "SERVICE_AUTH_SECRET").write_text(SECRET)
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))

    settings = load_settings(DemoSettings)

    assert settings.auth_secret is not None and settings.auth_secret.get_secret_value() == SECRET


def test_an_invalid_value_exits_2_naming_the_variable_and_expected_form(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVICE_AUTH_SECRET", SECRET)
    monkeypatch.setenv("DEMO_PORT", "eighty")

    with pytest.raises(SystemExit) as exited:
        load_settings(DemoSettings)

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "DEMO_PORT: Input should be a valid integer" in error and "'eighty'" in error
    assert "Traceback" not in error


def test_a_missing_secret_says_how_to_make_one_or_how_to_switch_auth_off(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        load_settings(DemoSettings)

    error = capsys.readouterr().err
    assert "SERVICE_AUTH_SECRET must be a random string of at least 32 characters" in error
    assert "DEMO_AUTH_ENABLED=false" in error


def test_a_bad_secret_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVICE_AUTH_SECRET", "short-but-private")

    with pytest.raises(SystemExit):
        load_settings(DemoSettings)

    assert "short-but-private" not in capsys.readouterr().err
