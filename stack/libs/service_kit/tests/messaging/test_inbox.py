"""The inbox: dedupe by event id, order per key, retries with backoff, dead letters and their replay."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import as_utc
from service_kit.event import Event
from service_kit.messaging import inbox
from service_kit.messaging.envelope import Envelope
from service_kit.messaging.inbox import InboxProcessor, RetryPolicy, SqlAlchemyInbox, Subscriptions
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.tables import inbox as inbox_table
from service_kit.tests.messaging.sample_events import ThingHappened, ThingUndone

pytestmark = pytest.mark.anyio
Sessions = async_sessionmaker[AsyncSession]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)  # past what `store` stamps

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Consumer:
    """A handler that records what it applied in a table of its own, claiming in the same transaction."""

    def __init__(self, sessions: Sessions, failing: set[int] | None = None) -> None:
        self.sessions = sessions
        self.failing = failing or set()
        self.calls: list[int] = []

    async def handle(self, event: ThingHappened | ThingUndone) -> None:
        self.calls.append(event.n)
        async with self.sessions() as session:
            if not await SqlAlchemyInbox(session).claim(event):
                return
            await session.execute(sa.text("INSERT INTO applied (n) VALUES (:n)"), {"n": event.n})
            if event.n in self.failing:
                raise RuntimeError(f"cannot apply {event.n}")  # rolls the claim back with the write
            await session.commit()

    async def applied(self) -> list[int]:
        async with self.sessions() as session:
            return [row.n for row in await session.execute(sa.text("SELECT n FROM applied ORDER BY rowid"))]


@pytest.fixture
async def consumer(session_factory: Sessions) -> Consumer:
    async with session_factory() as session:
        await session.execute(sa.text("CREATE TABLE applied (n INTEGER NOT NULL)"))
        await session.commit()
    return Consumer(session_factory)


def processor(
    sessions: Sessions, consumer: Consumer, clock: Clock, metrics: EventMetrics | None = None
) -> InboxProcessor:
    subscriptions = Subscriptions("consumer")
    subscriptions.on(ThingHappened, consumer.handle)
    subscriptions.on(ThingUndone, consumer.handle)
    policy = RetryPolicy(max_attempts=3, base_seconds=1.0, max_seconds=10.0)
    return InboxProcessor(sessions, subscriptions, retry=policy, clock=clock, metrics=metrics)


def envelope(event: Event, position: int = 1) -> Envelope:
    return Envelope(
        event_id=event.event_id,
        topic=type(event).topic("service_kit"),
        key=event.key,
        position=position,
        payload=event.model_dump(mode="json"),
    )


async def deliver(sessions: Sessions, *events: Event) -> int:
    async with sessions() as session:
        stored = await inbox.store(session, [envelope(e) for e in events])
        await session.commit()
    return stored


async def test_a_redelivered_event_is_stored_once_and_applied_once(
    session_factory: Sessions, consumer: Consumer
) -> None:
    event = ThingHappened(key="a", n=1)
    assert await deliver(session_factory, event) == 1
    assert await deliver(session_factory, event) == 0  # the broker's redelivery after a lost ack

    run = processor(session_factory, consumer, Clock())
    await run.process_once()
    await deliver(session_factory, event)
    await run.process_once()
    assert await consumer.applied() == [1]


async def test_a_replayed_event_already_applied_has_no_second_effect(
    session_factory: Sessions, consumer: Consumer
) -> None:
    """The claim, not the processor, is the dedupe: a handler run twice for one event writes once."""
    event = ThingHappened(key="a", n=1)
    await deliver(session_factory, event)
    await consumer.handle(event)
    await consumer.handle(event)
    assert await consumer.applied() == [1]


async def test_events_of_one_key_apply_in_order_while_other_keys_go_on(
    session_factory: Sessions, consumer: Consumer
) -> None:
    consumer.failing = {1}
    clock = Clock()
    await deliver(
        session_factory,
        ThingHappened(key="a", n=1),
        ThingHappened(key="b", n=10),
        ThingUndone(key="a", n=2),
        ThingHappened(key="b", n=11),
    )
    run = processor(session_factory, consumer, clock)

    await run.process_once()
    assert await consumer.applied() == [10, 11]  # key a waits behind its failed first event

    consumer.failing = set()
    await run.process_once()
    assert await consumer.applied() == [10, 11]  # its retry is not due yet: backoff
    clock.advance(1.5)
    await run.process_once()
    assert await consumer.applied() == [10, 11, 1, 2]


async def test_failures_back_off_exponentially_then_dead_letter_and_later_events_flow(
    session_factory: Sessions, consumer: Consumer
) -> None:
    consumer.failing = {1}  # a poison event: its handler always fails
    clock = Clock()
    metrics = EventMetrics()
    run = processor(session_factory, consumer, clock, metrics)
    poison = ThingHappened(key="a", n=1)
    await deliver(session_factory, poison, ThingHappened(key="a", n=2))

    waits = []
    for _ in range(3):
        await run.process_once()
        async with session_factory() as session:
            row = (await session.execute(sa.select(inbox_table).order_by(inbox_table.c.seq))).first()
        assert row is not None
        waits.append((as_utc(row.next_attempt_at) - clock.now).total_seconds())
        clock.advance(10)

    assert consumer.calls.count(1) == 3  # max_attempts
    assert 0.8 <= waits[0] <= 1.2 and 1.6 <= waits[1] <= 2.4 and waits[2] == 0  # 1 s, 2 s, then dead
    assert await consumer.applied() == [2]  # the key's next event went on
    letters, total = await inbox.list_dead_letters(session_factory, limit=10, offset=0)
    assert total == 1 and letters[0].event_id == poison.event_id
    assert letters[0].attempts == 3 and letters[0].last_error == "RuntimeError"
    assert letters[0].payload["n"] == 1
    assert metrics.dead_letters._value.get() == 1

    await run.process_once()
    assert consumer.calls.count(1) == 3  # a dead letter is not retried by itself


async def test_a_replayed_dead_letter_is_applied_once_its_handler_works(
    session_factory: Sessions, consumer: Consumer
) -> None:
    consumer.failing = {1}
    clock = Clock()
    metrics = EventMetrics()
    run = processor(session_factory, consumer, clock, metrics)
    poison = ThingHappened(key="a", n=1)
    await deliver(session_factory, poison)
    for _ in range(3):
        await run.process_once()
        clock.advance(10)
    assert (await inbox.list_dead_letters(session_factory, limit=10, offset=0))[1] == 1

    consumer.failing = set()  # the bug is fixed
    assert await inbox.replay_dead_letters(session_factory, [poison.event_id], clock) == 1
    await run.process_once()

    assert await consumer.applied() == [1]
    assert (await inbox.list_dead_letters(session_factory, limit=10, offset=0))[1] == 0
    assert metrics.dead_letters._value.get() == 0
    assert await inbox.replay_dead_letters(session_factory, None, clock) == 0


async def test_an_event_without_a_handler_dead_letters_instead_of_blocking(
    session_factory: Sessions, consumer: Consumer
) -> None:
    class Unsubscribed(Event):
        pass

    clock = Clock()
    run = processor(session_factory, consumer, clock)
    await deliver(session_factory, Unsubscribed(key="a"), ThingHappened(key="a", n=5))
    for _ in range(3):
        await run.process_once()
        clock.advance(10)
    letters, _ = await inbox.list_dead_letters(session_factory, limit=10, offset=0)
    assert [d.last_error for d in letters] == ["LookupError"]
    assert await consumer.applied() == [5]


def test_one_handler_per_event_type() -> None:
    subscriptions = Subscriptions("consumer")

    async def handler(event: ThingHappened) -> None:
        ...

    subscriptions.on(ThingHappened, handler)
    with pytest.raises(ValueError, match="already has a handler"):
        subscriptions.on(ThingHappened, handler)
    assert subscriptions.producers == ["service_kit"]
    assert subscriptions.topics == ["service_kit.ThingHappened.v1"]
