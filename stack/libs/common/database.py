"""Async SQLAlchemy engine creation and Alembic migrations (once per deploy) shared by every module."""

import ast
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy
from sqlalchemy import Connection, Executable, Row, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_Member = TypeVar("_Member", bound=Enum)


def as_utc(moment: datetime) -> datetime:
    """A timestamp read back from the database, in UTC: SQLite drops the timezone, and every
    timestamp the services write is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def stored_enum(enum_type: type[_Member]) -> Callable[[Any], _Member]:
    """`enum_type(value)` for a value read from a column, by a dict lookup: on Python 3.11 calling
    an Enum class runs EnumType.__call__ and Enum.__new__ in Python (timeit: 0.33 µs a read against
    0.04 for this).
    A value that is no member raises the ValueError the call would."""
    members = {member.value: member for member in enum_type}

    def member(value: Any) -> _Member:
        try:
            return members[value]
        except KeyError:
            raise ValueError(f"{value!r} is not a valid {enum_type.__name__}") from None

    return member


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


# A read on the event loop blocks it: wait briefly for the rare WAL-index lock, then fail the request.
READ_BUSY_TIMEOUT_MS = 250


class SqliteReader:
    """Runs short read-only selects (a lookup by key) on a plain sqlite3 connection, on the calling
    thread: no aiosqlite hop (four thread round trips per statement, plus BEGIN and ROLLBACK), no
    session, no transaction. In WAL mode a reader never waits for writers, so this does not block
    the event loop behind a write; a scan belongs on the async engine, where it can't stall it.
    Each statement sees the last committed state, so it must not serve a read-then-write: those go
    through the unit of work's session and its write transaction."""

    def __init__(self, url: str) -> None:
        self.engine = sqlalchemy.create_engine(make_url(url).set(drivername="sqlite"))

        @event.listens_for(self.engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # autocommit: each select is its own snapshot
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA query_only=ON")
            cursor.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
            cursor.close()

    async def rows(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        with self.engine.connect() as connection:
            return connection.execute(statement, parameters).all()

    def close(self) -> None:
        self.engine.dispose()


def create_reader(url: str) -> SqliteReader | None:
    """A SqliteReader for a SQLite file; None for PostgreSQL (whose reads stay on the async engine:
    a network round trip must not block the event loop) and in-memory SQLite (another connection
    would see another database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return SqliteReader(url)


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

    A database already at head costs one query: Alembic is neither imported nor run.
    """
    if await _at_head(engine, migrations_dir):
        return

    def upgrade(connection: Connection) -> None:
        # Imported here: most starts find the schema at head and never need Alembic.
        from alembic import command
        from alembic.config import Config

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


def head_revisions(migrations_dir: Path) -> frozenset[str] | None:
    """The revisions in `migrations_dir/versions` that no other revision builds on, read from the
    files' `revision = ...` / `down_revision = ...` lines without importing them; None if one
    computes them (only Alembic can tell then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir / "versions").glob("*.py"):
        assigned = _literal_assignments(path)
        if assigned is None:
            return None
        if "revision" not in assigned:
            continue  # not a revision (e.g. __init__.py)
        revision, down = assigned["revision"], assigned.get("down_revision")
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update((down,) if isinstance(down, str) else down or ())
    return frozenset(revisions - parents) if revisions else None


_REVISION_NAMES = ("revision", "down_revision")


def _literal_assignments(path: Path) -> dict[str, Any] | None:
    """`revision` and `down_revision` of a migration file's top level, however assigned
    (`revision = "0002"`, `revision: str = "0002"`, or this repo's `revision, down_revision =
    "0002", "0001"`); None if either is computed."""
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            pairs = [pair for target in node.targets for pair in _assigned(target, node.value)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = _assigned(node.target, node.value)
        else:
            continue
        for name, value in pairs:
            if name not in _REVISION_NAMES:
                continue
            if value is None:
                return None  # unpacked from something that is not a literal tuple
            try:
                values[name] = ast.literal_eval(value)
            except ValueError:
                return None
    return values


def _assigned(target: ast.expr, value: ast.expr | None) -> list[tuple[str, ast.expr | None]]:
    """(name, value expression) for each name `target` binds; the value None where it can't be
    told without running the file (`revision, down_revision = ids()`)."""
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, ast.Starred):
        return _assigned(target.value, None)
    if not isinstance(target, ast.Tuple | ast.List):
        return []  # an attribute or a subscript: binds no name of the module
    values: list[ast.expr | None] = [None] * len(target.elts)
    starred = any(isinstance(element, ast.Starred) for element in target.elts)
    if isinstance(value, ast.Tuple | ast.List) and len(value.elts) == len(target.elts) and not starred:
        values = list(value.elts)
    return [
        pair for element, part in zip(target.elts, values, strict=True) for pair in _assigned(element, part)
    ]


async def _at_head(engine: AsyncEngine, migrations_dir: Path) -> bool:
    """True if the database's alembic_version rows are exactly the heads of `migrations_dir`."""
    heads = head_revisions(migrations_dir)
    if heads is None:
        return False
    try:
        async with engine.connect() as connection:
            applied = await connection.scalars(text("SELECT version_num FROM alembic_version"))
            return frozenset(applied) == heads
    except DBAPIError:
        return False  # no version table yet: a new database
