"""database_lifespan purges expired Idempotency-Keys where the migrations made their table, and only there."""

import asyncio
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from service_kit.database import database_lifespan
from service_kit.idempotency import IdempotencyKey, SqlAlchemyIdempotencyStore

ENV_PY = """from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""
WIDGETS = """revision, down_revision = "0001", None
from alembic import op

def upgrade():
    op.execute("CREATE TABLE widgets (id integer PRIMARY KEY)")
"""
IDEMPOTENCY_KEYS = """revision, down_revision = "0002", "0001"
from service_kit.idempotency import create_idempotency_table as upgrade
"""

pytestmark = pytest.mark.anyio


def migrations(directory: Path, *, idempotency_keys: bool) -> Path:
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text(ENV_PY)
    (directory / "versions" / "v0001_widgets.py").write_text(WIDGETS)
    if idempotency_keys:
        (directory / "versions" / "v0002_idempotency_keys.py").write_text(IDEMPOTENCY_KEYS)
    return directory


def app_on(database: Path) -> FastAPI:
    app = FastAPI()
    app.state.settings = SimpleNamespace(database_url=f"sqlite+aiosqlite:///{database}")
    app.state.tracer_provider = TracerProvider()
    return app


def key(name: str, ttl_seconds: float) -> IdempotencyKey:
    return IdempotencyKey(scope="tests", key=name, fingerprint="f", ttl_seconds=ttl_seconds)


async def stored_keys(app: FastAPI) -> int:
    async with app.state.session_factory() as session:
        return int((await session.execute(sa.text("SELECT count(*) FROM idempotency_keys"))).scalar_one())


async def test_expired_keys_are_purged_while_the_app_runs(tmp_path: Path) -> None:
    app = app_on(tmp_path / "db.sqlite")
    lifespan = database_lifespan(
        migrations(tmp_path / "m", idempotency_keys=True), purge_interval_seconds=0.05
    )

    async with lifespan(app):
        async with app.state.session_factory() as session:
            await SqlAlchemyIdempotencyStore(session).remember(key("old", 0.000001), 201, {})
            await SqlAlchemyIdempotencyStore(session).remember(key("new", 3600), 201, {})
            await session.commit()
        for _ in range(100):
            if await stored_keys(app) == 1:
                break
            await asyncio.sleep(0.05)

        assert await stored_keys(app) == 1  # the unexpired one


async def test_without_the_table_no_purge_runs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = app_on(tmp_path / "db.sqlite")
    lifespan = database_lifespan(
        migrations(tmp_path / "m", idempotency_keys=False), purge_interval_seconds=0.01
    )

    with caplog.at_level(logging.ERROR):
        async with lifespan(app):
            await asyncio.sleep(0.1)

    assert not {task.get_name() for task in asyncio.all_tasks()} & {"idempotency-purge"}
    assert "idempotency-purge" not in caplog.text
