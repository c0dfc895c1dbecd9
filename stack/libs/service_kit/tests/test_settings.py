"""Settings: prefixed env vars, secrets from files, and startup errors that name the variable."""

from pathlib import Path

import pytest

from service_kit.settings import load_settings
from service_kit.tests.demo_app import KEYS, DemoSettings


def use_demo_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in KEYS.env("demo").items():
        monkeypatch.setenv(variable, value)


def test_settings_come_from_prefixed_variables_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    use_demo_keys(monkeypatch)
    monkeypatch.setenv("DEMO_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9123")

    settings = load_settings(DemoSettings)

    assert (settings.log_level, settings.host, settings.port) == ("DEBUG", "0.0.0.0", 9123)


def test_prefixed_host_and_port_win_over_the_platform_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    use_demo_keys(monkeypatch)
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("DEMO_HOST", "127.0.0.2")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("DEMO_PORT", "9124")

    settings = load_settings(DemoSettings)

    assert (settings.host, settings.port) == ("127.0.0.2", 9124)
    assert settings.database_url == "sqlite+aiosqlite:///.data/demo.db"


def test_the_signing_key_can_come_from_a_file_in_secrets_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "DEMO_SIGNING_KEY").write_text(KEYS.key("demo").private_pem())
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("SERVICE_JWKS_FILE", str(KEYS.jwks_file))

    settings = load_settings(DemoSettings)

    assert settings.signing_identity().kid == KEYS.key("demo").kid


def test_an_invalid_value_exits_2_naming_the_variable_and_expected_form(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_demo_keys(monkeypatch)
    monkeypatch.setenv("DEMO_PORT", "eighty")

    with pytest.raises(SystemExit) as exited:
        load_settings(DemoSettings)

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "DEMO_PORT: Input should be a valid integer" in error and "'eighty'" in error
    assert "Traceback" not in error


def test_a_missing_signing_key_stops_the_service_naming_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERVICE_JWKS_FILE", str(KEYS.jwks_file))

    with pytest.raises(SystemExit) as exited:
        load_settings(DemoSettings)

    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "DEMO_SIGNING_KEY is not set" in error and "python -m service_kit.keys" in error
    assert "DEMO_AUTH_ENABLED=false" in error and "Traceback" not in error


def test_a_missing_key_ring_stops_the_service_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEMO_SIGNING_KEY", KEYS.key("demo").private_pem())

    with pytest.raises(SystemExit):
        load_settings(DemoSettings)

    assert "SERVICE_JWKS_FILE is not set" in capsys.readouterr().err


def test_an_unreadable_key_ring_stops_the_service_naming_the_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    use_demo_keys(monkeypatch)
    monkeypatch.setenv("SERVICE_JWKS_FILE", str(tmp_path / "absent.json"))

    with pytest.raises(SystemExit):
        load_settings(DemoSettings)

    error = capsys.readouterr().err
    assert f"key ring {tmp_path / 'absent.json'} cannot be read" in error


def test_a_bad_signing_key_is_named_and_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_demo_keys(monkeypatch)
    monkeypatch.setenv("DEMO_SIGNING_KEY", "short-but-private")

    with pytest.raises(SystemExit):
        load_settings(DemoSettings)

    error = capsys.readouterr().err
    assert "DEMO_SIGNING_KEY is not an unencrypted PEM private key" in error
    assert "short-but-private" not in error


def test_there_is_no_fallback_key_a_service_could_start_with() -> None:
    with pytest.raises(ValueError, match="DEMO_SIGNING_KEY is not set"):
        DemoSettings(jwks_file=KEYS.jwks_file)
