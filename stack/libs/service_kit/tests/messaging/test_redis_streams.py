"""Redis Streams end to end: relay → stream → consumer group → inbox, across a consumer and a broker kill."""

import asyncio
import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.testing.redis import RedisServer, ephemeral_redis
from service_kit.messaging.consumer import consume_streams
from service_kit.messaging.envelope import Envelope
from service_kit.messaging.outbox import SqlAlchemyOutbox
from service_kit.messaging.relay import Relay
from service_kit.messaging.tables import inbox as inbox_table
from service_kit.messaging.tables import outbox
from service_kit.messaging.transport import RedisStreams
from service_kit.tests.messaging.sample_events import ThingHappened

pytestmark = pytest.mark.anyio
Sessions = async_sessionmaker[AsyncSession]
TOPIC = ThingHappened.topic("service_kit")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with ephemeral_redis() as server:
        yield server


async def stored(sessions: Sessions) -> list[int]:
    async with sessions() as session:
        rows = await session.execute(sa.select(inbox_table.c.payload).order_by(inbox_table.c.seq))
        return [ThingHappened.model_validate_json(str(p)).n for (p,) in rows]


async def wait_for_stored(sessions: Sessions, count: int, timeout: float = 10) -> list[int]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await stored(sessions)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.02)
    return await stored(sessions)


async def test_relayed_events_reach_the_inbox_once_through_a_consumer_group(
    session_factory: Sessions, redis_server: RedisServer
) -> None:
    async with session_factory() as session:
        for n in range(50):
            await SqlAlchemyOutbox(session, "service_kit").publish(ThingHappened(key=f"k{n % 5}", n=n))
        await session.commit()
    streams = RedisStreams(redis_server.url)
    try:
        relay = Relay(session_factory, streams.send)
        assert await relay.relay_once() == 50
        # A second relay of the same rows (a crash before they were marked sent) is deduped downstream.
        await streams.send((await _all_sent(session_factory))[:10])
        reader = asyncio.create_task(
            consume_streams(
                streams,
                group="consumer",
                consumer="c1",
                topics=[TOPIC],
                session_factory=session_factory,
                on_stored=lambda: None,
            )
        )
        found = await wait_for_stored(session_factory, 50)
        await asyncio.sleep(0.2)
        reader.cancel()
        assert found == list(range(50))
        assert await stored(session_factory) == list(range(50))
        assert await streams.redis.xpending(TOPIC, "consumer") == {
            "pending": 0,
            "min": None,
            "max": None,
            "consumers": [],
        }
    finally:
        await streams.aclose()


async def test_what_a_killed_broker_acknowledged_is_still_delivered(
    session_factory: Sessions, redis_server: RedisServer
) -> None:
    """appendfsync always: an XADD that returned survives kill -9 of redis-server."""
    streams = RedisStreams(redis_server.url)
    try:
        await streams.join("consumer", [TOPIC])
        async with session_factory() as session:
            await SqlAlchemyOutbox(session, "service_kit").publish(ThingHappened(key="a", n=7))
            await session.commit()
        await Relay(session_factory, streams.send).relay_once()
    finally:
        await streams.aclose()
    redis_server.kill()
    redis_server.start()

    streams = RedisStreams(redis_server.url)
    try:
        deliveries = await streams.read("consumer", "c1", [TOPIC], pending=False, block_ms=500, count=10)
        assert [d.envelope.payload["n"] for d in deliveries] == [7]
        # Not acknowledged (the consumer "crashed"): the same consumer reads it again as pending.
        again = await streams.read("consumer", "c1", [TOPIC], pending=True, block_ms=0, count=10)
        assert [d.entry_id for d in again] == [d.entry_id for d in deliveries]
        # Another consumer takes over what c1 left idle.
        claimed = await streams.claim_abandoned("consumer", "c2", [TOPIC], min_idle_ms=0, count=10)
        assert [d.entry_id for d in claimed] == [d.entry_id for d in deliveries]
    finally:
        await streams.aclose()


async def _all_sent(sessions: Sessions) -> list[Envelope]:
    async with sessions() as session:
        rows = (await session.execute(sa.select(outbox).order_by(outbox.c.position))).all()
    return [
        Envelope(
            event_id=r.event_id, topic=r.topic, key=r.key, position=r.position, payload=json.loads(r.payload)
        )
        for r in rows
    ]
