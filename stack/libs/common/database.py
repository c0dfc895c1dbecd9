"""Async SQLAlchemy engine creation and Alembic migrations (once per deploy) shared by every module."""

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def create_engine(url: str) -> AsyncEngine:
    """An async engine for `url`; SQLite files get their folder created and WAL journaling."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Concurrent writers wait for the lock instead of failing at once.
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
        # SQLAlchemy, not the driver, begins each transaction (below).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediately(connection: Any) -> None:
        # A deferred transaction that reads, then writes (an Idempotency-Key lookup, then the order)
        # fails at once with "database is locked" if another writer committed in between: the
        # busy timeout can't help an upgrade. BEGIN IMMEDIATE takes the write lock first, waiting
        # for it under the busy timeout. WAL readers still read while it is held.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# The advisory lock every migration of every module takes; PostgreSQL scopes advisory locks to one
# database, so modules sharing a server (docker-compose) do not wait for each other.
MIGRATION_LOCK_KEY = 0x70616E7473  # "pants"
# How long a replica waits for another's migration, and any migration for a table lock, before failing.
MIGRATION_LOCK_TIMEOUT_SECONDS = 120


class MigrationLockTimeout(RuntimeError):
    """Another migration held the lock (or a table) longer than lock_timeout; nothing was applied."""


async def upgrade_to_head(
    engine: AsyncEngine, migrations_dir: Path, *, lock_timeout_seconds: float = MIGRATION_LOCK_TIMEOUT_SECONDS
) -> None:
    """Apply every Alembic migration in `migrations_dir` that the database has not seen yet.

    On PostgreSQL the upgrade runs once however many replicas start together: each takes a
    transaction-scoped advisory lock first, so the others wait, then find the schema at head and
    apply nothing. `lock_timeout` bounds that wait and every lock the migrations take, so a stuck
    deploy fails with MigrationLockTimeout instead of hanging. The lock ends with the transaction
    that commits the migrations, never before.
    """

    def upgrade(connection: Connection) -> None:
        if connection.dialect.name == "postgresql":
            timeout_ms = max(1, int(lock_timeout_seconds * 1000))
            # SET LOCAL: back to the server's default when this transaction ends.
            connection.execute(text(f"SET LOCAL lock_timeout = {timeout_ms}"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config = Config()
        config.set_main_option("script_location", str(migrations_dir))
        # env.py runs the migrations on this connection instead of opening its own.
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade)
    except DBAPIError as error:
        # 55P03 lock_not_available: lock_timeout expired.
        if getattr(error.orig, "sqlstate", None) == "55P03" or "lock timeout" in str(error.orig):
            raise MigrationLockTimeout(
                f"migrations did not get their lock within {lock_timeout_seconds:g}s: another replica is "
                "still migrating, or a long transaction holds a table; nothing was applied, retry the deploy"
            ) from error
        raise
