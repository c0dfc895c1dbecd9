"""Idempotency-Key: the store keeps the first response with the write; facade clients resend the key."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import SqliteReader, create_engine
from service_kit.client import Conflict
from service_kit.idempotency import (
    IDEMPOTENCY_HEADER,
    IN_FLIGHT,
    IdempotencyKey,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    Replayed,
    SqlAlchemyIdempotencyStore,
    fingerprint,
    idempotency_keys,
    purge_expired_keys,
)
from service_kit.tests.demo_app import KEYS, DemoClient

pytestmark = pytest.mark.anyio
BODY = b'{"a": 1, "b": [1, 2]}'


def key(body: bytes = BODY, name: str = "k-1", ttl: float = 60) -> IdempotencyKey:
    return IdempotencyKey(
        scope="tests", key=name, fingerprint=fingerprint("POST", "/x", body), ttl_seconds=ttl
    )


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(idempotency_keys.metadata.create_all)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def test_the_fingerprint_ignores_spacing_and_key_order_but_not_values_or_path() -> None:
    same = fingerprint("POST", "/x", b'{"b":[1,2],  "a":1}')

    assert same == fingerprint("POST", "/x", BODY)
    assert fingerprint("POST", "/x", b'{"a": 2, "b": [1, 2]}') != same
    assert fingerprint("POST", "/y", BODY) != same


async def test_a_remembered_response_is_replayed_and_a_changed_request_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).replay(key())
        await SqlAlchemyIdempotencyStore(session).remember(key(), 201, {"id": "x"})
        await session.commit()

    async with sessions() as session:
        store = SqlAlchemyIdempotencyStore(session)
        with pytest.raises(Replayed) as replayed:
            await store.replay(key())
        with pytest.raises(IdempotencyKeyReused):
            await store.replay(key(b'{"a": 2}'))

    assert (replayed.value.response.status, replayed.value.response.body) == (201, {"id": "x"})


async def test_nothing_is_remembered_when_the_write_rolls_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(), 201, {"id": "x"})
        await session.rollback()

    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).replay(key())  # new again: no Replayed


async def test_a_second_writer_of_the_same_key_loses_as_in_flight(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(), 201, {"id": "x"})
        await session.commit()

    async with sessions() as session:
        with pytest.raises(IdempotencyKeyInFlight):
            await SqlAlchemyIdempotencyStore(session).remember(key(), 201, {"id": "y"})


async def test_an_expired_key_is_free_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(ttl=60), 201, {"id": "x"})
        await session.commit()

    async with sessions() as session:
        store = SqlAlchemyIdempotencyStore(session, clock=lambda: later)
        await store.replay(key(b'{"other": true}'))  # neither Replayed nor Reused
        await store.remember(key(b'{"other": true}'), 201, {"id": "y"})
        assert await store.purge_expired() == 0
        await session.commit()


async def test_a_purge_deletes_only_expired_keys(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(name="old", ttl=0.000001), 201, {})
        await SqlAlchemyIdempotencyStore(session).remember(key(name="new"), 201, {})
        await session.commit()

    assert await purge_expired_keys(sessions) == 1
    async with sessions() as session:
        with pytest.raises(Replayed):
            await SqlAlchemyIdempotencyStore(session).replay(key(name="new"))


def statements_of(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    """The SQL the sessions' engine runs from now on, one entry per statement."""
    engine = sessions.kw["bind"].sync_engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, sql, *_rest: seen.append(sql))
    return seen


async def test_a_record_is_one_statement_and_takes_over_an_expired_key_in_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(ttl=60), 201, {"id": "x"})
        await session.commit()
    seen = statements_of(sessions)

    async with sessions() as session:
        store = SqlAlchemyIdempotencyStore(session, clock=lambda: later)
        await store.remember(key(b'{"other": true}', ttl=60), 201, {"id": "y"})
        await session.commit()

    records = [sql for sql in seen if not sql.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    assert len(records) == 1, records
    async with sessions() as session:
        with pytest.raises(Replayed) as replayed:
            await SqlAlchemyIdempotencyStore(session, clock=lambda: later).replay(key(b'{"other": true}'))
    assert replayed.value.response.body == {"id": "y"}


async def test_a_lookup_through_a_reader_sees_committed_keys_and_runs_nothing_on_the_session(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    reader = SqliteReader(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    async with sessions() as session:
        await SqlAlchemyIdempotencyStore(session).remember(key(), 201, {"id": "x"})
        await session.commit()
    seen = statements_of(sessions)

    try:
        async with sessions() as session:
            store = SqlAlchemyIdempotencyStore(session, reader=reader)
            with pytest.raises(Replayed):
                await store.replay(key())
            with pytest.raises(IdempotencyKeyReused):
                await store.replay(key(b'{"a": 2}'))
            await store.replay(key(name="never-seen"))
    finally:
        reader.close()

    assert seen == []


def recording(*answers: tuple[int, dict[str, object]]) -> tuple[httpx2.MockTransport, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []
    queue = iter(answers)

    def answer(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        status, body = next(queue)
        return httpx2.Response(status, json=body)

    return httpx2.MockTransport(answer), seen


async def test_a_keyed_create_is_retried_with_the_same_key_through_503s_and_in_flight_409s() -> None:
    transport, seen = recording(
        (503, {"detail": "down"}), (409, {"detail": "busy", "idempotency": IN_FLIGHT}), (201, {"id": "x"})
    )
    client = DemoClient(
        "http://demo", caller="tests", signing_key=KEYS.key("tests"), retries=2, transport=transport
    )

    response = await client._request("POST", "/api/v1/items/a", json={}, idempotency_key="key-1")

    assert response.status_code == 201 and len(seen) == 3
    assert {request.headers[IDEMPOTENCY_HEADER] for request in seen} == {"key-1"}


async def test_a_domain_409_of_a_keyed_create_is_not_retried() -> None:
    transport, seen = recording((409, {"detail": "exists"}), (201, {}))
    client = DemoClient(
        "http://demo", caller="tests", signing_key=KEYS.key("tests"), retries=2, transport=transport
    )

    with pytest.raises(Conflict):
        await client._request("POST", "/api/v1/items/a", json={}, idempotency_key="key-1")

    assert len(seen) == 1
