"""`<module PEX> --migrate`: what a deploy's one-off migration task runs, before the service rolls out."""

import sqlite3
from pathlib import Path

import pytest

from service_kit.server import service_main
from service_kit.tests.demo_app import KEYS, DemoSettings, demo_app

ENV_PY = """from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""
REVISION = """revision = "0001"
down_revision = None
from alembic import op

def upgrade():
    op.execute("CREATE TABLE widgets (id integer PRIMARY KEY)")
"""


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text(ENV_PY)
    (directory / "versions" / "v0001_widgets.py").write_text(REVISION)
    return directory


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_migrate_applies_the_migrations_to_the_configured_database_and_returns_without_serving(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, migrations_dir: Path
) -> None:
    database = tmp_path / "demo.db"
    monkeypatch.setenv("DEMO_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    for name, value in KEYS.env("demo").items():
        monkeypatch.setenv(name, value)

    service_main(demo_app, DemoSettings, ["--migrate"], migrations_dir=migrations_dir)

    assert {"widgets", "alembic_version"} <= tables(database)


def test_migrate_in_a_module_without_migrations_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in KEYS.env("demo").items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as exited:
        service_main(demo_app, DemoSettings, ["--migrate"])

    assert exited.value.code == 2
    assert "demo has no database migrations" in capsys.readouterr().err
