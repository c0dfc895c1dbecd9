"""Consuming: what arrives is stored in the inbox (deduped by event id), then applied once per event.

A handler applies an event through the consumer's service layer, claiming it in the SAME transaction
as its writes, so a redelivered or replayed event has no second effect:

    async with uow:
        if not await uow.inbox.claim(event):
            return                      # applied before
        ... the writes ...
        await uow.commit()

`InboxProcessor` runs the handlers: per aggregate key in arrival order (a key waits while its oldest
event is retried), retrying a failure with exponential backoff, and after `max_attempts` moving the
event to the dead letters, which can be listed and replayed; the key's later events then go on.
"""

import abc
import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import as_utc
from service_kit.event import Event
from service_kit.messaging.envelope import Envelope, EventT
from service_kit.messaging.metrics import EventMetrics
from service_kit.messaging.tables import cursors, inbox
from service_kit.periodic import wait_for_nudge

logger = logging.getLogger(__name__)

PENDING, DONE, DEAD = "pending", "done", "dead"
SCAN_SIZE = 500
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def producer_of(event_class: type[Event]) -> str:
    """The module that publishes `event_class`: its facade lives in `<producer>.backend.public.events`."""
    return event_class.__module__.split(".", 1)[0]


class AbstractInbox(abc.ABC):
    """The port a consumer's unit of work exposes as `uow.inbox`."""

    @abc.abstractmethod
    async def claim(self, event: Event) -> bool:
        """True the first time, inside the transaction that applies `event`; False once it was applied."""


