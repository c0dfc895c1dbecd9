"""Idempotency-Key with Stripe's semantics, free of HTTP: the key, its store and its errors.

A create that carries a key stores (scope, key, request fingerprint, first response) in the SAME
transaction as the write, so either both exist or neither does:

    async with uow:
        await uow.idempotency.replay(key)        # raises Replayed / IdempotencyKeyReused
        ... the write ...
        await uow.idempotency.remember(key, 201, body)  # IdempotencyKeyInFlight if another won
        await uow.commit()

A replay answers the stored status and body; the same key with another request → 422; the same
key while the first is still running → 409 (in one process at once, across replicas at commit,
where the key's primary key lets only one transaction win). Keys expire after
`ServiceSettings.idempotency_ttl_seconds` (24 h by default, as Stripe's).

Each module keeps its keys in its own database: its migration calls `create_idempotency_table()`.
"""

import abc
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import SqliteReader, as_utc

IDEMPOTENCY_HEADER = "Idempotency-Key"
DEFAULT_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
TABLE_NAME = "idempotency_keys"
PURGE_INTERVAL_SECONDS = 3600.0  # expired keys are ignored at once; this only bounds the table
IN_FLIGHT = "in_flight"  # the `idempotency` member of a 409 problem for a key still in flight

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key, scoped to the caller, and the fingerprint of the request it came with."""

    scope: str
    key: str
    fingerprint: str
    ttl_seconds: float = DEFAULT_TTL_SECONDS

    @property
    def stored_key(self) -> str:
        return hashlib.sha256(f"{self.scope}\n{self.key}".encode()).hexdigest()


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The same request however its JSON is spaced or ordered."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.upper().encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


class IdempotencyError(Exception):
    pass


class Replayed(IdempotencyError):  # - not a failure: the kit answers the stored response
    """The key was seen: answer the first response again (the kit's handler does)."""

    def __init__(self, response: StoredResponse) -> None:
        super().__init__("replayed")
        self.response = response


class IdempotencyKeyReused(IdempotencyError):
    """422: the key came with a different request before."""

    def __init__(self) -> None:
        super().__init__(
            f"This {IDEMPOTENCY_HEADER} was used with a different request; use a new key for a new request."
        )


class IdempotencyKeyInFlight(IdempotencyError):
    """409: a request with this key is still being processed."""

    def __init__(self) -> None:
        super().__init__(
            f"A request with this {IDEMPOTENCY_HEADER} is still being processed; retry after it finishes."
        )


class AbstractIdempotencyStore(abc.ABC):
    """The port a unit of work exposes as `uow.idempotency`; works inside the use case's transaction."""

    async def replay(self, key: IdempotencyKey | None) -> None:
        """Raise Replayed with the stored response if `key` was seen with this request,
        IdempotencyKeyReused if with another; return if the key is new (or None)."""
        if key is None:
            return
        found = await self._find(key)
        if found is None:
            return
        stored_fingerprint, response = found
        if stored_fingerprint != key.fingerprint:
            raise IdempotencyKeyReused()
        raise Replayed(response)

    async def remember(self, key: IdempotencyKey | None, status: int, body: Any) -> None:
        """Store the response with the write; IdempotencyKeyInFlight if another request won the key."""
        if key is not None:
            await self._insert(key, StoredResponse(status, body))

    @abc.abstractmethod
    async def _find(self, key: IdempotencyKey) -> tuple[str, StoredResponse] | None:
        """(fingerprint, response) of an unexpired key."""

    @abc.abstractmethod
    async def _insert(self, key: IdempotencyKey, response: StoredResponse) -> None:
        ...

    @abc.abstractmethod
    async def purge_expired(self) -> int:
        """Delete expired keys; how many."""


def idempotency_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    ]


def create_idempotency_table() -> None:
    """A module's Alembic migration of this table is these two functions:

    from service_kit.idempotency import create_idempotency_table as upgrade
    from service_kit.idempotency import drop_idempotency_table as downgrade
    """
    from alembic import op

    op.create_table(TABLE_NAME, *idempotency_columns())


def drop_idempotency_table() -> None:
    from alembic import op

    op.drop_table(TABLE_NAME)


idempotency_keys = sa.Table(TABLE_NAME, sa.MetaData(), *idempotency_columns())


_FIND = sa.select(
    idempotency_keys.c.fingerprint,
    idempotency_keys.c.status,
    idempotency_keys.c.body,
    idempotency_keys.c.expires_at,
).where(idempotency_keys.c.key == sa.bindparam("stored_key"))
# Built once per dialect (SQLAlchemy then reuses the compiled form from the engine's cache).
_RECORDS: dict[str, Any] = {}


