"""upgrade_to_head on real PostgreSQL: replicas starting together migrate once, and a migration that
cannot get the lock within lock_timeout fails instead of hanging."""

import asyncio
import multiprocessing
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text

from common.database import MIGRATION_LOCK_KEY, MigrationLockTimeout, create_engine, upgrade_to_head
from common.testing.postgres import INSTALL_HINT, ephemeral_postgres, find_postgres_bin

ROUNDS = 20
T = TypeVar("T")
ENV_PY = """from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""
# The first revision sleeps so that, without the lock, both replicas would be inside it at once.
REVISIONS = {
    "v0001_widgets.py": """revision = "0001"
down_revision = None
from alembic import op

def upgrade():
    op.execute("SELECT pg_sleep(0.2)")
    op.execute("CREATE TABLE widgets (id integer PRIMARY KEY)")
""",
    "v0002_widget_name.py": """revision = "0002"
down_revision = "0001"
from alembic import op

def upgrade():
    op.execute("ALTER TABLE widgets ADD COLUMN name text NOT NULL DEFAULT ''")
""",
}


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    if find_postgres_bin() is None:
        pytest.skip(
            f"SKIPPED LOUDLY: no PostgreSQL on this machine, migration lock not tested; {INSTALL_HINT}"
        )
    with ephemeral_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def migrations_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("migrations")
    (root / "env.py").write_text(ENV_PY)
    (root / "versions").mkdir()
    for name, source in REVISIONS.items():
        (root / "versions" / name).write_text(source)
    return root


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """The test and each replica are synchronous processes; each await gets its own event loop."""
    return asyncio.run(coroutine)


async def execute(url: str, statement: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("COMMIT"))  # CREATE DATABASE refuses a transaction
            result = await connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def migrate(url: str, migrations_dir: Path) -> None:
    engine = create_engine(url)
    try:
        await upgrade_to_head(engine, migrations_dir)
    finally:
        await engine.dispose()


def replica(
    urls: list[str],
    migrations_dir: Path,
    start: "multiprocessing.synchronize.Barrier",
    results: "multiprocessing.Queue[str]",
) -> None:
    """One service replica starting on each database in turn, at the same moment as its twin."""
    for url in urls:
        start.wait(timeout=60)
        try:
            run(migrate(url, migrations_dir))
            results.put("ok")
        except Exception as error:  # the parent reports what failed
            results.put(f"{type(error).__name__}: {error}")


def test_two_replicas_migrating_the_same_database_at_once_apply_each_revision_once(
    server_url: str, migrations_dir: Path
) -> None:
    base = server_url.rsplit("/", 1)[0]
    urls = []
    for round_ in range(ROUNDS):
        run(execute(server_url, f"CREATE DATABASE race_{round_}"))
        urls.append(f"{base}/race_{round_}")
    # fork: each child runs its own event loop; the test itself has none running.
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(2), context.Queue()
    replicas = [
        context.Process(target=replica, args=(urls, migrations_dir, start, results)) for _ in range(2)
    ]
    for process in replicas:
        process.start()
    outcomes = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    for process in replicas:
        process.join(timeout=60)

    assert [o for o in outcomes if o != "ok"] == []
    for url in urls:
        assert run(execute(url, "SELECT version_num FROM alembic_version")) == [("0002",)]
        columns = run(
            execute(url, "SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets'")
        )
        assert sorted(str(c) for (c,) in columns) == ["id", "name"]


def test_a_migration_that_cannot_get_the_lock_in_time_fails_and_applies_nothing(
    server_url: str, migrations_dir: Path
) -> None:
    base = server_url.rsplit("/", 1)[0]
    run(execute(server_url, "CREATE DATABASE held"))
    url = f"{base}/held"

    async def while_another_holds_the_lock() -> float:
        holder = create_engine(url)
        engine = create_engine(url)
        try:
            async with holder.connect() as held:
                await held.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                started = time.monotonic()
                with pytest.raises(MigrationLockTimeout, match="did not get their lock within 0.5s"):
                    await upgrade_to_head(engine, migrations_dir, lock_timeout_seconds=0.5)
                return time.monotonic() - started
        finally:
            await engine.dispose()
            await holder.dispose()

    waited = run(while_another_holds_the_lock())

    assert waited < 5
    tables = run(execute(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
    assert tables == []