class SqlAlchemyInbox(AbstractInbox):
    def __init__(self, session: AsyncSession, clock: Clock = utc_now) -> None:
        self.session = session
        self.clock = clock

    async def claim(self, event: Event) -> bool:
        result = await self.session.execute(
            sa.update(inbox)
            .where(inbox.c.event_id == str(event.event_id), inbox.c.status != DONE)
            .values(status=DONE, processed_at=self.clock())
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass
class FakeInbox(AbstractInbox):
    """The double for service-layer unit tests: every event id is claimed once."""

    claimed: set[UUID] = field(default_factory=set)

    async def claim(self, event: Event) -> bool:
        if event.event_id in self.claimed:
            return False
        self.claimed.add(event.event_id)
        return True


async def store(session: AsyncSession, envelopes: Iterable[Envelope], clock: Clock = utc_now) -> int:
    """Add what arrived to the inbox, skipping event ids already there; commit is the caller's."""
    rows = [
        {
            "event_id": str(e.event_id),
            "topic": e.topic,
            "key": e.key,
            "payload": json.dumps(e.payload, separators=(",", ":")),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": clock(),
            "received_at": clock(),
        }
        for e in envelopes
    ]
    if not rows:
        return 0
    statement = (
        _dialect_insert(session)(inbox).values(rows).on_conflict_do_nothing(index_elements=["event_id"])
    )
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


def _dialect_insert(session: AsyncSession) -> Any:
    """The dialect's INSERT (it has ON CONFLICT), imported on first use: a SQLite service never
    loads the PostgreSQL dialect, 3 % of a start's imports (docs/benchmarks.md, "The hot path")."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def read_cursor(session: AsyncSession, producer: str) -> int:
    position = (
        await session.execute(sa.select(cursors.c.position).where(cursors.c.producer == producer))
    ).scalar()
    return int(position or 0)


async def write_cursor(session: AsyncSession, producer: str, position: int) -> None:
    statement = _dialect_insert(session)(cursors).values(producer=producer, position=position)
    await session.execute(
        statement.on_conflict_do_update(index_elements=["producer"], set_={"position": position})
    )


Handler = Callable[[EventT], Awaitable[object]]


@dataclass(frozen=True)
class Subscription(Generic[EventT]):
    event_class: type[EventT]
    handler: Handler[EventT]


class Subscriptions:
    """What a consumer handles: `subscriptions.on(OrderConfirmed, handler)`, one handler per event type."""

    def __init__(self, consumer: str) -> None:
        self.consumer = consumer
        self._by_topic: dict[str, Subscription[Any]] = {}

    def on(self, event_class: type[EventT], handler: Handler[EventT]) -> None:
        topic = event_class.topic(producer_of(event_class))
        if topic in self._by_topic:
            raise ValueError(f"{topic} already has a handler in {self.consumer}; register one per event type")
        self._by_topic[topic] = Subscription(event_class, handler)

    @property
    def topics(self) -> list[str]:
        return sorted(self._by_topic)

    def topics_of(self, producer: str) -> list[str]:
        return [t for t, s in sorted(self._by_topic.items()) if producer_of(s.event_class) == producer]

    @property
    def producers(self) -> list[str]:
        return sorted({producer_of(s.event_class) for s in self._by_topic.values()})

    def get(self, topic: str) -> Subscription[Any] | None:
        return self._by_topic.get(topic)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 0.5
    max_seconds: float = 60.0

    def delay(self, attempts: int) -> float:
        """Exponential backoff with jitter after the `attempts`-th failure."""
        return min(self.max_seconds, self.base_seconds * 2.0 ** (attempts - 1)) * random.uniform(0.8, 1.2)


DEFAULT_RETRY = RetryPolicy()


class InboxProcessor:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        subscriptions: Subscriptions,
        *,
        retry: RetryPolicy = DEFAULT_RETRY,
        idle_seconds: float = 1.0,
        metrics: EventMetrics | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.session_factory = session_factory
        self.subscriptions = subscriptions
        self.retry = retry
        self.idle_seconds = idle_seconds
        self.metrics = metrics
        self.clock = clock
        self._wake = asyncio.Event()
        self._next_retry: datetime | None = None

    def nudge(self) -> None:
        self._wake.set()

    async def process_once(self) -> int:
        """Apply every event that is due, oldest first per key; how many were attempted."""
        async with self.session_factory() as session:
            rows = (
                await session.execute(
                    sa.select(inbox).where(inbox.c.status == PENDING).order_by(inbox.c.seq).limit(SCAN_SIZE)
                )
            ).all()
        now = self.clock()
        blocked: set[str] = set()
        attempted = 0
        self._next_retry = None
        for row in rows:
            if row.key in blocked:
                continue
            if as_utc(row.next_attempt_at) > now:
                blocked.add(row.key)  # its oldest event waits for a retry: so do the key's later ones
                self._remember_retry(as_utc(row.next_attempt_at))
                continue
            attempted += 1
            if not await self._apply(row):
                blocked.add(row.key)
                self._remember_retry(self.clock() + timedelta(seconds=self.retry.base_seconds))
        await self.refresh_dead_letter_gauge()
        return attempted

    async def _apply(self, row: Any) -> bool:
        """Whether the key's next event may go: this one is done, or dead-lettered."""
        subscription = self.subscriptions.get(row.topic)
        try:
            if subscription is None:
                raise LookupError(f"{self.subscriptions.consumer} has no handler for {row.topic}")
            event = subscription.event_class.model_validate_json(row.payload, strict=False)
            await subscription.handler(event)
        except Exception as error:
            return await self._failed(row, error)
        async with self.session_factory() as session:
            # A handler with nothing to write never claimed the event: it is done all the same.
            await session.execute(
                sa.update(inbox)
                .where(inbox.c.seq == row.seq, inbox.c.status == PENDING)
                .values(status=DONE, processed_at=self.clock())
            )
            await session.commit()
        if self.metrics is not None:
            self.metrics.handled.labels(row.topic, DONE).inc()
        return True

    async def _failed(self, row: Any, error: Exception) -> bool:
        attempts = row.attempts + 1
        dead: bool = attempts >= self.retry.max_attempts
        logger.warning(
            "event %s (%s) failed, attempt %d of %d%s",
            row.event_id,
            row.topic,
            attempts,
            self.retry.max_attempts,
            ": moved to the dead letters" if dead else "",
            exc_info=error,
        )
        async with self.session_factory() as session:
            await session.execute(
                sa.update(inbox)
                .where(inbox.c.seq == row.seq, inbox.c.status == PENDING)
                .values(
                    status=DEAD if dead else PENDING,
                    attempts=attempts,
                    # The error's type only: its text may carry internals, and listing shows this.
                    last_error=type(error).__name__,
                    next_attempt_at=self.clock()
                    + timedelta(seconds=0 if dead else self.retry.delay(attempts)),
                )
            )
            await session.commit()
        if self.metrics is not None:
            self.metrics.handled.labels(row.topic, DEAD if dead else "retried").inc()
        return dead

    async def refresh_dead_letter_gauge(self) -> None:
        if self.metrics is not None:
            async with self.session_factory() as session:
                self.metrics.dead_letters.set(await count_dead_letters(session))

    async def run(self) -> None:
        """Process until cancelled: after each pass, wait for a nudge (an arrival) or the next retry."""
        while True:
            try:
                await self.process_once()
            except Exception:
                logger.exception("inbox processing failed; retrying in %gs", self.idle_seconds)
            await wait_for_nudge(self._wake, self._wait_seconds())

    def _remember_retry(self, due: datetime) -> None:
        if self._next_retry is None or due < self._next_retry:
            self._next_retry = due

    def _wait_seconds(self) -> float:
        """Until the next poll, or sooner when a retry falls due."""
        if self._next_retry is None:
            return self.idle_seconds
        return max(0.0, min(self.idle_seconds, (self._next_retry - self.clock()).total_seconds()))


@dataclass(frozen=True)
class DeadLetter:
    event_id: UUID
    topic: str
    key: str
    attempts: int
    last_error: str | None
    received_at: datetime
    payload: dict[str, Any]


async def count_dead_letters(session: AsyncSession) -> int:
    return int(
        (await session.execute(sa.select(sa.func.count()).where(inbox.c.status == DEAD))).scalar() or 0
    )


async def list_dead_letters(
    session_factory: async_sessionmaker[AsyncSession], *, limit: int, offset: int
) -> tuple[list[DeadLetter], int]:
    """A page of dead letters, oldest first, and how many there are."""
    async with session_factory() as session:
        rows = (
            await session.execute(
                sa.select(inbox)
                .where(inbox.c.status == DEAD)
                .order_by(inbox.c.seq)
                .limit(limit)
                .offset(offset)
            )
        ).all()
        total = await count_dead_letters(session)
    return [_dead_letter(row) for row in rows], total


async def replay_dead_letters(
    session_factory: async_sessionmaker[AsyncSession],
    event_ids: Sequence[UUID] | None,
    clock: Clock = utc_now,
) -> int:
    """Make these dead letters (all with None) pending again with fresh attempts; how many."""
    query = sa.update(inbox).where(inbox.c.status == DEAD)
    if event_ids is not None:
        query = query.where(inbox.c.event_id.in_([str(i) for i in event_ids]))
    async with session_factory() as session:
        result = await session.execute(query.values(status=PENDING, attempts=0, next_attempt_at=clock()))
        await session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def _dead_letter(row: Any) -> DeadLetter:
    return DeadLetter(
        event_id=UUID(row.event_id),
        topic=row.topic,
        key=row.key,
        attempts=row.attempts,
        last_error=row.last_error,
        received_at=as_utc(row.received_at),
        payload=json.loads(row.payload),
    )