def _record_statement(dialect: str) -> Any | None:
    """INSERT that takes over an expired key in the same statement (ON CONFLICT ... DO UPDATE WHERE
    expired): a live key updates nothing, so rowcount 0 means another request holds it. None for a
    dialect without ON CONFLICT (then DELETE expired + INSERT)."""
    if dialect not in _RECORDS:
        statement: Any
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(idempotency_keys)
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as postgresql_insert

            statement = postgresql_insert(idempotency_keys)
        else:
            return None
        columns = ("fingerprint", "status", "body", "created_at", "expires_at")
        _RECORDS[dialect] = statement.on_conflict_do_update(
            index_elements=[idempotency_keys.c.key],
            set_={name: statement.excluded[name] for name in columns},
            where=idempotency_keys.c.expires_at <= statement.excluded.created_at,
        )
    return _RECORDS[dialect]


class SqlAlchemyIdempotencyStore(AbstractIdempotencyStore):
    """The lookup reads committed keys through `reader` (a SqliteReader: no transaction, no thread
    hop) when given one, else on the session; a key another request commits after the lookup is
    still caught, by the record's primary key (409 in flight), so nothing is written twice.
    The record is one statement on PostgreSQL and SQLite (an expired key is taken over in place)."""

    def __init__(
        self, session: AsyncSession, clock: Clock = utc_now, reader: SqliteReader | None = None
    ) -> None:
        self.session = session
        self.clock = clock
        self.reader = reader

    async def _find(self, key: IdempotencyKey) -> tuple[str, StoredResponse] | None:
        parameters = {"stored_key": key.stored_key}
        if self.reader is not None:
            rows = await self.reader.rows(_FIND, parameters)
            row = rows[0] if rows else None
        else:
            row = (await self.session.execute(_FIND, parameters)).first()
        if row is None:
            return None
        if as_utc(row.expires_at) <= self.clock():
            return None
        return row.fingerprint, StoredResponse(row.status, json.loads(row.body))

    async def _insert(self, key: IdempotencyKey, response: StoredResponse) -> None:
        now = self.clock()
        values = {
            "key": key.stored_key,
            "fingerprint": key.fingerprint,
            "status": response.status,
            "body": json.dumps(response.body),
            "created_at": now,
            "expires_at": now + timedelta(seconds=key.ttl_seconds),
        }
        record = _record_statement(self.session.get_bind().dialect.name)
        if record is not None:
            result = await self.session.execute(record, values)
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise IdempotencyKeyInFlight()  # a live key: another request's record committed first
            return
        # An expired key is free again; a live one makes the insert below fail.
        await self.session.execute(
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.key == key.stored_key, idempotency_keys.c.expires_at <= now
            )
        )
        try:
            await self.session.execute(sa.insert(idempotency_keys), values)
        except IntegrityError:
            # Another replica's request with this key committed first; this one must not.
            raise IdempotencyKeyInFlight() from None

    async def purge_expired(self) -> int:
        result = await self.session.execute(
            sa.delete(idempotency_keys).where(idempotency_keys.c.expires_at <= self.clock())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


async def purge_expired_keys(session_factory: async_sessionmaker[AsyncSession]) -> int:
    """One purge pass in its own transaction, for `service_kit.periodic` in a module's lifespan."""
    async with session_factory() as session:
        purged = await SqlAlchemyIdempotencyStore(session).purge_expired()
        await session.commit()
    return purged


@dataclass
class InMemoryIdempotencyStore(AbstractIdempotencyStore):
    """Keys in this process: for a module without a database, and as the double in service-layer
    unit tests (`now` is settable to expire keys). Writes are immediate: there is no transaction."""

    keys: dict[str, tuple[str, StoredResponse, datetime]] = field(default_factory=dict)
    now: datetime = field(default_factory=utc_now)

    async def _find(self, key: IdempotencyKey) -> tuple[str, StoredResponse] | None:
        found = self.keys.get(key.stored_key)
        if found is None:
            return None
        if found[2] <= self.now:
            del self.keys[key.stored_key]
            return None
        return found[0], found[1]

    async def _insert(self, key: IdempotencyKey, response: StoredResponse) -> None:
        if key.stored_key in self.keys:
            raise IdempotencyKeyInFlight()
        self.keys[key.stored_key] = (
            key.fingerprint,
            response,
            self.now + timedelta(seconds=key.ttl_seconds),
        )

    async def purge_expired(self) -> int:
        expired = [k for k, (_, _, expires) in self.keys.items() if expires <= self.now]
        for k in expired:
            del self.keys[k]
        return len(expired)


FakeIdempotencyStore = InMemoryIdempotencyStore  # the name unit tests use for the double
