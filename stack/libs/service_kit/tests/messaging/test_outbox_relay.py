"""The outbox and its relay: rows only with a commit, sent in order, at least once across a failed send."""

from collections.abc import Sequence

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service_kit.messaging.envelope import Envelope
from service_kit.messaging.outbox import SqlAlchemyOutbox
from service_kit.messaging.relay import Relay, purge_sent, read_feed
from service_kit.messaging.tables import outbox
from service_kit.tests.messaging.sample_events import ThingHappened

pytestmark = pytest.mark.anyio
Sessions = async_sessionmaker[AsyncSession]
TOPIC = ThingHappened.topic("sample")


class RecordingBroker:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[Envelope] = []
        self.failures = failures

    async def send(self, envelopes: Sequence[Envelope]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker went away")
        self.sent.extend(envelopes)


async def publish(sessions: Sessions, *events: ThingHappened, commit: bool = True) -> None:
    async with sessions() as session:
        for event in events:
            await SqlAlchemyOutbox(session, "sample").publish(event)
        if commit:
            await session.commit()


async def unsent(sessions: Sessions) -> int:
    async with sessions() as session:
        query = sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
        return int((await session.execute(query)).scalar() or 0)


async def test_an_event_is_in_the_outbox_only_if_its_transaction_commits(session_factory: Sessions) -> None:
    await publish(session_factory, ThingHappened(key="a", n=1), commit=False)
    assert await unsent(session_factory) == 0

    await publish(session_factory, ThingHappened(key="a", n=2))
    assert await unsent(session_factory) == 1


async def test_the_relay_sends_committed_events_in_order_and_marks_them_sent(
    session_factory: Sessions,
) -> None:
    events = [ThingHappened(key=f"k{i % 3}", n=i) for i in range(10)]
    await publish(session_factory, *events)
    broker = RecordingBroker()
    relay = Relay(session_factory, broker.send)

    assert await relay.relay_once() == 10
    assert await relay.relay_once() == 0

    assert [e.event_id for e in broker.sent] == [e.event_id for e in events]
    assert all(e.topic == TOPIC for e in broker.sent)
    assert [ThingHappened.model_validate(e.payload) for e in broker.sent] == events
    assert await unsent(session_factory) == 0


async def test_a_failed_send_leaves_the_rows_for_the_next_relay(session_factory: Sessions) -> None:
    """A crash (or a broker outage) after the commit, before the send, still delivers."""
    await publish(session_factory, ThingHappened(key="a", n=1))
    with pytest.raises(ConnectionError):
        await Relay(session_factory, RecordingBroker(failures=1).send).relay_once()
    assert await unsent(session_factory) == 1

    restarted = RecordingBroker()
    assert await Relay(session_factory, restarted.send).relay_once() == 1
    assert [ThingHappened.model_validate(e.payload).n for e in restarted.sent] == [1]


async def test_the_embedded_relay_numbers_the_feed_in_commit_order(session_factory: Sessions) -> None:
    await publish(session_factory, *(ThingHappened(key="a", n=i) for i in range(3)))
    relay = Relay(session_factory, None)
    assert await read_feed(session_factory, after=0, topics=[TOPIC], limit=10) == []  # not relayed yet

    await relay.relay_once()
    await publish(session_factory, ThingHappened(key="b", n=3))
    await relay.relay_once()

    feed = await read_feed(session_factory, after=0, topics=[TOPIC], limit=10)
    assert [e.position for e in feed] == [1, 2, 3, 4]
    assert [e.payload["n"] for e in feed] == [0, 1, 2, 3]
    assert [e.payload["n"] for e in await read_feed(session_factory, after=2, topics=[TOPIC], limit=10)] == [
        2,
        3,
    ]
    assert await read_feed(session_factory, after=0, topics=["other.Topic.v1"], limit=10) == []


async def test_sent_rows_past_their_retention_are_purged(session_factory: Sessions) -> None:
    await publish(session_factory, ThingHappened(key="a", n=1))
    await publish(session_factory, ThingHappened(key="a", n=2))
    await Relay(session_factory, RecordingBroker().send).relay_once()
    assert await purge_sent(session_factory, retention_seconds=3600) == 0
    assert await purge_sent(session_factory, retention_seconds=1e-9) == 2


async def test_a_publishing_commit_wakes_the_relay_and_a_rollback_does_not(session_factory: Sessions) -> None:
    woken: list[str] = []
    async with session_factory() as session:
        await SqlAlchemyOutbox(session, "sample", on_commit=lambda: woken.append("x")).publish(
            ThingHappened(key="a", n=1)
        )
        await session.rollback()
    assert woken == []

    async with session_factory() as session:
        outbox_of_session = SqlAlchemyOutbox(session, "sample", on_commit=lambda: woken.append("x"))
        await outbox_of_session.publish(ThingHappened(key="a", n=2))
        await outbox_of_session.publish(ThingHappened(key="a", n=3))
        await session.commit()
    assert woken == ["x"]  # once per transaction


async def test_a_relay_cancelled_as_it_is_nudged_stops(session_factory: Sessions) -> None:
    import asyncio

    relay = Relay(session_factory, RecordingBroker().send, idle_seconds=3600)
    task = asyncio.create_task(relay.run())
    for _ in range(50):  # until it is waiting for a nudge
        await asyncio.sleep(0.01)
    relay.nudge()  # a commit just before shutdown: the wait's event is set ...
    task.cancel()  # ... and the lifespan cancels the relay in the same turn of the loop

    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(5):  # wait_for here swallowed the cancel and waited its hour
            await task
