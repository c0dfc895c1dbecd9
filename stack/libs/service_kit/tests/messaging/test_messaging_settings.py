"""EVENTS_BROKER_URL: Redis, the embedded feed locally, and a clear error for anything else."""

import os
import subprocess
import sys

import pytest

from service_kit.messaging.app import create_event_service_app
from service_kit.messaging.settings import EventSettings, require_broker
from service_kit.messaging.transport import BrokerURLInvalid
from service_kit.settings import ServiceSettings


class Settings(EventSettings, ServiceSettings):
    auth_enabled: bool = False


def test_unset_is_the_embedded_feed_in_local_development() -> None:
    assert Settings().broker_url() is None


def test_a_redis_url_selects_the_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_BROKER_URL", "redis://broker:6379/0")
    assert Settings().broker_url() == "redis://broker:6379/0"


def test_an_invalid_url_is_refused_naming_the_variable_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVENTS_BROKER_URL", "amqp://broker")
    with pytest.raises(
        BrokerURLInvalid, match="EVENTS_BROKER_URL='amqp://broker' is not a broker URL: use redis://"
    ):
        Settings().broker_url()


def test_deployed_without_a_broker_the_app_is_refused_on_one_line_unless_embedded_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")
    settings = Settings()  # the settings load (`--migrate` needs only the database); the app may not start
    with pytest.raises(SystemExit) as exited:
        require_broker(settings)
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("EVENTS_BROKER_URL is not set: outside local development")
    monkeypatch.setenv("EVENTS_BROKER_URL", "embedded")
    assert Settings().broker_url() is None
    require_broker(Settings())


def test_a_sqlite_service_on_the_embedded_feed_imports_neither_redis_nor_the_postgresql_dialect() -> None:
    # A fresh interpreter (this one may have imported redis for the Redis tests) builds an event app
    # that publishes and subscribes, as a start does; only a broker URL may bring redis in, and only
    # a PostgreSQL database its dialect.
    program = (
        "import sys\n"
        "from contextlib import asynccontextmanager\n"
        f"from {create_event_service_app.__module__} import create_event_service_app\n"
        f"from {EventSettings.__module__} import EventSettings\n"
        f"from {ServiceSettings.__module__} import ServiceSettings\n"
        "class Settings(EventSettings, ServiceSettings):\n"
        "    auth_enabled: bool = False\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    yield\n"
        "create_event_service_app(Settings(service_name='demo'), publishes=True,\n"
        "                         subscriptions=lambda sessions: None, routers=[], lifespan=lifespan)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('redis', 'sqlalchemy.dialects.postgresql'))))\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("EVENTS_", "PANTSTACK_"))}
    environment["PYTHONPATH"] = os.pathsep.join(sys.path)

    run = subprocess.run([sys.executable, "-c", program], env=environment, capture_output=True, text=True)

    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
